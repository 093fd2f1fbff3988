// Harness self-test: the scenarios must be able to fail. Each mutation breaks the contract fixture
// (fixtures/api-poller-contract.asl.json) the way a construct could get it wrong; the named scenario has
// to fail on the mutant, and every scenario has to pass on the unmutated fixture.
// Used by check.mjs (section "Harness self-test" of the report); runnable alone: node tools/sfn/selftest.mjs

import { fileURLToPath } from 'node:url';
import { loadStateMachines } from './lib/template.mjs';
import { SCENARIOS, Checks, describeOrchestrator } from './lib/scenarios.mjs';

export const FIXTURE = fileURLToPath(new URL('./fixtures/api-poller-contract.asl.json', import.meta.url));

const child = (d) => d.States.FetchPages.ItemProcessor.States;

export const MUTATIONS = [
  { name: 'Distributed Map without ToleratedFailurePercentage', breaks: 'a batch child fails permanently', mutate: (d) => delete d.States.FetchPages.ToleratedFailurePercentage },
  { name: 'FetchBatch without Retry', breaks: 'partner 5xx, then success', mutate: (d) => delete child(d).FetchBatch.Retry },
  { name: 'FetchBatch Catch removed (no RecordBatchFailure)', breaks: 'a batch child fails permanently', mutate: (d) => delete child(d).FetchBatch.Catch },
  { name: 'FetchCursorPages passes "cursor.$": "$.cursor" (absent on the first call)', breaks: 'cursor job: several pages', mutate: (d) => { d.States.FetchCursorPages.Parameters = { FunctionName: d.States.FetchCursorPages.Parameters.FunctionName, Payload: { 'plan.$': '$.plan', 'cursor.$': '$.cursor' } }; } },
  { name: 'CursorRoute never hands over', breaks: 'cursor job beyond ContinueAsNewAfter', mutate: (d) => { d.States.CursorRoute.Choices = d.States.CursorRoute.Choices.filter((c) => c.Variable !== '$.cursor.iteration'); } },
  { name: 'RouteByMode without the duplicate branch', breaks: 'duplicate start', mutate: (d) => { d.States.RouteByMode.Choices = d.States.RouteByMode.Choices.filter((c) => c.StringEquals !== 'duplicate'); } },
  { name: 'RouteByMode sends empty jobs to the fan-out', breaks: 'empty source', mutate: (d) => { d.States.RouteByMode.Default = 'FetchPages'; } },
  { name: 'PlanJob Catch removed', breaks: 'planner failure', mutate: (d) => delete d.States.PlanJob.Catch },
  { name: 'FetchBatch passes no batch budget', breaks: 'slow partner', mutate: (d) => { delete child(d).FetchBatch.Parameters.Payload['batchStartedAt.$']; delete child(d).FetchBatch.Parameters.Payload.batchBudgetSeconds; } },
  { name: 'HasRemaining calls again when out of time', breaks: 'slow partner', mutate: (d) => { child(d).HasRemaining.Choices = child(d).HasRemaining.Choices.filter((c) => !c.And); } },
  { name: 'FetchBatch in the child retries like a Standard task (6 from 2 s, up to 60 s)', breaks: 'slow partner', mutate: (d) => Object.assign(child(d).FetchBatch.Retry[0], { IntervalSeconds: 2, MaxAttempts: 6, MaxDelaySeconds: 60 }) },
];

async function failingScenarios(machine) {
  const failing = [];
  const facts = describeOrchestrator(machine.definition);
  for (const s of SCENARIOS) {
    const c = new Checks();
    try {
      await s.run(machine, c, facts);
    } catch (e) {
      c.ok('scenario ran', false, String(e));
    }
    if (c.failures.length) failing.push(s.name);
  }
  return failing;
}

/** Returns [{ name, breaks, caught, failing }], the first entry being the unmutated fixture. */
export async function selfTest() {
  const [base] = loadStateMachines(FIXTURE);
  const results = [];
  const baseline = await failingScenarios(base);
  results.push({ name: 'unmutated fixture', breaks: '(nothing)', caught: baseline.length === 0, failing: baseline });
  for (const m of MUTATIONS) {
    const definition = structuredClone(base.definition);
    m.mutate(definition);
    const failing = await failingScenarios({ ...base, definition });
    results.push({ name: m.name, breaks: m.breaks, caught: failing.some((f) => f.startsWith(m.breaks)), failing });
  }
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // Also the MwaaScheduler fixtures' mutants (lib/mwaa-selftest.mjs) and the fault injection / conservation run
  // (lib/conservation-selftest.mjs).
  const { mwaaSelfTest } = await import('./lib/mwaa-selftest.mjs');
  const { conservationSelfTest } = await import('./lib/conservation-selftest.mjs');
  const results = [...await selfTest(), ...await mwaaSelfTest(), ...await conservationSelfTest()];
  for (const r of results) console.log(`${r.caught ? 'ok  ' : 'FAIL'} ${r.name} -> failing: ${r.failing.join('; ') || 'none'}`);
  process.exit(results.every((r) => r.caught) ? 0 : 1);
}
