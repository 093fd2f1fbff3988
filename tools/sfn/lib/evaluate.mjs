// Payload templates and JSONPath references evaluated with aws-local-stepfunctions' own semantics (a one-state
// Pass machine), so emulated fields read the state input exactly as the library does. Used by
// distributed-map.mjs; it lives apart from harness.mjs so that harness.mjs -> distributed-map.mjs is the only
// edge between the two (no import cycle).

import './polyfill.mjs';
import { StateMachine } from 'aws-local-stepfunctions';

/** Evaluates a payload template (`"x.$": "$.path"`, intrinsics) with the library's own semantics. */
export async function evaluateTemplate(template, input, context) {
  if (template === undefined) return undefined;
  const probe = new StateMachine({ StartAt: 'T', States: { T: { Type: 'Pass', Parameters: { v: template }, End: true } } }, { validationOptions: { noValidate: true } });
  const out = await probe.run(input, { context }).result;
  return out.v;
}

/** A JSONPath reference (e.g. MaxConcurrencyPath) evaluated with the library's semantics. */
export async function evaluatePath(path, input, context) {
  return evaluateTemplate({ 'x.$': path }, input, context).then((v) => v.x);
}
