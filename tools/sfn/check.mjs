#!/usr/bin/env node
// Step Functions definitions: validate and execute locally.
//
//   node tools/sfn/check.mjs [-v] [<template.json | definition.asl.json | directory> ...]   (default: artifacts/nag)
//
// 1. Every AWS::StepFunctions::StateMachine in the given templates is extracted (intrinsics resolved to fake
//    ARNs) and validated with asl-validator (ARNs and paths checked); any error fails the check.
// 2. Every ApiPoller orchestrator among them (it has the contract's PlanJob and RouteByMode states) is
//    executed with aws-local-stepfunctions through the scenarios in lib/scenarios.mjs, Tasks bound to doubles.
// 3. Transitions per page are measured against the seed's design (seed-design.asl.json), and the history
//    events and payload sizes of a 1,000,000-page job are extrapolated from scaled runs and checked against
//    the service quotas.
// 4. Every MwaaScheduler pause workflow (states AcquireLock + VerifyBackup + DeleteEnvironment) and resume workflow
//    (AcquireLock + LoadBackup + CreateEnvironment) is executed through lib/mwaa-scenarios.mjs; the check fails
//    unless the templates hold at least one of each, and its transitions per pause/resume cycle are measured.
// 5. Harness self-test (selftest.mjs, lib/mwaa-selftest.mjs): mutants of the contract fixtures must each fail
//    their scenario.
// 6. MwaaScheduler conservation run under faults (conservation.mjs, lib/mwaa-conservation.mjs; issue 15): a few
//    hundred pause/resume executions per pause/resume pair (PATTERNS_CONSERVATION=long: a few thousand) over
//    randomized environments with faults on >= 10 % of the service calls; any violated invariant fails the check. Its
//    self-test (lib/conservation-selftest.mjs): every fault kind produced, seeds replay, mutants caught. -v (or
//    TEST_VERBOSE=1) prints its table (artifacts/integration/conservation/mwaa-scheduler.md).
// Writes artifacts/sfn/report.md, prints a summary. Exit 0 = all passed, 1 = a failure, 2 = usage/IO error.

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { collectInputs, loadStateMachines } from './lib/template.mjs';
import { SCENARIOS, describeOrchestrator, Checks, measureFanout } from './lib/scenarios.mjs';
import { measureSeed } from './lib/seed.mjs';
import { largestPayload } from './lib/metrics.mjs';
import { writeReport } from './lib/report.mjs';
import { selfTest } from './selftest.mjs';
import { isPauseWorkflow, isResumeWorkflow, describeMwaaWorkflow, runMwaaScenarios, measureCycle, runCycle, MWAA_SCENARIOS } from './lib/mwaa-scenarios.mjs';
import { mwaaSelfTest } from './lib/mwaa-selftest.mjs';
import { appendMwaaReport, cycleLine } from './lib/mwaa-report.mjs';
import { runMwaaConservation, settings as conservationSettings } from './conservation.mjs';
import { conservationSelfTest } from './lib/conservation-selftest.mjs';

const require = createRequire(import.meta.url);
const aslValidator = require('asl-validator');

const HISTORY_QUOTA = 25000;
const PAYLOAD_QUOTA = 256 * 1024;
const MILLION = 1000000;
const COST_PAGES = 1000;
const SCALE_PAGES = [1000, 10000];

const argv = process.argv.slice(2);
const verbose = argv.includes('-v') || argv.includes('--verbose') || process.env.TEST_VERBOSE === '1';
const args = argv.filter((a) => a !== '-v' && a !== '--verbose');
let files;
try {
  files = collectInputs(args.length ? args : ['artifacts/nag']);
} catch (e) {
  console.error(`sfn check: ${e.message}`);
  process.exit(2);
}

const started = Date.now();
const problems = [];
const report = { validations: [], orchestrators: [] };

const machines = [];
for (const file of files) {
  try {
    machines.push(...loadStateMachines(file));
  } catch (e) {
    problems.push(`${file}: ${e.message}`);
  }
}

for (const m of machines) {
  const { isValid, errorsText } = aslValidator(structuredClone(m.definition), { checkArn: true, checkPaths: true });
  report.validations.push({ file: path.basename(m.file), id: m.logicalId, type: m.type, states: Object.keys(m.definition.States).length, valid: isValid, errors: isValid ? '' : errorsText('; ') });
  if (!isValid) problems.push(`${path.basename(m.file)} ${m.logicalId}: asl-validator: ${errorsText('; ')}`);
}

