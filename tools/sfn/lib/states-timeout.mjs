// The library's own States.Timeout error class. aws-local-stepfunctions 3.0.0 does not export it, but its Retry and
// Catch treat it apart: `States.TaskFailed` matches every Task error EXCEPT an instance of StatesTimeoutError (as the
// service does: States.TaskFailed never matches States.Timeout). An injected timeout must therefore be an instance of
// that class, not just an Error named "States.Timeout". It is captured once: a one-Task machine whose handler never
// answers, run with the Task's 1 s timer fired at once (setTimeout of exactly that delay shortened to 0 while this one
// execution runs, at module load), fails with the library's StatesTimeoutError as the ExecutionError's cause.

import './polyfill.mjs';
import { StateMachine, ExecutionError } from 'aws-local-stepfunctions';

async function capture() {
  const machine = new StateMachine({ StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:F', TimeoutSeconds: 1, End: true } } }, { validationOptions: { noValidate: true } });
  const realSetTimeout = globalThis.setTimeout;
  const pending = [];
  globalThis.setTimeout = (fn, ms, ...args) => (ms === 1000 ? realSetTimeout(fn, 0, ...args) : realSetTimeout(fn, ms, ...args));
  try {
    await machine.run({}, { overrides: { taskResourceLocalHandlers: { T: () => new Promise((resolve) => pending.push(resolve)) } } }).result;
  } catch (e) {
    const cause = e instanceof ExecutionError ? e.cause : undefined;
    if (cause?.name === 'States.Timeout') return cause.constructor;
  } finally {
    globalThis.setTimeout = realSetTimeout;
  }
  throw new Error('could not capture aws-local-stepfunctions\' StatesTimeoutError');
}

/** The library's StatesTimeoutError class (new StatesTimeout() has name and message "States.Timeout"). */
export const StatesTimeout = await capture();
