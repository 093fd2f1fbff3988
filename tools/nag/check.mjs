#!/usr/bin/env node
// cdk-nag over already-synthesized CloudFormation templates.
//
//   node tools/nag/check.mjs <template.json | directory> [...]
//
// A directory stands for every *.template.json in it (and in its assembly-* sub-assemblies, for
// Stages). Each template is loaded into a fresh aws-cdk-lib App/Stack with CfnInclude, the
// AwsSolutions and Serverless packs of cdk-nag 2.x run over it as Aspects, and the findings are
// read back from the synthesized stack artifact's messages (cdk-nag reports through Annotations).
//
// Suppressions are the ones already written in the template:
//   Resources.<id>.Metadata.cdk_nag.rules_to_suppress   (per resource; CfnInclude keeps it)
//   Metadata.cdk_nag.rules_to_suppress                  (whole stack; copied to templateOptions)
// cdk-nag 2.x reads both from there; 3.x does not, which is why 2.38.x is pinned.
//
// Output: one summary line per template; the findings and suppression tables of a template only when it has an
// unsuppressed error, or for every template with NAG_VERBOSE=1.
//
// Exit code: 0 = no unsuppressed error (warnings allowed), 1 = at least one unsuppressed error,
//            2 = usage error, or a template that could not be read or loaded.

import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);

const USAGE = `usage: node tools/nag/check.mjs <template.json | directory> [<template.json | directory> ...]
  A directory means every *.template.json in it (and in its assembly-* folders).
  Exit 0: no unsuppressed error; 1: unsuppressed errors; 2: usage or I/O error.`;

const VERBOSE = process.env.NAG_VERBOSE === '1';

const NAG_RULE = /^(AwsSolutions-|Serverless-|CdkNagValidationFailure)/;
const SUPPRESSED = /^CdkNagSuppression(?:\[([^\]]*)\])?: (\S+) was triggered but suppressed\./;

class UsageError extends Error {}

function collectTemplates(args) {
  if (args.length === 0) throw new UsageError('no template given');
  const files = [];
  const walk = (dir, depth) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isFile() && entry.name.endsWith('.template.json')) files.push(full);
      else if (entry.isDirectory() && depth < 4 && entry.name.startsWith('assembly-')) walk(full, depth + 1);
    }
  };
  for (const arg of args) {
    if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    let st;
    try {
      st = fs.statSync(arg);
    } catch (e) {
      throw new UsageError(`${arg}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.message}`);
    }
    if (st.isDirectory()) {
      const before = files.length;
      walk(arg, 0);
      if (files.length === before) throw new UsageError(`${arg}: no *.template.json in this directory`);
    } else {
      files.push(arg);
    }
  }
  return files;
}

function decodeReason(rule) {
  const reason = rule?.reason ?? '';
  return rule?.is_reason_encoded ? Buffer.from(reason, 'base64').toString() : reason;
}

function describeAppliesTo(appliesTo) {
  if (!Array.isArray(appliesTo) || appliesTo.length === 0) return '';
  return appliesTo.map((a) => (typeof a === 'string' ? a : `regex:${a?.regex}`)).join(', ');
}

/** Every cdk_nag suppression written in the template, stack-level first. */
function listSuppressions(template) {
  const out = [];
  for (const rule of template?.Metadata?.cdk_nag?.rules_to_suppress ?? []) {
    out.push({ scope: '(stack)', id: rule?.id, reason: decodeReason(rule), appliesTo: describeAppliesTo(rule?.applies_to), rawAppliesTo: rule?.applies_to });
  }
  for (const [logicalId, resource] of Object.entries(template?.Resources ?? {})) {
    for (const rule of resource?.Metadata?.cdk_nag?.rules_to_suppress ?? []) {
      out.push({ scope: logicalId, id: rule?.id, reason: decodeReason(rule), appliesTo: describeAppliesTo(rule?.applies_to), rawAppliesTo: rule?.applies_to });
    }
  }
  return out;
}

/** Same matching as cdk-nag's NagSuppressionHelper.doesApply for applies_to entries. */
function appliesToMatches(appliesTo, findingId) {
  if (!Array.isArray(appliesTo) || appliesTo.length === 0) return true;
  if (!findingId) return false;
  return appliesTo.some((a) => {
    if (typeof a === 'string') return a === findingId;
    const m = /^\/(.*)\/([a-z]*)$/s.exec(String(a?.regex ?? ''));
    if (!m) return false;
    try {
      return new RegExp(m[1], m[2].replace('g', '')).test(findingId);
    } catch {
      return false;
    }
  });
}

let libs;
function loadLibs() {
  if (!libs) {
    libs = {
      cdk: require('aws-cdk-lib'),
      include: require('aws-cdk-lib/cloudformation-include'),
      nag: require('cdk-nag'),
    };
  }
  return libs;
}