const isOrchestrator = (m) => m.definition.States?.PlanJob && m.definition.States?.RouteByMode;
const seen = new Set();
const orchestrators = machines.filter((m) => {
  if (!isOrchestrator(m)) return false;
  const key = JSON.stringify(m.definition);
  if (seen.has(key)) return false;
  seen.add(key);
  return true;
});
if (orchestrators.length === 0) problems.push(`no ApiPoller orchestrator (states PlanJob + RouteByMode) in ${files.length} file(s): ${args.join(' ') || 'artifacts/nag'}`);

const seed = orchestrators.length ? await measureSeed(COST_PAGES) : undefined;

for (const m of orchestrators) {
  const label = `${path.basename(m.file)} ${m.logicalId}`;
  const o = { label, type: m.type, scenarios: [], facts: describeOrchestrator(m.definition) };
  report.orchestrators.push(o);
  if (m.type !== 'STANDARD') problems.push(`${label}: orchestrator type ${m.type}, the contract says STANDARD`);
  const allRecords = [];
  for (const scenario of SCENARIOS) {
    const c = new Checks();
    const t0 = Date.now();
    try {
      const out = await scenario.run(m, c, o.facts);
      allRecords.push(out.parent, ...(out.kids ?? []), ...(out.chain ?? []));
      if (out.history) o.cursorHistory = out.history;
    } catch (e) {
      c.ok('scenario ran', false, e.stack ?? String(e));
    }
    o.scenarios.push({ name: scenario.name, checks: c.results.length, failures: c.failures, ms: Date.now() - t0 });
    for (const f of c.failures) problems.push(`${label}: ${scenario.name}: ${f.label}: ${f.detail}`);
  }
  try {
    const cost = await measureFanout(m, COST_PAGES);
    const scaled = [];
    for (const pages of SCALE_PAGES) scaled.push(pages === COST_PAGES ? cost : await measureFanout(m, pages));
    for (const r of [cost, ...scaled]) allRecords.push(...r.records);
    const [a, b] = scaled;
    const slope = (b.parentHistory - a.parentHistory) / (b.pages - a.pages);
    const millionHistory = Math.ceil(a.parentHistory + slope * (MILLION - a.pages));
    o.cost = {
      ours: { standardPerPage: cost.standardTransitions / cost.pages, expressPerPage: cost.expressTransitions / cost.pages, expressRequestsPerPage: cost.expressRequests / cost.pages, standard: cost.standardTransitions, express: cost.expressTransitions, requests: cost.expressRequests },
      seed: { standardPerPage: seed.standardTransitions / seed.pages, standard: seed.standardTransitions, history: seed.history, historyPerPage: seed.history / seed.pages, largest: seed.largest },
    };
    o.scale = { points: scaled.map((r) => ({ pages: r.pages, history: r.parentHistory, children: r.expressRequests })), slope, millionHistory, millionChildren: Math.ceil(MILLION / o.facts.pagesPerBatch) };
    o.largest = largestPayload(allRecords.filter(Boolean));
    const ratio = o.cost.ours.standardPerPage / o.cost.seed.standardPerPage;
    o.cost.ratio = ratio;
    if (!(ratio <= 0.2)) problems.push(`${label}: paid (STANDARD) transitions per page ${o.cost.ours.standardPerPage} > one fifth of the seed's ${o.cost.seed.standardPerPage}`);
    if (!(millionHistory < HISTORY_QUOTA)) problems.push(`${label}: a 1,000,000-page job would write ${millionHistory} history events (quota ${HISTORY_QUOTA})`);
    if (o.cursorHistory && !o.cursorHistory.every((h) => h < HISTORY_QUOTA)) problems.push(`${label}: a cursor generation writes ${Math.max(...o.cursorHistory)} history events`);
    if (!(o.largest.bytes < PAYLOAD_QUOTA)) problems.push(`${label}: largest state payload ${o.largest.bytes} bytes (${o.largest.where}) >= 256 KiB`);
  } catch (e) {
    problems.push(`${label}: measurements: ${e.stack ?? e}`);
  }
}

