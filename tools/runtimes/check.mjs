#!/usr/bin/env node
// Fails when a synthesized template holds a Lambda function Lambda will refuse soon: every AWS::Lambda::Function's
// Runtime must be in tools/runtimes/lambda-runtimes.json (a dated copy of AWS's runtime deprecation list) with its
// create-block and update-block dates more than `marginDays` (90) days after today.
//
// Usage: node tools/runtimes/check.mjs <dir-or-template>...   (directories are searched for *.template.json)
// RUNTIMES_TODAY=YYYY-MM-DD overrides today (self-test); RUNTIMES_TABLE=<file> overrides the table.
// Prints one summary line when every function passes, one line per finding otherwise (exit 1).

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const table = JSON.parse(fs.readFileSync(process.env.RUNTIMES_TABLE ?? path.join(here, 'lambda-runtimes.json'), 'utf8'));
const today = process.env.RUNTIMES_TODAY ?? new Date().toISOString().slice(0, 10);
const day = 24 * 3600 * 1000;
const horizon = new Date(Date.parse(today) + table.marginDays * day).toISOString().slice(0, 10);

const args = process.argv.slice(2);
if (args.length === 0) {
  console.error('usage: node tools/runtimes/check.mjs <dir-or-template>...');
  process.exit(2);
}

const templates = [];
const collect = (p) => {
  if (!fs.existsSync(p)) return;
  if (fs.statSync(p).isDirectory()) {
    for (const entry of fs.readdirSync(p).sort()) collect(path.join(p, entry));
  } else if (p.endsWith('.template.json')) {
    templates.push(p);
  }
};
args.forEach(collect);
if (templates.length === 0) {
  console.error(`runtimes: no *.template.json under ${args.join(', ')}`);
  process.exit(1);
}

// The runtime names a function may use: a literal, or every value a Fn::FindInMap over the template's Mappings can give
// (CDK's region-agnostic "latest Node.js" lookup). Anything else cannot be checked and is a finding.
const runtimeNames = (runtime, mappings) => {
  if (typeof runtime === 'string') return [runtime];
  const find = runtime?.['Fn::FindInMap'];
  if (Array.isArray(find) && typeof find[0] === 'string' && typeof find[2] === 'string' && mappings?.[find[0]]) {
    return Object.values(mappings[find[0]]).map((row) => row[find[2]]).filter((v) => v !== undefined);
  }
  return null;
};

const findings = [];
const counts = new Map();
let functions = 0;
for (const file of templates) {
  const template = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    functions++;
    const where = `${path.relative(process.cwd(), file)} ${id}`;
    const props = resource.Properties ?? {};
    if (props.PackageType === 'Image') continue; // container images carry their own runtime
    const names = runtimeNames(props.Runtime, template.Mappings);
    if (!names || names.length === 0) {
      findings.push(`${where}: Runtime ${JSON.stringify(props.Runtime)} cannot be resolved to a runtime name`);
      continue;
    }
    for (const name of new Set(names)) {
      counts.set(name, (counts.get(name) ?? 0) + 1);
      const entry = table.runtimes[name];
      if (!entry) {
        findings.push(`${where}: runtime ${name} is not in tools/runtimes/lambda-runtimes.json; add its dates from ${table.source}`);
        continue;
      }
      for (const [what, date] of [['create', entry.createBlock], ['update', entry.updateBlock]]) {
        if (date && date <= horizon) {
          const when = date <= today ? `since ${date}` : `on ${date}, within ${table.marginDays} days`;
          findings.push(`${where}: runtime ${name}: Lambda blocks function ${what} ${when}; move to a current runtime`);
        }
      }
    }
  }
}

if (findings.length > 0) {
  findings.forEach((f) => console.log(`runtimes: ${f}`));
  console.log(`runtimes: ${findings.length} finding(s) in ${templates.length} template(s) (today ${today}, table checked ${table.checked})`);
  process.exit(1);
}
const used = [...counts].sort().map(([n, c]) => `${n} x${c}`).join(', ');
console.log(`runtimes: ${functions} function(s) in ${templates.length} template(s) (${used || 'none'}) deployable past ${horizon}; table checked ${table.checked}`);
