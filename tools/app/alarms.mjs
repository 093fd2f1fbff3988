#!/usr/bin/env node
// Every CloudWatch alarm of the synthesized sample app (artifacts/cdk.out) notifies someone: it must have both
// AlarmActions and OKActions. Prints one line; exits 1 naming each alarm that notifies nobody.
import fs from 'node:fs';
import path from 'node:path';

const dir = process.argv[2] ?? 'artifacts/cdk.out';
const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.template.json')).sort() : [];
if (files.length === 0) {
  console.log(`alarms: no templates in ${dir}`);
  process.exit(1);
}
let total = 0;
const silent = [];
for (const file of files) {
  const template = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  for (const [id, r] of Object.entries(template.Resources ?? {})) {
    if (r.Type !== 'AWS::CloudWatch::Alarm') continue;
    total++;
    if (!(r.Properties?.AlarmActions?.length > 0 && r.Properties?.OKActions?.length > 0)) silent.push(`${file} ${id}`);
  }
}
if (silent.length > 0 || total === 0) {
  silent.forEach((s) => console.log(`alarms: ${s} has no AlarmActions/OKActions`));
  console.log(`alarms: ${silent.length} of ${total} alarm(s) notify nobody`);
  process.exit(1);
}
console.log(`alarms: all ${total} alarm(s) of the sample app notify on ALARM and OK`);