// MwaaScheduler workflows: at least one pause and one resume definition, each run through the scenarios.
const mwaaSeen = new Set();
const mwaaMachines = machines.filter((m) => {
  if (!isPauseWorkflow(m.definition) && !isResumeWorkflow(m.definition)) return false;
  const key = JSON.stringify(m.definition);
  if (mwaaSeen.has(key)) return false;
  mwaaSeen.add(key);
  return true;
});
const mwaa = { workflows: [] };
for (const kind of ['pause', 'resume']) {
  const states = kind === 'pause' ? 'AcquireLock + VerifyBackup + DeleteEnvironment' : 'AcquireLock + LoadBackup + CreateEnvironment';
  if (!mwaaMachines.some((m) => describeMwaaWorkflow(m).kind === kind)) problems.push(`no MwaaScheduler ${kind} workflow (states ${states}) in ${files.length} file(s): ${args.join(' ') || 'artifacts/nag'}`);
}
for (const m of mwaaMachines) {
  const label = `${path.basename(m.file)} ${m.logicalId}`;
  const facts = describeMwaaWorkflow(m);
  const w = { label, type: m.type, facts, scenarios: [] };
  mwaa.workflows.push(w);
  if (m.type !== 'STANDARD') problems.push(`${label}: MwaaScheduler ${facts.kind} workflow type ${m.type}, the design says STANDARD`);
  try {
    w.scenarios = await runMwaaScenarios(m, facts);
  } catch (e) {
    problems.push(`${label}: MwaaScheduler scenarios: ${e.stack ?? e}`);
  }
  for (const s of w.scenarios) for (const f of s.failures) problems.push(`${label}: ${s.name}: ${f.label}: ${f.detail}`);
  try {
    w.cycle = await measureCycle(m, facts);
    w.largest = largestPayload([...w.scenarios.flatMap((s) => s.records), ...w.cycle.records]);
    if (!(w.largest.bytes < PAYLOAD_QUOTA)) problems.push(`${label}: largest state payload ${w.largest.bytes} bytes (${w.largest.where}) >= 256 KiB`);
  } catch (e) {
    problems.push(`${label}: MwaaScheduler transitions per cycle: ${e.stack ?? e}`);
  }
}
// Whole cycles: each pause workflow with the resume workflow of the same template (or of the file named alike with
// "resume" for "pause"), on one world.
mwaa.cycles = [];
for (const w of mwaa.workflows.filter((x) => x.facts.kind === 'pause')) {
  const m = mwaaMachines.find((x) => `${path.basename(x.file)} ${x.logicalId}` === w.label);
  const partner = mwaaMachines.find((x) => x.file === m.file && isResumeWorkflow(x.definition))
    ?? mwaaMachines.find((x) => path.basename(x.file) === path.basename(m.file).replaceAll('pause', 'resume') && isResumeWorkflow(x.definition));
  if (!partner) continue;
  const label = `${w.label} + ${path.basename(partner.file) === path.basename(m.file) ? partner.logicalId : `${path.basename(partner.file)} ${partner.logicalId}`}`;
  const cycle = { label, name: path.basename(m.file).replace(/\.(template|asl)\.json$/, ''), pause: w, resume: mwaa.workflows.find((x) => x.label === `${path.basename(partner.file)} ${partner.logicalId}`), ...(await runCycle(m, partner)) };
  mwaa.cycles.push(cycle);
  for (const f of cycle.failures) problems.push(`MwaaScheduler cycle ${label}: ${f.label}: ${f.detail}`);
}
if (mwaaMachines.length && mwaa.cycles.length === 0) problems.push('no MwaaScheduler pause workflow has a resume workflow in the same template: no whole cycle was run');
// Every scenario must have run on some definition (e.g. the configuration-only pause needs AllowPauseWithoutMetadata).
if (mwaaMachines.length) {
  const kinds = new Set(mwaa.workflows.map((w) => w.facts.kind));
  for (const s of MWAA_SCENARIOS.filter((x) => x.kinds.some((k) => kinds.has(k)))) {
    if (!mwaa.workflows.some((w) => w.scenarios.some((r) => r.name === s.name && r.applicable))) problems.push(`MwaaScheduler scenario "${s.name}" ran on no definition: synthesize a template with that option`);
  }
}

// Conservation under faults: many executions over randomized environments, faults on the service calls.
let conservation;
let conservationRun;
if (mwaaMachines.length) {
  try {
    conservationRun = conservationSettings();
    conservation = await runMwaaConservation(mwaaMachines, conservationRun);
    if (conservation.results.length === 0) problems.push('conservation: no pause/resume pair to run');
    for (const v of conservation.violations) problems.push(`conservation ${v.pair} ${v.execution}: ${v.invariant}: ${v.detail} (replay: PATTERNS_CONSERVATION_SEED=${conservationRun.seed} PATTERNS_CONSERVATION_FAULT_RATE=${conservationRun.rate}${conservationRun.mode === 'long' ? ' PATTERNS_CONSERVATION=long' : ''})`);
    if (conservation.violationCount > conservation.violations.length) problems.push(`conservation: ${conservation.violationCount - conservation.violations.length} more violation(s), see ${conservation.file}`);
  } catch (e) {
    problems.push(`conservation: ${e.stack ?? e}`);
  }
}

