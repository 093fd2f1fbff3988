#!/usr/bin/env node
// Self-test of tools/nag/check.mjs: writes small templates to a temp dir, runs check.mjs on them
// as a child process and checks exit codes and output. Prints `nag selftest: N passed, M failed`
// and exits non-zero if any case failed.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const checkScript = path.join(here, 'check.mjs');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nag-selftest-'));

// An S3 bucket with no encryption, logging or SSL policy: AwsSolutions-S1 and -S10 are errors.
const bucket = (metadata) => ({ Type: 'AWS::S3::Bucket', ...(metadata ? { Metadata: metadata } : {}) });
const suppress = (...rules) => ({ cdk_nag: { rules_to_suppress: rules } });
const write = (name, template) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(template, null, 1));
  return file;
};

const files = {
  unsuppressed: write('unsuppressed.template.json', { Resources: { Bucket: bucket() } }),
  suppressed: write('suppressed.template.json', {
    Resources: {
      Bucket: bucket(
        suppress(
          { id: 'AwsSolutions-S1', reason: 'selftest: access logs are not wanted here' },
          { id: 'AwsSolutions-S10', reason: 'selftest: SSL policy is not wanted here' },
        ),
      ),
    },
  }),
  stackSuppressed: write('stack-suppressed.template.json', {
    Metadata: suppress(
      { id: 'AwsSolutions-S1', reason: 'selftest: stack-wide suppression of access logs' },
      { id: 'AwsSolutions-S10', reason: 'selftest: stack-wide suppression of SSL policy' },
    ),
    Resources: { Bucket: bucket() },
  }),
  partlySuppressed: write('partly-suppressed.template.json', {
    Resources: { Bucket: bucket(suppress({ id: 'AwsSolutions-S1', reason: 'selftest: only S1 is suppressed' })) },
  }),
};

// A policy with a wildcard resource: AwsSolutions-IAM5 is granular (findings suppressed via applies_to).
const wildcardPolicy = (appliesTo) => ({
  Resources: {
    Role: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'lambda.amazonaws.com' } }],
        },
      },
    },
    Policy: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        PolicyName: 'p',
        Roles: [{ Ref: 'Role' }],
        PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] },
      },
      Metadata: suppress({ id: 'AwsSolutions-IAM5', reason: 'selftest: granular suppression', applies_to: appliesTo }),
    },
  },
});
files.granularMatch = write('granular-match.template.json', wildcardPolicy(['Resource::*']));
files.granularMiss = write('granular-miss.template.json', wildcardPolicy(['Resource::arn:aws:s3:::other/*']));
files.notJson = path.join(dir, 'broken.json');
fs.writeFileSync(files.notJson, '{ not json');
const dirOnly = fs.mkdtempSync(path.join(dir, 'dir-'));
fs.copyFileSync(files.unsuppressed, path.join(dirOnly, 'A.template.json'));
fs.copyFileSync(files.suppressed, path.join(dirOnly, 'B.template.json'));

// Verbose, so every case can read the findings and suppression tables; one case checks the quiet default.
const run = (...args) => runWith({ NAG_VERBOSE: '1' }, ...args);
const runWith = (env, ...args) => {
  const r = spawnSync(process.execPath, [checkScript, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, NAG_VERBOSE: '', ...env } });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
};
const row = (level, rule) => new RegExp(`^\\s+${level}\\s+${rule.replace(/[-[\]{}()*+?.,\\^$|#]/g, '\\$&')}\\s`, 'm');

