// The MwaaScheduler part of artifacts/sfn/report.md: per workflow definition its options, the scenarios with their
// call traces, the state transitions of a pause and a resume (the paid unit of a STANDARD workflow), and the
// self-test of the contract fixtures. Appended to the file lib/report.mjs writes.

import fs from 'node:fs';
import { MODEL_MINUTES } from './mwaa-scenarios.mjs';

const STANDARD_PER_TRANSITION = 0.000025; // USD, us-east-1 list price (same as lib/report.mjs)

const model = (w) => {
  const loops = Object.keys(w.cycle.polls);
  return loops.map((l) => `${l} ${MODEL_MINUTES[l]} min = ${w.cycle.polls[l]} polls`).join(', ');
};

/** One line: transitions of a pause, of a resume, and of the cycle, over the definitions measured. */
export function cycleLine(workflows) {
  const of = (kind) => workflows.filter((w) => w.facts.kind === kind && w.cycle).map((w) => w.cycle.transitions);
  const [p, r] = [of('pause'), of('resume')];
  if (!p.length || !r.length) return `MwaaScheduler transitions: pause ${p.join('/') || '-'}, resume ${r.join('/') || '-'} (no full cycle: a pause or resume definition is missing)`;
  const lo = Math.min(...p) + Math.min(...r);
  const hi = Math.max(...p) + Math.max(...r);
  const range = (a) => (Math.min(...a) === Math.max(...a) ? `${a[0]}` : `${Math.min(...a)}-${Math.max(...a)}`);
  const usd = (t) => `$${(t * STANDARD_PER_TRANSITION).toFixed(4)}`;
  const poll = [...new Set(workflows.filter((w) => w.cycle).map((w) => w.facts.pollSeconds))].join('/');
  return `MwaaScheduler state transitions per cycle (modelled: export ${MODEL_MINUTES.export}, delete ${MODEL_MINUTES.deletion}, create ${MODEL_MINUTES.creation}, import ${MODEL_MINUTES.import}, update ${MODEL_MINUTES.update} min; ${poll} s polls): `
    + `pause ${range(p)} + resume ${range(r)} = ${lo === hi ? lo : `${lo}-${hi}`} (${lo === hi ? usd(lo) : `${usd(lo)}-${usd(hi)}`} per cycle)`;
}

export function appendMwaaReport(file, { workflows, selfTest = [] }) {
  const out = ['## MwaaScheduler workflows (lib/mwaa-scenarios.mjs)', ''];
  if (!workflows.length) out.push('No pause or resume workflow in the given templates.', '');
  for (const w of workflows) {
    const f = w.facts;
    out.push(`### ${w.label} (${f.kind})`, '');
    out.push(`Environment \`${f.environmentName}\`; poll interval ${f.pollSeconds} s; poll limits ${Object.entries(f.limits).map(([k, v]) => `${k} ${v}`).join(', ')}; `
      + `TimeoutSeconds ${f.timeoutSeconds ?? '(none)'}; ${f.kind === 'pause' ? `AllowPauseWithoutMetadata ${f.allowPauseWithoutMetadata}` : `UpdateAfterRestore ${f.updateAfterRestore}`}; NotifyOnSuccess ${f.notifyOnSuccess}.`, '');
    out.push('| Scenario | Checks | Result | Calls made (in order; `xN` = N polls, `!Error` = the call failed) |', '|---|---:|---|---|');
    for (const s of w.scenarios) {
      const result = !s.applicable ? 'n/a (option not set)' : s.failures.length ? `**FAILED**: ${s.failures.map((x) => `${x.label} (${x.detail.split('\n')[0]})`).join('; ')}` : `passed${s.note ? ` (${s.note})` : ''}`;
      out.push(`| ${s.name} | ${s.checks} | ${result.replaceAll('|', '\\|')} | ${(s.trace ?? []).join(' > ')} |`);
    }
    out.push('');
    if (w.cycle) {
      out.push(`State transitions of one happy ${f.kind} (${model(w)}): **${w.cycle.transitions}** = ${w.cycle.fixed} + ${w.cycle.perPoll} per poll `
        + `(measured: one more poll per loop adds ${w.cycle.perPoll}); ${w.cycle.history} history events; ${w.cycle.waitedMinutes} min in Wait states; `
        + `largest state payload ${w.largest?.bytes ?? '?'} B (${w.largest?.where ?? '?'}).`, '');
    }
  }
  if (workflows.some((w) => w.cycle)) out.push(cycleLine(workflows), '');
  out.push('### MwaaScheduler self-test (mutants of tools/sfn/fixtures/mwaa-*.asl.json)', '', '| Mutation | Must fail | Failing scenarios | Caught |', '|---|---|---|---|');
  for (const r of selfTest) out.push(`| ${r.name} | ${r.breaks} | ${r.failing.join('; ') || 'none'} | ${r.caught ? 'yes' : '**no**'} |`);
  out.push('');
  fs.appendFileSync(file, `${out.join('\n')}\n`);
}
