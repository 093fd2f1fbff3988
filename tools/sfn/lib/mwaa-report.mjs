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

/**
 * One line: the state transitions of a pause plus a resume (each measured with the modelled durations, polled at its
 * definition's interval) for every pause/resume pair, and what they cost.
 */
export function cycleLine(cycles) {
  const usd = (t) => `$${(t * STANDARD_PER_TRANSITION).toFixed(4)}`;
  const parts = cycles.filter((cy) => cy.pause?.cycle && cy.resume?.cycle).map((cy) => {
    const [p, r] = [cy.pause.cycle.transitions, cy.resume.cycle.transitions];
    return `${cy.name} ${p} + ${r} = ${p + r} (${usd(p + r)}, ${cy.pause.facts.pollSeconds} s polls)`;
  });
  return `MwaaScheduler state transitions per pause + resume cycle (modelled: export ${MODEL_MINUTES.export}, delete ${MODEL_MINUTES.deletion}, create ${MODEL_MINUTES.creation}, import ${MODEL_MINUTES.import}, update ${MODEL_MINUTES.update} min): ${parts.join('; ') || 'no pair measured'}`;
}

export function appendMwaaReport(file, { workflows, cycles = [], selfTest = [] }) {
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
  if (cycles.length) out.push(cycleLine(cycles), '');
  if (cycles.length) {
    out.push('### Whole cycles (pause, then resume, on one world)', '', '| Pause + resume | Checks | Result | Transitions (pause + resume) | Calls |', '|---|---:|---|---:|---|');
    for (const cy of cycles) {
      const result = cy.failures.length ? `**FAILED**: ${cy.failures.map((x) => `${x.label} (${x.detail.split('\n')[0]})`).join('; ')}` : 'passed';
      out.push(`| ${cy.label} | ${cy.checks} | ${result.replaceAll('|', '\\|')} | ${cy.transitions.pause ?? '?'} + ${cy.transitions.resume ?? '?'} | pause: ${(cy.traces.pause ?? []).join(' > ')}; resume: ${(cy.traces.resume ?? []).join(' > ')} |`);
    }
    out.push('');
  }
  out.push('### MwaaScheduler self-test (mutants of tools/sfn/fixtures/mwaa-*.asl.json)', '', '| Mutation | Must fail | Failing scenarios | Caught |', '|---|---|---|---|');
  for (const r of selfTest) out.push(`| ${r.name} | ${r.breaks} | ${r.failing.join('; ') || 'none'} | ${r.caught ? 'yes' : '**no**'} |`);
  out.push('');
  fs.appendFileSync(file, `${out.join('\n')}\n`);
}
