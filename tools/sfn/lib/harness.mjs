// Runs a state machine definition with aws-local-stepfunctions, every Task bound to a local handler by
// state name, every Retry interval overridden to 0 ms (retries still happen, they just do not wait), and
// records each execution (events, status, output) for the scenarios and the metrics.
//
// Distributed Map: aws-local-stepfunctions 3.0.0 runs every Map as an inline Map over an array in the state
// input (MapStateAction.execute in build/main.node.esm.js reads only ItemsPath, ItemProcessor/Iterator,
// ItemSelector/Parameters, MaxConcurrency/MaxConcurrencyPath). It ignores ItemReader, ItemBatcher and
// ResultWriter, and it fails the Map on the first failed iteration (Promise.all), so ToleratedFailure* is
// ignored too. distributed-map.mjs emulates exactly those fields; the child definition, the Map's
// InputPath/ResultSelector/ResultPath/OutputPath/Retry/Catch and everything else still run in the library.

import './polyfill.mjs';
import { StateMachine, ExecutionError } from 'aws-local-stepfunctions';
import { DistributedMapAdapter, isDistributedMap } from './distributed-map.mjs';
import { stepError } from './doubles.mjs';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

/** Express stops an execution after 5 minutes, without running anything after: no Catch, no further state. */
export const EXPRESS_LIMIT_SECONDS = 300;

/**
 * The delay before retry number `attempt` (1-based) of a Task whose last attempt failed with `errorName`, at its
 * ceiling (full jitter only shortens it); undefined when no retrier matches or its MaxAttempts are used up.
 */
export function retryDelaySeconds(state, errorName, attempt) {
  const retrier = (state.Retry ?? []).find((r) => r.ErrorEquals.includes(errorName) || r.ErrorEquals.includes('States.ALL')
    || (r.ErrorEquals.includes('States.TaskFailed') && !String(errorName).startsWith('States.')));
  if (!retrier || attempt > (retrier.MaxAttempts ?? 3)) return undefined;
  const delay = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** (attempt - 1);
  return Math.min(delay, retrier.MaxDelaySeconds ?? Infinity);
}

/** Every Task state, with its definition, in a definition and all nested processors/branches. */
export function taskStates(definition, out = new Map()) {
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type === 'Task') out.set(name, state);
    if (state.Type === 'Map') taskStates(state.ItemProcessor ?? state.Iterator, out);
    if (state.Type === 'Parallel') state.Branches.forEach((b) => taskStates(b, out));
  }
  return out;
}

function retryableStates(definition, out = []) {
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Retry) out.push(name);
    if (state.Type === 'Map') retryableStates(state.ItemProcessor ?? state.Iterator, out);
    if (state.Type === 'Parallel') state.Branches.forEach((b) => retryableStates(b, out));
  }
  return out;
}

/** Drops `ResultPath: "$"` (states and catchers, at every level): same meaning, and the library mishandles it. */
export function normaliseResultPaths(definition) {
  for (const state of Object.values(definition.States)) {
    if (state.ResultPath === '$') delete state.ResultPath;
    for (const catcher of state.Catch ?? []) if (catcher.ResultPath === '$') delete catcher.ResultPath;
    if (state.Type === 'Map') normaliseResultPaths(state.ItemProcessor ?? state.Iterator);
    if (state.Type === 'Parallel') state.Branches.forEach(normaliseResultPaths);
  }
  return definition;
}

/**
 * `$$.Execution.StartTime`: the library sets it from `new Date()` when the execution starts (synchronously inside
 * StateMachine.run). With `startTime` (ISO 8601) given, a no-argument `new Date()` returns that instant for exactly
 * that synchronous call, so executions get a virtual start time (and the backup ids derived from it) that replays.
 */
function withStartTime(startTime, start) {
  if (startTime === undefined) return start();
  const RealDate = globalThis.Date;
  const fixed = RealDate.parse(startTime);
  if (Number.isNaN(fixed)) throw new Error(`startTime ${startTime} is not a date`);
  class VirtualDate extends RealDate {
    constructor(...args) {
      super(...(args.length ? args : [fixed]));
    }
  }
  globalThis.Date = VirtualDate;
  try {
    return start();
  } finally {
    globalThis.Date = RealDate;
  }
}

export class Harness {
  /**
   * @param definition  the ASL definition as synthesized (with fake ARNs)
   * @param handlers    stateName -> async (effectiveInput) => result, for every Task state
   * @param stateMachineArn  the ARN `$$.StateMachine.Id` resolves to
   */
  constructor({ definition, handlers, stateMachineArn, world }) {
    this.world = world;
    this.stateMachineArn = stateMachineArn;
    this.handlers = handlers;
    this.executions = []; // every execution run, parents and children, in start order
    const missing = [...taskStates(definition).keys()].filter((n) => !handlers[n]);
    if (missing.length) throw new Error(`no test double bound to Task state(s): ${missing.join(', ')}`);
    this.retryIntervalOverrides = Object.fromEntries(retryableStates(definition).map((n) => [n, 0]));
    this.mapAdapters = new Map();
    this.definition = this.replaceDistributedMaps(normaliseResultPaths(structuredClone(definition)));
  }