/** Runs the packs over one template; returns { findings, suppressed, suppressions, template }. */
function runNag(file, template) {
  const { cdk, include, nag } = loadLibs();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nag-check-'));
  try {
    // The template's own top-level Metadata goes to the stack's templateOptions (where cdk-nag looks
    // for stack-wide suppressions) instead of through CfnInclude, which would emit it a second time.
    const { Metadata: stackMetadata, ...rest } = template;
    const includeFile = path.join(work, 'included.template.json');
    fs.writeFileSync(includeFile, JSON.stringify(rest));

    const app = new cdk.App({
      outdir: path.join(work, 'out'),
      analyticsReporting: false,
      stackTraces: false,
      // Also fail on CloudFormation's own property rules (e.g. a Lambda handler string over 128 characters),
      // which aws-cdk-lib otherwise reports only as warnings.
      context: { 'aws:cdk:disable-stack-trace': true, '@aws-cdk/core:validateAgainstDefaultRules': true },
    });
    const stack = new cdk.Stack(app, 'NagCheck', {
      analyticsReporting: false,
      // The included template already carries BootstrapVersion / CheckBootstrapVersion if any.
      synthesizer: new cdk.DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
    });
    if (stackMetadata !== undefined) stack.templateOptions.metadata = stackMetadata;
    new include.CfnInclude(stack, 'Template', { templateFile: includeFile });

    const packOptions = { verbose: true, reports: false, logIgnores: true };
    cdk.Aspects.of(app).add(new nag.AwsSolutionsChecks(packOptions));
    cdk.Aspects.of(app).add(new nag.ServerlessChecks(packOptions));

    const assembly = app.synth();
    const messages = assembly.getStackArtifact(stack.artifactId).messages;

    const prefix = `/${stack.node.path}/Template/`;
    const cdkPathOf = (logicalId) => template?.Resources?.[logicalId]?.Metadata?.['aws:cdk:path'] ?? '';
    const findings = [];
    const suppressed = [];
    for (const m of messages) {
      const text = String(m.entry?.data ?? '');
      const firstLine = text.split('\n')[0].trim();
      const relative = m.id.startsWith(prefix) ? m.id.slice(prefix.length) : m.id;
      const logicalId = relative.split('/')[0];
      if (m.level === 'info') {
        const s = SUPPRESSED.exec(firstLine);
        // "CdkNagSuppression[<finding>]: <rule> was triggered but suppressed." (finding optional);
        // for a suppressed validation failure the bracket holds the rule that threw.
        if (s) suppressed.push({ ruleId: s[2], findingId: s[1] ?? '', logicalId, message: firstLine });
        continue;
      }
      if (m.level !== 'error' && m.level !== 'warning') continue;
      const isNag = NAG_RULE.test(firstLine);
      const colon = firstLine.indexOf(': ');
      findings.push({
        level: m.level,
        ruleId: isNag && colon > 0 ? firstLine.slice(0, colon) : '(cdk)',
        logicalId,
        cdkPath: cdkPathOf(logicalId),
        message: isNag && colon > 0 ? firstLine.slice(colon + 2) : firstLine,
      });
    }
    return { findings, suppressed };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function table(rows, headers) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  // The last column (the message) is not padded.
  const fmt = (r) => '  ' + r.map((c, i) => (i === r.length - 1 ? String(c) : String(c).padEnd(widths[i]))).join('  ');
  return [fmt(headers), ...rows.map(fmt)].join('\n');
}

function checkOne(file) {
  let template;
  try {
    template = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    console.log(`nag: ${file}: cannot read template: ${e.message}`);
    return { status: 'io' };
  }
  if (template === null || typeof template !== 'object' || Array.isArray(template)) {
    console.log(`nag: ${file}: not a CloudFormation template (expected a JSON object)`);
    return { status: 'io' };
  }
  const suppressions = listSuppressions(template);
  let result;
  const started = process.hrtime.bigint();
  try {
    result = runNag(file, template);
  } catch (e) {
    console.log(`nag: ${file}: cannot check template (CfnInclude or cdk-nag failed): ${e.message.split('\n')[0]}`);
    return { status: 'io' };
  }
  const ms = Number((process.hrtime.bigint() - started) / 1_000_000n);
  const { findings, suppressed } = result;
  const order = { error: 0, warning: 1 };
  findings.sort((a, b) => order[a.level] - order[b.level] || a.ruleId.localeCompare(b.ruleId) || a.logicalId.localeCompare(b.logicalId));

  const errors = findings.filter((f) => f.level === 'error').length;
  const warnings = findings.filter((f) => f.level === 'warning').length;
  if (errors > 0 || VERBOSE) {
    console.log(`\n=== nag: ${file}`);
    if (findings.length > 0) {
      console.log(table(findings.map((f) => [f.level, f.ruleId, f.logicalId, f.cdkPath || '-', f.message]), ['LEVEL', 'RULE', 'RESOURCE', 'CDK PATH', 'MESSAGE']));
    } else {
      console.log('  no unsuppressed findings');
    }

    // Every suppression in the template, with its reason, and whether any finding used it.
    const used = (s) =>
      suppressed.some((x) => x.ruleId === s.id && (s.scope === '(stack)' || x.logicalId === s.scope) && appliesToMatches(s.rawAppliesTo, x.findingId));
    console.log(`  suppressions in template: ${suppressions.length}`);
    if (suppressions.length > 0) {
      console.log(
        table(
          suppressions.map((s) => [s.scope, s.id ?? '(no id)', s.appliesTo || '-', used(s) ? 'used' : 'unused', s.reason.replace(/\s+/g, ' ')]),
          ['RESOURCE', 'RULE', 'APPLIES TO', 'STATE', 'REASON'],
        ),
      );
    }
  }

  console.log(`nag: ${file}: ${errors} errors, ${warnings} warnings, ${suppressed.length} suppressed (${ms} ms)`);
  return { status: errors > 0 ? 'errors' : 'ok' };
}

function main(argv) {
  if (argv.includes('-h') || argv.includes('--help')) {
    console.log(USAGE);
    return 0;
  }
  let files;
  try {
    files = collectTemplates(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`nag: ${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  const results = files.map(checkOne);
  const io = results.filter((r) => r.status === 'io').length;
  const failed = results.filter((r) => r.status === 'errors').length;
  console.log(`nag: ${files.length} template(s) checked, ${failed} with unsuppressed errors, ${io} unreadable`);
  if (io > 0) return 2;
  return failed > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