const cases = [
  ['by default a passing template prints one line, a failing one its findings table', () => {
    // One run for both (each run loads aws-cdk-lib and cdk-nag, which takes seconds).
    const r = runWith({}, files.suppressed, files.unsuppressed);
    const passing = r.out.split('\n').filter((l) => l.includes('suppressed.template.json') && !l.includes('unsuppressed'));
    return [
      [r.code === 1, `exit ${r.code}, expected 1`],
      [passing.length === 1, `expected 1 line about the passing template, got ${passing.length}:\n${r.out}`],
      [row('error', 'AwsSolutions-S1').test(r.out), 'no AwsSolutions-S1 error row for the failing template'],
      [(r.out.match(/suppressions in template/g) ?? []).length === 1, 'suppression table printed for the passing template'],
    ];
  }],
  ['unsuppressed bucket fails with S1 and S10 errors', () => {
    const r = run(files.unsuppressed);
    return [
      [r.code === 1, `exit ${r.code}, expected 1`],
      [row('error', 'AwsSolutions-S1').test(r.out), 'no AwsSolutions-S1 error row'],
      [row('error', 'AwsSolutions-S10').test(r.out), 'no AwsSolutions-S10 error row'],
      [/: 2 errors, \d+ warnings, 0 suppressed/.test(r.out), 'summary is not "2 errors, .., 0 suppressed"'],
    ];
  }],
  ['resource-level suppressions are honoured', () => {
    const r = run(files.suppressed);
    return [
      [r.code === 0, `exit ${r.code}, expected 0`],
      [!/^\s+error\s/m.test(r.out), 'an error row is still reported'],
      [/: 0 errors, \d+ warnings, 2 suppressed/.test(r.out), 'summary is not "0 errors, .., 2 suppressed"'],
      [/AwsSolutions-S1\s.*used\s+selftest: access logs are not wanted here/.test(r.out), 'suppression S1 not listed as used with its reason'],
    ];
  }],
  ['stack-level (template Metadata) suppressions are honoured', () => {
    const r = run(files.stackSuppressed);
    return [
      [r.code === 0, `exit ${r.code}, expected 0`],
      [/: 0 errors, \d+ warnings, 2 suppressed/.test(r.out), 'summary is not "0 errors, .., 2 suppressed"'],
      [/\(stack\)\s+AwsSolutions-S10/.test(r.out), 'stack suppression not listed'],
    ];
  }],
  ['a suppression only removes its own rule', () => {
    const r = run(files.partlySuppressed);
    return [
      [r.code === 1, `exit ${r.code}, expected 1`],
      [!row('error', 'AwsSolutions-S1').test(r.out), 'suppressed AwsSolutions-S1 still reported'],
      [row('error', 'AwsSolutions-S10').test(r.out), 'AwsSolutions-S10 not reported'],
    ];
  }],
  ['granular applies_to suppression matching the finding passes', () => {
    const r = run(files.granularMatch);
    return [
      [r.code === 0, `exit ${r.code}, expected 0`],
      [!/AwsSolutions-IAM5\[/.test(r.out.split('suppressions in template')[0]), 'IAM5 finding still reported'],
    ];
  }],
  ['granular applies_to suppression for another finding does not hide it', () => {
    const r = run(files.granularMiss);
    return [
      [r.code === 1, `exit ${r.code}, expected 1`],
      [row('error', 'AwsSolutions-IAM5[Resource::*]').test(r.out), 'IAM5[Resource::*] not reported'],
      [/AwsSolutions-IAM5\s.*unused/.test(r.out), 'non-matching suppression not listed as unused'],
    ];
  }],
  ['a directory checks every *.template.json and fails if one fails', () => {
    const r = run(dirOnly);
    return [
      [r.code === 1, `exit ${r.code}, expected 1`],
      [/A\.template\.json: 2 errors/.test(r.out) && /B\.template\.json: 0 errors/.test(r.out), 'not both templates summarised'],
      [/2 template\(s\) checked, 1 with unsuppressed errors/.test(r.out), 'no overall summary'],
    ];
  }],
  ['usage and I/O errors exit 2', () => {
    const none = run();
    const missing = run(path.join(dir, 'missing.template.json'));
    const broken = run(files.notJson);
    return [
      [none.code === 2, `no argument: exit ${none.code}, expected 2`],
      [missing.code === 2, `missing file: exit ${missing.code}, expected 2`],
      [broken.code === 2, `invalid JSON: exit ${broken.code}, expected 2`],
    ];
  }],
];

let passed = 0;
let failed = 0;
for (const [name, fn] of cases) {
  let problems;
  try {
    problems = fn()
      .filter(([ok]) => !ok)
      .map(([, why]) => why);
  } catch (e) {
    problems = [`threw: ${e.stack ?? e}`];
  }
  if (problems.length === 0) {
    passed++;
  } else {
    failed++;
    console.log(`FAIL  ${name}\n      ${problems.join('\n      ')}`);
  }
}
fs.rmSync(dir, { recursive: true, force: true });
console.log(`nag selftest: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
