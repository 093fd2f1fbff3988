#!/usr/bin/env node
// Project docs speak of the project alone: every relative link in a tracked Markdown file must name a file or folder
// inside this repository that exists, and no doc may point at ../shared/ or another path outside it.
// Prints one line; exits 1 listing each offending link.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim();
const docs = execFileSync('git', ['ls-files', '*.md', '*.props', '*.targets'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
const problems = [];
let links = 0;
for (const doc of docs) {
  const text = fs.readFileSync(path.join(root, doc), 'utf8');
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const where = `${doc}:${i + 1}`;
    if (/\.\.\/shared\//.test(line)) problems.push(`${where}: points at ../shared/ (outside the repository)`);
    if (!doc.endsWith('.md')) return;
    for (const m of line.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1].split('#')[0];
      if (target === '' || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // anchors, https:, mailto:
      links++;
      const resolved = path.resolve(path.dirname(path.join(root, doc)), decodeURIComponent(target));
      if (resolved !== root && !resolved.startsWith(root + path.sep)) problems.push(`${where}: ${target} is outside the repository`);
      else if (!fs.existsSync(resolved)) problems.push(`${where}: ${target} does not exist`);
    }
  });
}
if (problems.length > 0) {
  problems.forEach((p) => console.log(`docs: ${p}`));
  process.exit(1);
}
console.log(`docs: ${links} relative link(s) in ${docs.length} file(s), all inside the repository and existing`);