  /** Swap each Distributed Map for a Task of the same name whose local handler is the adapter. */
  replaceDistributedMaps(definition) {
    for (const [name, state] of Object.entries(definition.States)) {
      if (!isDistributedMap(state)) continue;
      const adapter = new DistributedMapAdapter(name, state, this);
      this.mapAdapters.set(name, adapter);
      const { Type, ItemProcessor, ItemReader, ItemBatcher, ResultWriter, ItemSelector, Parameters, ItemsPath, MaxConcurrency, MaxConcurrencyPath,
        ToleratedFailurePercentage, ToleratedFailurePercentagePath, ToleratedFailureCount, ToleratedFailureCountPath, Label, ...kept } = state;
      // Kept as defined: Next/End, InputPath, ResultSelector, ResultPath, OutputPath, Retry, Catch, Comment.
      definition.States[name] = { ...kept, Type: 'Task', Resource: 'arn:aws:states:::harness:distributedMap', TimeoutSeconds: 86400 };
    }
    return definition;
  }

  context(executionName, type) {
    const smName = this.stateMachineArn.split(':').pop();
    return {
      Execution: { Id: `arn:aws:states:${REGION}:${ACCOUNT}:${type === 'EXPRESS' ? 'express' : 'execution'}:${smName}:${executionName}`, Name: executionName },
      StateMachine: { Id: this.stateMachineArn, Name: smName },
      State: { EnteredTime: '2024-01-01T00:00:02.000Z', Name: '', RetryCount: 0 },
    };
  }

  /**
   * Runs one execution of `definition` (default: the orchestrator) and records it.
   * Returns { name, type, status, output, error, events, parent }.
   */
  async run(input, { name, type = 'STANDARD', definition = this.definition, parent = null, handlers = this.handlers, startTime }) {
    const record = { name, type, status: 'RUNNING', output: undefined, error: undefined, events: [], parent, startedAt: Date.now() };
    this.executions.push(record);
    const context = this.context(name, type);
    const taskResourceLocalHandlers = {};
    const tasks = taskStates(definition);
    let execution;
    // Virtual time: the doubles spend it on the execution (world.spend); each retry spends its backoff at the
    // ceiling here, before the retried call, so a handler sees the clock a real retry would. An EXPRESS execution
    // whose virtual time passes 5 minutes is stopped the way the service stops it: nothing runs after that.
    const limit = type === 'EXPRESS' ? EXPRESS_LIMIT_SECONDS : Infinity;
    const lastFailure = new Map(); // stateName -> { error, attempt } of the failed attempt before this call
    const timed = (stateName, call) => async (i) => {
      const failure = lastFailure.get(stateName);
      const backoff = failure && tasks.has(stateName) ? retryDelaySeconds(tasks.get(stateName), failure.error, failure.attempt) : undefined;
      if (backoff !== undefined) this.world.spend(record, backoff);
      if (this.world.elapsed(record) > limit) {
        record.stoppedAt ??= { state: stateName, seconds: this.world.elapsed(record) };
        execution.abort();
        throw stepError('Harness.ExecutionStopped', `${name} ran past ${limit} virtual seconds`);
      }
      try {
        const result = await call(i);
        lastFailure.delete(stateName);
        return result;
      } catch (e) {
        lastFailure.set(stateName, { error: e?.name, attempt: backoff !== undefined ? failure.attempt + 1 : 1 });
        throw e;
      }
    };
    for (const [stateName, handler] of Object.entries(handlers)) taskResourceLocalHandlers[stateName] = timed(stateName, (i) => handler(i, { record, context }));
    for (const [stateName, adapter] of this.mapAdapters) taskResourceLocalHandlers[stateName] = (i) => adapter.run(i, { record, context });
    const machine = new StateMachine(definition, { validationOptions: { noValidate: true } });
    execution = withStartTime(startTime, () => machine.run(input, { overrides: { taskResourceLocalHandlers, retryIntervalOverrides: this.retryIntervalOverrides }, context }));
    const collecting = (async () => {
      for await (const event of execution.eventLogs) record.events.push(event);
    })();
    try {
      record.output = await execution.result;
      record.status = 'SUCCEEDED';
    } catch (e) {
      record.status = 'FAILED';
      const cause = e instanceof ExecutionError ? e.cause : e;
      record.error = { Error: cause?.name, Cause: cause?.message };
    }
    await collecting;
    if (this.world.elapsed(record) > limit) record.stoppedAt ??= { state: '(end)', seconds: this.world.elapsed(record) };
    if (record.stoppedAt) {
      record.status = 'FAILED';
      record.error = { Error: 'States.Timeout', Cause: `stopped after ${limit} s (virtual ${record.stoppedAt.seconds} s, at ${record.stoppedAt.state})` };
    }
    record.endedAt = Date.now();
    return record;
  }

  /**
   * Runs an orchestrator execution, then every execution it started (ContinueAsNew), in order — as the
   * service would, asynchronously after the starting execution handed over. Returns the chain.
   */
  async runChain(input, name, { maxExecutions = 20 } = {}) {
    const chain = [await this.run(input, { name })];
    while (this.world.startedExecutions.length > 0) {
      if (chain.length >= maxExecutions) throw new Error(`more than ${maxExecutions} chained executions`);
      const next = this.world.startedExecutions.shift();
      if (next.StateMachineArn !== this.stateMachineArn) throw new Error(`StartExecution of ${next.StateMachineArn}, expected this state machine ${this.stateMachineArn}`);
      chain.push(await this.run(next.input, { name: next.Name }));
    }
    return chain;
  }
}
