// Self-test of the fault injection (lib/faults.mjs) and of the MwaaScheduler conservation run
// (lib/mwaa-conservation.mjs): every kind is produced for every service with its own error names, a seed replays
// (faults and a whole run), and the run can fail — mutants of the contract fixtures (the verification step removed,
// a Catch from VerifyBackup to DeleteEnvironment, no retry on the failure notification, a lock that never expires,
// a resume that recreates a running environment) must each produce the violation named.
// Used by check.mjs; runnable alone through selftest.mjs.

import { fileURLToPath } from 'node:url';
import { FaultInjector, KINDS, SERVICES, sdkCall } from './faults.mjs';
import { loadStateMachines } from './template.mjs';
import { runConservation } from './mwaa-conservation.mjs';

const fixture = (name) => loadStateMachines(fileURLToPath(new URL(`../fixtures/${name}.asl.json`, import.meta.url)))[0];
const RUN = { rate: 0.2, executions: 60 };

function faultChecks() {
  const out = [];
  const check = (name, ok, detail = '') => out.push({ name, breaks: '(nothing)', caught: Boolean(ok), failing: ok ? [] : [detail] });
  // Every kind for every service, with that service's error names.
  const all = new FaultInjector({ seed: 'kinds', rate: 1 });
  const seen = {};
  for (let i = 0; i < 400; i++) for (const svc of Object.keys(SERVICES)) {
    const f = all.decide(svc, 'op');
    (seen[svc] ??= new Set()).add(`${f.kind}:${f.error}:${f.when}`);
  }
  for (const [svc, spec] of Object.entries(SERVICES)) {
    const expected = [...['throttle', '5xx', 'timeout'].map((k) => `${k}:${spec[k]}:before`), ...(spec.afterKinds ?? ['throttle', '5xx', 'timeout']).map((k) => `after:${spec[k]}:after`)];
    const missing = expected.filter((e) => !seen[svc].has(e));
    check(`fault injection: ${svc} produces every kind (${KINDS.join(', ')}) with its error names`, missing.length === 0, `missing ${missing.join(', ')}`);
  }
  // The rate holds (within 3 standard deviations over 20,000 calls) and 0 means none.
  const some = new FaultInjector({ seed: 'rate', rate: 0.12 });
  for (let i = 0; i < 20000; i++) some.decide('s3', 'op');
  check(`fault injection: rate 0.12 gives ${(some.faults / 200).toFixed(2)} % of 20,000 calls`, Math.abs(some.faults / 20000 - 0.12) < 3 * Math.sqrt((0.12 * 0.88) / 20000), `${some.faults} faults`);
  const none = new FaultInjector({ seed: 'rate', rate: 0 });
  for (let i = 0; i < 1000; i++) none.decide('mwaa', 'op');
  check('fault injection: rate 0 injects nothing', none.faults === 0, `${none.faults} faults`);
  // Seeds replay; another seed differs.
  const draw = (seed) => {
    const f = new FaultInjector({ seed, rate: 0.3 });
    for (let i = 0; i < 500; i++) f.decide(Object.keys(SERVICES)[i % 6], `op${i}`);
    return JSON.stringify(f.log);
  };
  check('fault injection: the same seed replays the same faults', draw('replay') === draw('replay'));
  check('fault injection: another seed gives other faults', draw('replay') !== draw('replay2'));
  // sdkCall: a lost response (after) took effect; a refused call (before) did not; exhausted attempts surface the SDK's name.
  const effects = [];
  const after = new FaultInjector({ seed: 'a', rate: 1, kinds: ['after'] });
  let error;
  try {
    sdkCall(after, 'dynamodb', 'PutItem', () => effects.push('put'));
  } catch (e) {
    error = e;
  }
  check('sdkCall: an "after" fault takes effect on every attempt and the last error escapes', effects.length === SERVICES.dynamodb.sdkAttempts && /Exception$/.test(error?.name), `${effects.length} effects, ${error?.name}`);
  const before = new FaultInjector({ seed: 'b', rate: 1, kinds: ['throttle'] });
  effects.length = 0;
  try {
    sdkCall(before, 's3', 'PutObject', () => effects.push('put'));
  } catch (e) {
    error = e;
  }
  check('sdkCall: a refused call has no effect; its throttling name escapes', effects.length === 0 && error?.name === SERVICES.s3.throttle, `${effects.length} effects, ${error?.name}`);
  return out;
}

const violationNames = (r) => [...new Set(r.violations.map((v) => v.invariant))];

/** Mutants of the contract fixtures: each must produce the violation named. */
export const CONSERVATION_MUTATIONS = [
  { name: 'pause without the verification step (VerifyBackup a Pass straight to DeleteEnvironment)', breaks: 'no DeleteEnvironment without a verified backup',
    mutate: (p) => { p.States.VerifyBackup = { Type: 'Pass', Result: { prefix: 'unverified' }, ResultPath: '$.verified', Next: 'DeleteEnvironment' }; } },
  { name: 'VerifyBackup\'s Catch goes on to DeleteEnvironment', breaks: 'no DeleteEnvironment without a verified backup',
    mutate: (p) => { p.States.VerifyBackup.Catch = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure.error', Next: 'DeleteEnvironment' }]; }, run: { rate: 0.35 } },
  { name: 'NotifyFailure without Retry', breaks: 'every failed execution published a notification',
    mutate: (p, r) => { delete p.States.NotifyFailure.Retry; delete r.States.NotifyFailure.Retry; } },
  { name: 'lock of 30 days and no release after a failure', breaks: 'lock released or expires',
    mutate: (p) => { p.States.AcquireLock.Parameters.ttlSeconds = 30 * 86400; p.States.NotifyFailure.Next = 'WorkflowFailed'; p.States.NotifyFailure.Catch[0].Next = 'WorkflowFailed'; } },
  { name: 'resume recreates an AVAILABLE environment', breaks: 'idempotent resume of a running environment',
    mutate: (p, r) => { r.States.CheckEnvironmentStatus.Choices[0].Next = 'LoadBackup'; } },
];

/** Returns [{ name, breaks, caught, failing }]: the fault checks, replay of a run, the unmutated fixtures, each mutant. */
export async function conservationSelfTest() {
  const results = faultChecks();
  const pause = fixture('mwaa-pause');
  const resume = fixture('mwaa-resume');
  const run = (p, r, opts = {}) => runConservation({ pause: p, resume: r, seed: 'selftest', ...RUN, ...opts });
  const a = await run(pause, resume);
  const b = await run(pause, resume);
  const strip = (x) => JSON.stringify({ ...x, seconds: 0 });
  results.push({ name: 'conservation run: the same seed replays the same run (executions, faults, outcomes)', breaks: '(nothing)', caught: strip(a) === strip(b), failing: strip(a) === strip(b) ? [] : ['two runs with seed "selftest" differ'] });
  results.push({ name: 'conservation run: unmutated mwaa-pause + mwaa-resume fixtures, no violation', breaks: '(nothing)', caught: a.violations.length === 0 && a.deletes > 0 && a.creates > 0, failing: [...violationNames(a), ...(a.deletes ? [] : ['no delete happened']), ...(a.creates ? [] : ['no create happened'])] });
  for (const m of CONSERVATION_MUTATIONS) {
    const p = { ...pause, definition: structuredClone(pause.definition) };
    const r = { ...resume, definition: structuredClone(resume.definition) };
    m.mutate(p.definition, r.definition);
    const out = await run(p, r, m.run);
    const failing = violationNames(out);
    results.push({ name: `conservation mutant: ${m.name}`, breaks: m.breaks, caught: failing.includes(m.breaks), failing });
  }
  return results;
}
