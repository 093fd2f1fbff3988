#!/usr/bin/env node
// Conservation run of the MwaaScheduler workflows under faults (issue 15), over the synthesized definitions.
//
//   node tools/sfn/conservation.mjs [-v] [<template.json | definition.asl.json | directory> ...]   (default: artifacts/nag)
//
// Also run by check.mjs (the README's test command, step "Step Functions definitions: validate and execute locally"),
// which prints the one summary line. Settings (shared names across the conservation runs):
//   PATTERNS_CONSERVATION=long             a few thousand executions per pause/resume pair instead of a few hundred
//   PATTERNS_CONSERVATION_SEED=<seed>      replay a run (default: a new seed per run, printed)
//   PATTERNS_CONSERVATION_FAULT_RATE=<p>   share of service calls given a fault (default 0.12)
// Writes artifacts/integration/conservation/mwaa-scheduler.md; -v (or TEST_VERBOSE=1) prints its table.
// Exit 0 = no violation, 1 = a violation (the seed is printed to replay it), 2 = usage or I/O error.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectInputs, loadStateMachines } from './lib/template.mjs';
import { isPauseWorkflow, isResumeWorkflow } from './lib/mwaa-scenarios.mjs';
import { runConservation, conservationTable, OUTCOMES } from './lib/mwaa-conservation.mjs';
import { KINDS } from './lib/faults.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const REPORT = path.join(ROOT, 'artifacts/integration/conservation/mwaa-scheduler.md');
export const EXECUTIONS = { short: 150, long: 1500 }; // per pause/resume pair (the tests synthesize three)

