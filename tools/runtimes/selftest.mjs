#!/usr/bin/env node
// Self-test of tools/runtimes/check.mjs: writes small templates to a temp dir, runs the check on each with a fixed
// "today" and a small table, and checks the exit code and the reason. Prints `runtimes selftest: N passed, M failed`.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runtimes-selftest-'));
const tableFile = path.join(dir, 'table.json');
fs.writeFileSync(tableFile, JSON.stringify({
  source: 'selftest', checked: '2026-01-01', marginDays: 90,
  runtimes: {
    current: { deprecated: '2030-01-01', createBlock: '2030-02-01', updateBlock: '2030-03-01' },
    blocked: { deprecated: '2026-06-30', createBlock: '2026-07-31', updateBlock: '2026-08-31' },
    soon: { deprecated: '2027-01-01', createBlock: '2027-02-01', updateBlock: '2027-03-01' },
    updateSoon: { deprecated: '2026-11-01', createBlock: '2027-06-01', updateBlock: '2027-02-15' },
  },
}));

const fn = (Runtime) => ({ Type: 'AWS::Lambda::Function', Properties: Runtime === undefined ? {} : { Runtime } });
const write = (name, resources, extra = {}) => {
  const file = path.join(dir, `${name}.template.json`);
  fs.writeFileSync(file, JSON.stringify({ ...extra, Resources: resources }));
  return file;
};
const mapping = { M: { 'eu-west-1': { value: 'current' }, 'us-east-1': { value: 'blocked' } } };

// [name, template file, expected exit code, text the output must contain]
const cases = [
  ['current runtime passes', write('ok', { A: fn('current'), B: { Type: 'AWS::S3::Bucket' } }), 0, 'runtimes: 1 function(s)'],
  ['create-blocked runtime fails', write('blocked', { A: fn('current'), Old: fn('blocked') }), 1, 'Old: runtime blocked: Lambda blocks function create since 2026-07-31'],
  ['create block within 90 days fails', write('soon', { A: fn('soon') }), 1, 'function create on 2027-02-01, within 90 days'],
  ['update block within 90 days fails', write('update-soon', { A: fn('updateSoon') }), 1, 'function update on 2027-02-15, within 90 days'],
  ['runtime missing from the table fails', write('unknown', { A: fn('python3.99') }), 1, 'python3.99 is not in tools/runtimes/lambda-runtimes.json'],
  ['FindInMap is checked for every region', write('mapped', { A: fn({ 'Fn::FindInMap': ['M', { Ref: 'AWS::Region' }, 'value'] }) }, { Mappings: mapping }), 1, 'runtime blocked'],
  ['unresolvable runtime fails', write('token', { A: fn({ Ref: 'RuntimeParam' }) }), 1, 'cannot be resolved'],
  ['missing runtime on a zip function fails', write('none', { A: fn(undefined) }), 1, 'cannot be resolved'],
  ['container image function passes', write('image', { A: { Type: 'AWS::Lambda::Function', Properties: { PackageType: 'Image' } } }), 0, 'runtimes: 1 function(s)'],
];

let passed = 0;
let failed = 0;
for (const [name, file, code, text] of cases) {
  const run = spawnSync(process.execPath, [path.join(here, 'check.mjs'), file], {
    encoding: 'utf8',
    env: { ...process.env, RUNTIMES_TODAY: '2026-12-04', RUNTIMES_TABLE: tableFile },
  });
  const output = run.stdout + run.stderr;
  if (run.status === code && output.includes(text)) {
    passed++;
  } else {
    failed++;
    console.log(`runtimes selftest FAILED: ${name}: exit ${run.status} (want ${code}), output:\n${output}`);
  }
}
fs.rmSync(dir, { recursive: true, force: true });
console.log(`runtimes selftest: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