// The scenarios must be able to fail: each mutant of the contract fixtures has to be caught.
report.selfTest = await selfTest();
for (const r of report.selfTest) if (!r.caught) problems.push(`harness self-test: ${r.name}: expected "${r.breaks}" to fail, failing: ${r.failing.join('; ') || 'none'}`);
mwaa.selfTest = await mwaaSelfTest();
for (const r of mwaa.selfTest) if (!r.caught) problems.push(`MwaaScheduler self-test: ${r.name}: expected "${r.breaks}" to fail, failing: ${r.failing.join('; ') || 'none'}`);
mwaa.conservationSelfTest = await conservationSelfTest();
for (const r of mwaa.conservationSelfTest) if (!r.caught) problems.push(`conservation self-test: ${r.name}: expected ${r.breaks === '(nothing)' ? 'to hold' : `"${r.breaks}"`}, got: ${r.failing.join('; ') || 'no violation'}`);

const reportFile = writeReport({ ...report, seed, problems, seconds: (Date.now() - started) / 1000, quotas: { HISTORY_QUOTA, PAYLOAD_QUOTA, MILLION, COST_PAGES } });
appendMwaaReport(reportFile, mwaa);

// Summary on stdout.
for (const v of report.validations) console.log(`  asl-validator ${v.valid ? 'ok  ' : 'FAIL'} ${v.file} ${v.id} (${v.type}, ${v.states} states)`);
for (const o of report.orchestrators) {
  for (const s of o.scenarios) console.log(`  ${s.failures.length ? 'FAIL' : 'ok  '} ${s.name} (${s.checks - s.failures.length}/${s.checks} checks, ${s.ms} ms)`);
  if (o.cost) {
    console.log(`  transitions per page (${COST_PAGES} pages): ours STANDARD ${o.cost.ours.standardPerPage.toFixed(3)} + EXPRESS ${o.cost.ours.expressPerPage.toFixed(3)} (${o.cost.ours.expressRequestsPerPage.toFixed(3)} requests); seed STANDARD ${o.cost.seed.standardPerPage.toFixed(3)}; ratio ${(o.cost.ratio * 100).toFixed(2)} %`);
    console.log(`  1,000,000 pages: parent history events ${o.scale.millionHistory} (quota ${HISTORY_QUOTA}); largest payload ${o.largest.bytes} B (${o.largest.where})`);
  }
}
for (const w of mwaa.workflows) {
  for (const s of w.scenarios) console.log(`  ${s.failures.length ? 'FAIL' : s.applicable ? 'ok  ' : 'n/a '} ${w.label}: ${s.name} (${s.applicable ? `${s.checks - s.failures.length}/${s.checks} checks, ${s.ms} ms` : 'option not set in this definition'})`);
}
for (const cy of mwaa.cycles) console.log(`  ${cy.failures.length ? 'FAIL' : 'ok  '} cycle ${cy.label}: pause then resume on one world (${cy.checks - cy.failures.length}/${cy.checks} checks)`);
if (mwaa.cycles.length) console.log(`  ${cycleLine(mwaa.cycles)}`);
console.log(`  harness self-test: ${report.selfTest.filter((r) => r.caught).length}/${report.selfTest.length} (unmutated fixture passes, every mutant caught)`);
console.log(`  MwaaScheduler self-test: ${mwaa.selfTest.filter((r) => r.caught).length}/${mwaa.selfTest.length} (unmutated fixtures pass, every mutant caught)`);
console.log(`  conservation self-test: ${mwaa.conservationSelfTest.filter((r) => r.caught).length}/${mwaa.conservationSelfTest.length} (every fault kind, seeds replay, unmutated fixtures hold, every mutant caught)`);
if (conservation && verbose) console.log(`${conservation.table}\n  (${conservation.file})`);
if (conservation) console.log(conservation.line);
console.log(`  report: ${reportFile}  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
if (problems.length) {
  console.log(`sfn check: ${problems.length} problem(s):`);
  for (const p of problems) console.log(`  - ${p}`);
  process.exit(1);
}
console.log('sfn check: ok');