export function settings(env = process.env) {
  const mode = env.PATTERNS_CONSERVATION === 'long' ? 'long' : 'short';
  const seed = env.PATTERNS_CONSERVATION_SEED || `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const rate = env.PATTERNS_CONSERVATION_FAULT_RATE === undefined || env.PATTERNS_CONSERVATION_FAULT_RATE === '' ? 0.12 : Number(env.PATTERNS_CONSERVATION_FAULT_RATE);
  if (!(rate >= 0 && rate <= 1)) throw new Error(`PATTERNS_CONSERVATION_FAULT_RATE must be between 0 and 1, got ${env.PATTERNS_CONSERVATION_FAULT_RATE}`);
  return { mode, seed, rate, executions: EXECUTIONS[mode] };
}

/**
 * Pairs each pause workflow with the resume workflow of the same template (or of the file named alike with "resume"),
 * identical definitions once. Returns [{ name, pause, resume }].
 */
export function pairs(machines) {
  const seen = new Set();
  const mwaa = machines.filter((m) => {
    if (!isPauseWorkflow(m.definition) && !isResumeWorkflow(m.definition)) return false;
    const key = JSON.stringify(m.definition);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const out = [];
  const seenPairs = new Set();
  for (const p of mwaa.filter((m) => isPauseWorkflow(m.definition))) {
    const r = mwaa.find((x) => x.file === p.file && isResumeWorkflow(x.definition))
      ?? mwaa.find((x) => path.basename(x.file) === path.basename(p.file).replaceAll('pause', 'resume') && isResumeWorkflow(x.definition));
    if (!r) continue;
    const key = JSON.stringify([p.definition, r.definition]);
    if (seenPairs.has(key)) continue;
    seenPairs.add(key);
    out.push({ name: path.basename(p.file).replace(/\.(template|asl)\.json$/, ''), pause: p, resume: r });
  }
  return out;
}

/** Runs every pair; returns { results, line, violations, file }. */
export async function runMwaaConservation(machines, s = settings()) {
  const started = Date.now();
  const results = [];
  for (const pair of pairs(machines)) {
    const r = await runConservation({ pause: pair.pause, resume: pair.resume, seed: `${s.seed}/${pair.name}`, rate: s.rate, executions: s.executions });
    results.push({ label: pair.name, ...r });
  }
  const sum = (f) => results.reduce((n, r) => n + f(r), 0);
  const violations = results.flatMap((r) => r.violations.map((v) => ({ ...v, pair: r.label, seed: r.seed })));
  const violationCount = sum((r) => r.violations.length + (r.violations.truncated ?? 0));
  const calls = sum((r) => r.faults.calls);
  const faults = sum((r) => r.faults.faults);
  const seconds = (Date.now() - started) / 1000;
  const line = results.length === 0
    ? 'conservation mwaa-scheduler: no pause/resume pair in the given definitions'
    : `conservation mwaa-scheduler (${s.mode}): ${sum((r) => r.executions)} executions (pause ${sum((r) => r.byWorkflow.pause)} / resume ${sum((r) => r.byWorkflow.resume)}) on ${results.length} definition pair(s); `
      + `faults ${faults} of ${calls} calls (${((100 * faults) / Math.max(1, calls)).toFixed(1)} %: ${KINDS.map((k) => `${k} ${sum((r) => r.faults.byKind[k])}`).join(', ')}); `
      + `outcomes ${OUTCOMES.map((o) => `${o} ${sum((r) => r.outcomes[o])}`).join(', ')}; `
      + `deletes ${sum((r) => r.deletes)} (verified backup ${sum((r) => r.verifiedDeletes)}), creates ${sum((r) => r.creates)} (verified ${sum((r) => r.verifiedCreates)}); `
      + `violations ${violationCount}; open finding: run history replaced ${sum((r) => r.historyReplaced)}; seed ${s.seed}, rate ${s.rate}; ${seconds.toFixed(1)} s`;
  fs.mkdirSync(path.dirname(REPORT), { recursive: true });
  const md = [
    '# MwaaScheduler: conservation run under faults',
    '',
    `Generated by \`tools/sfn/conservation.mjs\` (also run by \`tools/sfn/check.mjs\`), ${new Date().toISOString()}. Mode ${s.mode}, seed \`${s.seed}\`,`,
    `fault rate ${s.rate}. Replay: \`PATTERNS_CONSERVATION_SEED=${s.seed} PATTERNS_CONSERVATION_FAULT_RATE=${s.rate}${s.mode === 'long' ? ' PATTERNS_CONSERVATION=long' : ''} node tools/sfn/conservation.mjs -v\`.`,
    '',
    conservationTable(results),
    '',
    '## Failed executions by step and error',
    '',
    ...results.flatMap((r) => [`${r.label}:`, '', ...Object.entries(r.failuresBy).sort((a, b) => b[1] - a[1]).map(([k, v]) => `- ${v} × ${k}`), '']),
    '## Open finding: run history replaced by a never-imported environment\'s backup',
    '',
    'Not one of the enforced invariants (see docs/MwaaScheduler.md, "Under faults"): a resume creates the environment, its import',
    'fails (notified), and the next pause backs up the environment without its history; latest-verified moves to that backup.',
    '',
    ...results.flatMap((r) => r.historyFindings.map((f) => `- ${r.label} ${f}`)),
    ...(results.some((r) => r.historyFindings.length) ? [] : ['None in this run.']),
    '',
    '## Violations',
    '',
    ...(violations.length ? violations.map((v) => `- ${v.pair} ${v.execution}: **${v.invariant}**: ${v.detail}${v.trace ? ` — calls: ${v.trace}` : ''}`) : ['None.']),
    '',
  ].join('\n');
  fs.writeFileSync(REPORT, md);
  return { results, line, violations, violationCount, file: REPORT, table: conservationTable(results), seed: s.seed };
}

/** Prints what a failing run needs to be replayed. */
export function printViolations(out, s) {
  console.log(`conservation mwaa-scheduler: ${out.violationCount} violation(s); replay with PATTERNS_CONSERVATION_SEED=${s.seed} PATTERNS_CONSERVATION_FAULT_RATE=${s.rate}${s.mode === 'long' ? ' PATTERNS_CONSERVATION=long' : ''}`);
  for (const v of out.violations) console.log(`  - ${v.pair} ${v.execution} (seed ${v.seed}): ${v.invariant}: ${v.detail}${v.trace ? `\n      calls: ${v.trace}` : ''}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const verbose = args.includes('-v') || args.includes('--verbose') || process.env.TEST_VERBOSE === '1';
  const inputs = args.filter((a) => !a.startsWith('-'));
  let s;
  let machines;
  try {
    s = settings();
    machines = collectInputs(inputs.length ? inputs : [path.join(ROOT, 'artifacts/nag')]).flatMap((f) => loadStateMachines(f));
  } catch (e) {
    console.error(`conservation: ${e.message}`);
    process.exit(2);
  }
  const out = await runMwaaConservation(machines, s);
  if (verbose) console.log(`${out.table}\n\nreport: ${out.file}`);
  console.log(out.line);
  if (out.results.length === 0 || out.violationCount > 0) {
    if (out.violationCount) printViolations(out, s);
    process.exit(1);
  }
}
