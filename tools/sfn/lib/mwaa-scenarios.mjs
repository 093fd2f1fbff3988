// Local runs of the MwaaScheduler pause and resume workflows (design §2) against the in-memory world of
// lib/mwaa-world.mjs. Every Task is bound by its contract name to a double (an unknown Task is an error), each
// scenario builds a fresh world, runs one execution (or two) and checks the final status, the calls made and
// the calls NOT made, plus the invariants every run must keep:
//   - DeleteEnvironment is only ever called after a successful VerifyBackup of the same execution's backup;
//   - a failed execution published exactly one failure message (step, error, backup prefix, ...); a successful
//     one published none (one success message when NotifyOnSuccess);
//   - the lock is released on every path where it was acquired, never when it was not (LockHeld).

import { Harness, taskStates } from './harness.mjs';
import { lambdaTask, stepError } from './doubles.mjs';
import { statesVisited, retriesOf, transitions, historyEvents } from './metrics.mjs';
import { Checks } from './scenarios.mjs';
import { MwaaWorld, sampleEnvironment, REQUEST_FIELDS } from './mwaa-world.mjs';

/** A pause workflow has these states (design §2). */
export const isPauseWorkflow = (d) => ['AcquireLock', 'VerifyBackup', 'DeleteEnvironment'].every((n) => d.States?.[n]);
/** A resume workflow has these states (design §2). */
export const isResumeWorkflow = (d) => ['AcquireLock', 'LoadBackup', 'CreateEnvironment'].every((n) => d.States?.[n]);

/** Each Task of the contract, by name: the integration it must use and the double behind it. */
const BINDINGS = {
  AcquireLock: { lambda: 'LockFunction', double: 'lock' },
  ReleaseLock: { lambda: 'LockFunction', double: 'lock' },
  ReleaseLockAfterFailure: { lambda: 'LockFunction', double: 'lock' },
  SaveConfiguration: { lambda: 'BackupCatalogFunction', double: 'catalog' },
  VerifyBackup: { lambda: 'BackupCatalogFunction', double: 'catalog' },
  LoadBackup: { lambda: 'BackupCatalogFunction', double: 'catalog' },
  TriggerExport: { lambda: 'DagRunsFunction', double: 'dagRuns' },
  GetExportRun: { lambda: 'DagRunsFunction', double: 'dagRuns' },
  TriggerImport: { lambda: 'DagRunsFunction', double: 'dagRuns' },
  GetImportRun: { lambda: 'DagRunsFunction', double: 'dagRuns' },
  GetEnvironment: { mwaa: 'getEnvironment' },
  GetEnvironmentAfterDelete: { mwaa: 'getEnvironment' },
  GetEnvironmentAfterCreate: { mwaa: 'getEnvironment' },
  GetEnvironmentAfterUpdate: { mwaa: 'getEnvironment' },
  DeleteEnvironment: { mwaa: 'deleteEnvironment' },
  CreateEnvironment: { mwaa: 'createEnvironment' },
  UpdateEnvironment: { mwaa: 'updateEnvironment' },
  NotifyFailure: { sns: true },
  NotifyLockHeld: { sns: true },
  NotifySuccess: { sns: true },
};
const FAILURE_NOTIFIERS = ['NotifyFailure', 'NotifyLockHeld'];
const RELEASES = ['ReleaseLock', 'ReleaseLockAfterFailure'];
/** A loop that never ends (a removed poll limit) is cut off here: the call fails with Harness.RunawayLoop. */
const MAX_CALLS_PER_EXECUTION = 1500;

/** States design §2 names, per workflow (and per option). */
function requiredStates(facts) {
  const common = ['Init', 'AcquireLock', 'NotifyLockHeld', 'LockHeld', 'GetEnvironment', 'CheckEnvironmentStatus', 'ReleaseLock', 'Done', 'NotifyFailure', 'ReleaseLockAfterFailure', 'WorkflowFailed'];
  if (facts.kind === 'pause') {
    return [...common, 'AlreadyPaused', 'FailedNotAvailable', 'SaveConfiguration', 'RouteExport', ...(facts.allowPauseWithoutMetadata ? [] : ['FailedUnsupportedVersion']),
      'TriggerExport', 'WaitForExport', 'GetExportRun', 'CheckExportRun', 'FailedExport', 'CountExportPoll', 'ExportPollsLeft', 'FailedExportTimeout',
      'VerifyBackup', 'DeleteEnvironment', 'WaitForDeletion', 'GetEnvironmentAfterDelete', 'CheckDeletion', 'FailedDeletion', 'Paused', ...(facts.notifyOnSuccess ? ['NotifySuccess'] : [])];
  }
  return [...common, 'AlreadyRunning', 'FailedNotResumable', 'LoadBackup', 'CreateEnvironment', 'WaitForCreation', 'GetEnvironmentAfterCreate', 'CheckCreation',
    'FailedCreation', 'RouteImport', 'TriggerImport', 'WaitForImport', 'GetImportRun', 'CheckImportRun', 'FailedImport', 'FailedImportTimeout', 'AfterImport', 'Resumed',
    ...(facts.updateAfterRestore ? ['UpdateEnvironment', 'WaitForUpdate', 'GetEnvironmentAfterUpdate', 'CheckUpdate', 'FailedUpdate'] : []),
    ...(facts.notifyOnSuccess ? ['NotifySuccess'] : [])];
}

/** Next states of a state, without its Catch targets (or with them). */
function successors(state, { catches = false } = {}) {
  const out = [];
  if (state.Next) out.push(state.Next);
  if (state.Default) out.push(state.Default);
  const rules = (rs) => rs?.forEach((r) => { if (r.Next) out.push(r.Next); });
  rules(state.Choices);
  if (catches) rules(state.Catch);
  return out;
}

/** Whether `to` is reachable from `from` along Next/Choices/Default, never entering a state whose name starts with Failed. */
function reaches(definition, from, to) {
  const seen = new Set();
  const stack = [from];
  while (stack.length) {
    const name = stack.pop();
    if (name === to) return true;
    if (seen.has(name) || name.startsWith('Failed') || !definition.States[name]) continue;
    seen.add(name);
    stack.push(...successors(definition.States[name]));
  }
  return false;
}

/** A boolean option the construct may keep as a constant in Init's payload (e.g. `allowPauseWithoutMetadata`). */
function initOption(definition, name) {
  const init = definition.States.Init;
  let found;
  const walk = (v) => {
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      if (k.toLowerCase() === name.toLowerCase() && typeof x === 'boolean') found = x;
      else walk(x);
    }
  };
  walk(init?.Parameters ?? init?.Result);
  return found;
}

function literalOf(definition, key) {
  const init = definition.States.Init;
  return (init?.Parameters ?? init?.Result ?? {})[key] ?? (init?.Parameters ?? init?.Result ?? {}).context?.[key];
}

/** What the scenarios size and configure themselves from, read from the definition. */
export function describeMwaaWorkflow(machine) {
  const d = machine.definition;
  const kind = isPauseWorkflow(d) ? 'pause' : 'resume';
  const environmentName = literalOf(d, 'environmentName');
  const fnArn = (state) => d.States[state]?.Resource?.includes(':states:::lambda:invoke') ? d.States[state]?.Parameters?.FunctionName : d.States[state]?.Resource;
  const functionEnv = { ...machine.environmentOf(fnArn('AcquireLock')), ...machine.environmentOf(fnArn(kind === 'pause' ? 'SaveConfiguration' : 'LoadBackup')) };
  const waits = Object.fromEntries(Object.entries(d.States).filter(([, s]) => s.Type === 'Wait').map(([n, s]) => [n, s.Seconds]));
  // Poll limits: the NumericGreaterThanEquals of the Choice whose other branch goes back to the loop's Wait.
  const limits = {};
  for (const [wait, loop] of [['WaitForExport', 'export'], ['WaitForDeletion', 'deletion'], ['WaitForCreation', 'creation'], ['WaitForImport', 'import'], ['WaitForUpdate', 'update']]) {
    for (const s of Object.values(d.States)) {
      if (s.Type !== 'Choice' || !successors(s).includes(wait)) continue;
      const rule = s.Choices.find((r) => typeof r.NumericGreaterThanEquals === 'number');
      if (rule) limits[loop] = rule.NumericGreaterThanEquals;
    }
  }
  const option = (name, fallback) => initOption(d, name) ?? fallback();
  return {
    kind,
    environmentName: environmentName ?? functionEnv.ENVIRONMENT_NAME,
    environmentNameSources: { init: environmentName, functions: functionEnv.ENVIRONMENT_NAME },
    functionEnv,
    waits,
    pollSeconds: Object.values(waits)[0],
    limits,
    timeoutSeconds: d.TimeoutSeconds,
    allowPauseWithoutMetadata: kind === 'pause' && option('allowPauseWithoutMetadata', () => {
      const route = d.States.RouteExport;
      const unsupported = route?.Choices?.filter((r) => JSON.stringify(r).includes('"unsupported"')).map((r) => r.Next) ?? [];
      return unsupported.some((n) => reaches(d, n, 'VerifyBackup'));
    }),
    updateAfterRestore: kind === 'resume' && option('updateAfterRestore', () => Boolean(d.States.UpdateEnvironment) && reaches(d, 'AfterImport', 'UpdateEnvironment')),
    notifyOnSuccess: option('notifyOnSuccess', () => Boolean(d.States.NotifySuccess)),
  };
}

/**
 * States.StringSplit splits at every character of its splitter in the service (the Step Functions guide's example:
 * "This.is+a,test=string" split by ".+,=" gives five strings; LocalStack implements the same), but
 * aws-local-stepfunctions 3.0.0 calls `str.split(splitter)`, splitting at the whole splitter string only. Until the
 * library is fixed, the splitters of more than one character that the definition uses are registered here and
 * String.prototype.split splits at any of their characters when called with exactly such a string — nothing else
 * changes (a splitter like '-:.' does not occur anywhere else).
 */
const CHARSET_SPLITTERS = new Set();
const plainSplit = String.prototype.split;
function emulateCharsetSplit(definition) {
  for (const m of JSON.stringify(definition).matchAll(/States\.StringSplit\((?:[^()']|\([^()]*\))*?,\s*'((?:[^'\\]|\\.)+)'\s*\)/g)) {
    if (m[1].length > 1) CHARSET_SPLITTERS.add(m[1]);
  }
  if (CHARSET_SPLITTERS.size === 0 || String.prototype.split !== plainSplit) return;
  // eslint-disable-next-line no-extend-native
  String.prototype.split = function split(separator, limit) {
    if (typeof separator === 'string' && CHARSET_SPLITTERS.has(separator)) {
      return plainSplit.call(this, new RegExp(`[${separator.replace(/[\\\]^-]/g, '\\$&')}]`), limit);
    }
    return plainSplit.call(this, separator, limit);
  };
}

/** The definition as executed: fixed Waits shortened to 0 s (their seconds are counted as virtual time instead). */
export function executable(definition) {
  emulateCharsetSplit(definition);
  const d = structuredClone(definition);
  for (const s of Object.values(d.States)) {
    if (s.Type !== 'Wait') continue;
    delete s.SecondsPath;
    delete s.Timestamp;
    delete s.TimestampPath;
    s.Seconds = 0;
  }
  return d;
}

/** Binds every Task by name; checks the integration and function the contract names. */
export function bindMwaa(definition, world) {
  const handlers = {};
  for (const [name, state] of taskStates(definition)) {
    const b = BINDINGS[name];
    if (!b) throw new Error(`Task ${name} is not in the MwaaScheduler contract (design §2): no double for it`);
    const r = state.Resource;
    let call;
    if (b.lambda) {
      const isInvoke = /:states:::lambda:invoke$/.test(r);
      const fn = isInvoke ? state.Parameters?.FunctionName : r;
      if (!/^arn:[^:]+:lambda:/.test(String(fn))) throw new Error(`${name}: expected a Lambda task (the ${b.lambda}), resource ${r}`);
      if (!String(fn).includes(b.lambda)) throw new Error(`${name}: invokes ${fn}, the contract says the ${b.lambda}`);
      const inner = (payload) => world[b.double](payload);
      call = lambdaTask(r, inner);
    } else if (b.mwaa) {
      const m = /^arn:[^:]+:states:::aws-sdk:mwaa:(\w+)$/.exec(r);
      if (!m || m[1] !== b.mwaa) throw new Error(`${name}: expected arn:aws:states:::aws-sdk:mwaa:${b.mwaa}, resource ${r}`);
      call = async (params) => world.mwaa[b.mwaa](params);
    } else {
      if (!/^arn:[^:]+:states:::sns:publish$/.test(r)) throw new Error(`${name}: expected arn:aws:states:::sns:publish, resource ${r}`);
      call = async (params) => world.topic.publish(name, params);
    }
    handlers[name] = async (input, meta) => {
      const execution = meta?.record?.name;
      const entry = { execution, state: name, params: structuredClone(input) };
      world.calls.push(entry);
      try {
        if (world.calls.filter((x) => x.execution === execution).length > MAX_CALLS_PER_EXECUTION) throw stepError('Harness.RunawayLoop', `more than ${MAX_CALLS_PER_EXECUTION} calls in one execution`);
        const fault = world.taskFaults?.[name]?.shift();
        if (fault) throw stepError(fault, `${fault}: scripted fault before ${name}`);
        const out = await call(input, meta);
        entry.ok = true;
        entry.result = structuredClone(out);
        return out;
      } catch (e) {
        entry.ok = false;
        entry.error = e.name;
        entry.cause = e.message;
        throw e;
      }
    };
  }
  return handlers;
}

export class MwaaRun {
  /** `world`: an existing world to run in (a pause and a resume of one cycle share it); default a fresh one. */
  constructor(machine, facts, configure = () => {}, world = undefined) {
    this.machine = machine;
    this.facts = facts;
    this.world = world ?? new MwaaWorld({ environmentName: facts.environmentName, functionEnv: facts.functionEnv });
    configure(this.world);
    const definition = executable(machine.definition);
    this.harness = new Harness({ definition, handlers: bindMwaa(definition, this.world), stateMachineArn: machine.stateMachineArn, world: this.world });
  }

  async run(name, input = { trigger: 'schedule', window: 'nights' }) {
    const record = await this.harness.run(input, { name });
    record.calls = this.world.calls.filter((x) => x.execution === name);
    record.executionId = this.harness.context(name, 'STANDARD').Execution.Id;
    record.waitedSeconds = statesVisited(record).reduce((n, s) => n + (this.facts.waits[s] ?? 0), 0);
    return record;
  }
}

// ---- helpers for the checks ----

/** A value with its object keys sorted (at every level), for comparisons that ignore key order. */
const canonical = (v) => (Array.isArray(v) ? v.map(canonical) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])])) : v);
const count = (record, state) => record.calls.filter((x) => x.state === state).length;
const callsOf = (record, state) => record.calls.filter((x) => x.state === state);
const last = (a) => a[a.length - 1];

/** The calls of an execution as a compact trace: repeated calls of a state collapsed to `State x n`. */
export function trace(record) {
  const out = [];
  for (const x of record.calls) {
    const label = x.ok ? x.state : `${x.state}!${x.error}`;
    const prev = out[out.length - 1];
    if (prev && prev.label === label) prev.n++;
    else out.push({ label, n: 1 });
  }
  return out.map((t) => (t.n > 1 ? `${t.label} x${t.n}` : t.label));
}

/** The failure message the execution published (parsed), or undefined. */
const failureMessages = (world, record) => world.topic.messages.filter((m) => FAILURE_NOTIFIERS.includes(m.state) && record.calls.some((x) => x.state === m.state && x.ok));

/**
 * The invariants every execution keeps, checked after each run:
 * no DeleteEnvironment without a successful VerifyBackup of this execution's backup before it; one failure message
 * per failed execution (none on success); lock released iff acquired.
 */
function checkInvariants(c, run, record, { lockHeld = false, notificationsBroken = false } = {}) {
  const { world, facts } = run;
  const calls = record.calls;
  const wf = facts.kind;
  // 1. DeleteEnvironment only after a successful VerifyBackup of the backup SaveConfiguration made.
  calls.forEach((x, i) => {
    if (x.state !== 'DeleteEnvironment') return;
    const verify = calls.slice(0, i).filter((y) => y.state === 'VerifyBackup' && y.ok);
    const saved = calls.find((y) => y.state === 'SaveConfiguration' && y.ok);
    c.ok('invariant: DeleteEnvironment only after a successful VerifyBackup of this backup', verify.length > 0 && saved && verify.some((v) => v.params.prefix === saved.result.prefix),
      `DeleteEnvironment call #${i + 1} after: ${trace({ calls: calls.slice(0, i) }).join(' > ')}`);
  });
  // 2. Notifications.
  const failures = failureMessages(world, record);
  const success = world.topic.messages.filter((m) => m.state === 'NotifySuccess');
  if (notificationsBroken) {
    c.eq('invariant: SNS refused every message, none recorded', run.world.topic.messages.length, 0);
  } else if (record.status === 'FAILED') {
    c.eq('invariant: a failed execution publishes exactly one failure message', failures.length, 1);
    const m = failures[0]?.message ?? {};
    const missing = ['environment', 'workflow', 'step', 'error', 'backupPrefix', 'execution'].filter((k) => typeof m[k] !== 'string' || m[k] === '');
    c.eq('invariant: the failure message names environment, workflow, step, error, backupPrefix, execution', missing, []);
    c.eq('invariant: the failure message is about this environment, workflow and execution', [m.environment, m.workflow, m.execution], [facts.environmentName, wf, record.executionId]);
    c.ok('invariant: the failure message carries no configuration or secrets', !/AirflowConfigurationOptions|ExecutionRoleArn|NetworkConfiguration|core\.default_task_retries/.test(failures[0]?.text ?? ''), failures[0]?.text);
  } else {
    c.eq('invariant: a successful execution publishes no failure message', failures.length, 0);
    const expected = facts.notifyOnSuccess && statesVisited(record).some((s) => s === 'Paused' || s === 'Resumed') ? 1 : 0;
    c.eq(`invariant: success messages (NotifyOnSuccess ${facts.notifyOnSuccess})`, success.length, expected);
  }
  // 3. Lock.
  const acquire = calls.find((x) => x.state === 'AcquireLock');
  const releases = calls.filter((x) => RELEASES.includes(x.state));
  if (acquire?.ok) {
    c.ok('invariant: the lock acquired is released (by this owner)', releases.some((x) => x.ok && x.result?.released === true && x.params.owner === acquire.params.owner),
      `releases: ${JSON.stringify(releases.map((x) => ({ state: x.state, ok: x.ok, result: x.result })))}`);
    c.ok('invariant: no lock item left for this owner', ![...world.locks.items.values()].some((i) => i.owner === acquire.params.owner), JSON.stringify([...world.locks.items.values()]));
  } else if (lockHeld || acquire?.error === 'LockHeld') {
    c.eq('invariant: a lock not acquired is never released', releases.map((x) => x.state), []);
  }
}

function checkFailure(c, run, record, { step, error, backupPrefix, causeIncludes }) {
  const fail = `MwaaScheduler.${run.facts.kind === 'pause' ? 'Pause' : 'Resume'}Failed`;
  c.eq('execution FAILED in WorkflowFailed', [record.status, last(statesVisited(record)), record.error?.Error], ['FAILED', 'WorkflowFailed', fail]);
  const m = failureMessages(run.world, record)[0]?.message ?? {};
  const steps = [step].flat();
  c.ok(`failure message step is ${steps.join(' or ')}`, steps.includes(m.step), `step ${JSON.stringify(m.step)}`);
  if (error) c.eq('failure message error', m.error, error);
  if (backupPrefix !== undefined) c.eq('failure message backupPrefix', m.backupPrefix, backupPrefix);
  if (causeIncludes) c.ok(`failure message says "${causeIncludes}"`, JSON.stringify(m).includes(causeIncludes), JSON.stringify(m));
}

function checkNotCalled(c, record, states) {
  const made = states.filter((s) => count(record, s) > 0);
  c.eq(`not called: ${states.join(', ')}`, made, []);
}

/** A verified backup in the world, as a pause of `environment` would have left it (the catalog double's own actions). */
export function seedBackup(world, { metadata = true, environment = sampleEnvironment(world.config.environmentName), backupId = '20261204T200000Z' } = {}) {
  const saved = world.saveConfiguration({ backupId, environment });
  if (metadata) world.runExportDag(saved.exportConf);
  world.verify({ prefix: saved.prefix, metadata });
  return saved;
}

const OTHER_OWNER = 'arn:aws:states:us-east-1:123456789012:execution:Other:other-run';
const otherLock = (world, operation) => world.locks.items.set(world.config.environmentName, { pk: world.config.environmentName, owner: OTHER_OWNER, operation, expiresAt: world.locks.now + 3600, ttl: world.locks.now + 3600 });

// ---- scenarios ----

const HAPPY_PAUSE_TRACE = (f, exportPolls, deletionPolls) => ['AcquireLock', 'GetEnvironment', 'SaveConfiguration', 'TriggerExport', exportPolls > 1 ? `GetExportRun x${exportPolls}` : 'GetExportRun',
  'VerifyBackup', 'DeleteEnvironment', ...deletionTrace(deletionPolls), ...(f.notifyOnSuccess ? ['NotifySuccess'] : []), 'ReleaseLock'];
/** k polls of a deletion that ends with the environment gone: k-1 DELETING answers, then ResourceNotFoundException. */
const deletionTrace = (k) => [...(k > 2 ? [`GetEnvironmentAfterDelete x${k - 1}`] : k === 2 ? ['GetEnvironmentAfterDelete'] : []), 'GetEnvironmentAfterDelete!Mwaa.ResourceNotFoundException'];

function happyPauseConfig(exportPolls, deletionPolls) {
  return (w) => {
    w.mwaa.seed(sampleEnvironment(w.config.environmentName));
    w.airflow.script.pcdk_export.polls = exportPolls;
    w.mwaa.script.deletion = { polls: deletionPolls, gone: true };
  };
}

export const MWAA_SCENARIOS = [
  {
    name: 'contract: state names, Retry/Catch/TimeoutSeconds on every Task, the only way into DeleteEnvironment',
    kinds: ['pause', 'resume'],
    static: true,
    async run(machine, c, f) {
      const d = machine.definition;
      c.eq('states named by design §2 present', requiredStates(f).filter((n) => !d.States[n]), []);
      const tasks = [...taskStates(d)];
      c.eq('every Task has TimeoutSeconds', tasks.filter(([, s]) => !(s.TimeoutSeconds > 0) && !s.TimeoutSecondsPath).map(([n]) => n), []);
      c.eq('every Task has a Retry', tasks.filter(([, s]) => !s.Retry?.length).map(([n]) => n), []);
      c.eq('every Task has a Catch', tasks.filter(([, s]) => !s.Catch?.length).map(([n]) => n), []);
      const functional = ['States.ALL', 'States.TaskFailed', 'LockHeld', 'BackupVerificationFailed', 'NoVerifiedBackup', 'BadInput', 'Mwaa.ValidationException', 'Mwaa.ResourceNotFoundException', 'AirflowAccessDenied', 'RestApiNotSupported'];
      // (SNS publishes are exempt: retrying any failure of a notification costs at most a duplicate message.)
      c.eq('no Retry on functional errors (LockHeld, BackupVerificationFailed, ValidationException, States.ALL ...) outside SNS publishes',
        tasks.filter(([n]) => !BINDINGS[n]?.sns).flatMap(([n, s]) => (s.Retry ?? []).flatMap((r) => r.ErrorEquals.filter((e) => functional.includes(e)).map((e) => `${n}:${e}`))), []);
      c.eq('every Wait is a fixed Seconds wait', Object.entries(d.States).filter(([, s]) => s.Type === 'Wait' && !Number.isInteger(s.Seconds)).map(([n]) => n), []);
      const lockHeld = d.States.AcquireLock?.Catch?.find((r) => r.ErrorEquals.includes('LockHeld'));
      c.ok('AcquireLock catches LockHeld on its own path (NotifyLockHeld -> LockHeld, no release)', lockHeld && !reachesAny(d, lockHeld.Next, RELEASES) && reaches(d, lockHeld.Next, 'LockHeld'), JSON.stringify(d.States.AcquireLock?.Catch));
      const ttl = d.States.AcquireLock?.Parameters?.ttlSeconds ?? d.States.AcquireLock?.Parameters?.Payload?.ttlSeconds;
      c.ok('the lock outlives the workflow (AcquireLock ttlSeconds >= the state machine TimeoutSeconds)', d.TimeoutSeconds === undefined || ttl >= d.TimeoutSeconds, `ttlSeconds ${ttl}, TimeoutSeconds ${d.TimeoutSeconds}`);
      c.ok('the state machine has a TimeoutSeconds', Number.isInteger(d.TimeoutSeconds), `TimeoutSeconds ${d.TimeoutSeconds}`);
      c.eq('environment name in Init = the functions\' ENVIRONMENT_NAME', f.environmentNameSources.functions === undefined || f.environmentNameSources.init === f.environmentNameSources.functions, true);
      if (f.kind === 'pause') {
        const into = Object.entries(d.States).filter(([, s]) => successors(s, { catches: true }).includes('DeleteEnvironment')).map(([n, s]) => `${n}${(s.Catch ?? []).some((r) => r.Next === 'DeleteEnvironment') ? '(Catch)' : ''}`);
        c.eq('DeleteEnvironment is entered from VerifyBackup\'s Next only', into, ['VerifyBackup']);
        const vb = d.States.VerifyBackup;
        c.ok('VerifyBackup\'s Catch never leads to DeleteEnvironment', !(vb?.Catch ?? []).some((r) => reaches(d, r.Next, 'DeleteEnvironment')), JSON.stringify(vb?.Catch));
      }
      for (const loop of f.kind === 'pause' ? ['export', 'deletion'] : ['creation', 'import', ...(f.updateAfterRestore ? ['update'] : [])]) {
        c.ok(`the ${loop} poll loop has a limit`, Number.isInteger(f.limits[loop]) && f.limits[loop] > 0, JSON.stringify(f.limits));
      }
      return {};
    },
  },

  {
    name: 'the failure notification itself fails (SNS errors, retries exhausted) -> the lock is still released, WorkflowFailed',
    kinds: ['pause', 'resume'],
    async run(machine, c, f) {
      const run = new MwaaRun(machine, f, (w) => {
        w.mwaa.seed(sampleEnvironment(w.config.environmentName, { Status: 'UPDATING' }));
        w.taskFaults = { NotifyFailure: Array(20).fill('SNS.InternalErrorException') };
      });
      const r = await run.run(`${f.kind}-notify-broken`);
      c.eq('FAILED in WorkflowFailed', [r.status, last(statesVisited(r)), r.error?.Error], ['FAILED', 'WorkflowFailed', `MwaaScheduler.${f.kind === 'pause' ? 'Pause' : 'Resume'}Failed`]);
      c.ok('NotifyFailure was tried (and retried)', count(r, 'NotifyFailure') >= 1, trace(r).join(' > '));
      c.eq('ReleaseLockAfterFailure still ran', callsOf(r, 'ReleaseLockAfterFailure').map((x) => x.ok && x.result?.released), [true]);
      checkInvariants(c, run, r, { notificationsBroken: true });
      return { records: [r] };
    },
  },

  // ---------------- pause ----------------
  {
    name: 'pause: happy path (save, export, verify, delete, gone)',
    kinds: ['pause'],
    async run(machine, c, f) {
      const run = new MwaaRun(machine, f, happyPauseConfig(2, 3));
      const r = await run.run('pause-happy');
      const { world } = run;
      c.eq('execution SUCCEEDED in Done', [r.status, last(statesVisited(r))], ['SUCCEEDED', 'Done']);
      c.eq('calls', trace(r), HAPPY_PAUSE_TRACE(f, 2, 3));
      const saved = callsOf(r, 'SaveConfiguration')[0];
      const prefix = saved?.result?.prefix;
      c.ok('SaveConfiguration got GetEnvironment\'s whole Environment', saved?.params?.environment?.Arn && saved.params.environment.LoggingConfiguration && saved.params.environment.Tags, JSON.stringify(saved?.params).slice(0, 300));
      const envJson = JSON.parse(world.s3.get(world.config.bucket, `${prefix}environment.json`) ?? '{}');
      c.eq('saved request: no aws: tags, no output-only fields', [Object.keys(envJson.request?.Tags ?? {}), ['Arn', 'Status', 'CreatedAt', 'LastUpdate', 'WebserverUrl', 'ServiceRoleArn', 'CeleryExecutorQueue'].filter((k) => envJson.request?.[k] !== undefined)], [['team'], []]);
      c.eq('TriggerExport: pcdk_export with the catalog\'s runId and exportConf', canonical(callsOf(r, 'TriggerExport')[0]?.params), canonical({ action: 'trigger', dagId: 'pcdk_export', runId: saved?.result?.runId, conf: saved?.result?.exportConf }));
      c.eq('VerifyBackup: this backup, with metadata', canonical(callsOf(r, 'VerifyBackup')[0]?.params), canonical({ action: 'verify', prefix, metadata: true }));
      c.eq('DeleteEnvironment: {Name}', canonical(callsOf(r, 'DeleteEnvironment')[0]?.params), canonical({ Name: f.environmentName }));
      c.eq('latest-verified points at this backup', JSON.parse(world.s3.get(world.config.bucket, `backups/${world.config.environmentName}/latest-verified.json`) ?? '{}').prefix, prefix);
      c.ok('manifest and metadata files written', world.s3.get(world.config.bucket, `${prefix}manifest.json`) && world.s3.keys(world.config.bucket, `${prefix}metadata/`).length === 7, world.s3.keys(world.config.bucket, prefix).join(','));
      c.eq('environment gone', world.mwaa.status(f.environmentName), 'GONE');
      if (f.notifyOnSuccess) c.eq('success message', [world.topic.messages[0]?.message?.environment, world.topic.messages[0]?.message?.workflow], [f.environmentName, 'pause']);
      checkInvariants(c, run, r);
      return { records: [r] };
    },
  },
  {
    name: 'pause: environment not found -> already paused',
    kinds: ['pause'],
    async run(machine, c, f) {
      const run = new MwaaRun(machine, f, () => {});
      const r = await run.run('pause-absent');
      c.eq('SUCCEEDED through AlreadyPaused', [r.status, statesVisited(r).includes('AlreadyPaused'), last(statesVisited(r))], ['SUCCEEDED', true, 'Done']);
      c.eq('calls', trace(r), ['AcquireLock', 'GetEnvironment!Mwaa.ResourceNotFoundException', 'ReleaseLock']);
      checkNotCalled(c, r, ['SaveConfiguration', 'TriggerExport', 'VerifyBackup', 'DeleteEnvironment']);
      checkInvariants(c, run, r);
      return { records: [r] };
    },
  },
  {
    name: 'pause: environment DELETED -> already paused',
    kinds: ['pause'],
    async run(machine, c, f) {
      const run = new MwaaRun(machine, f, (w) => w.mwaa.seed(sampleEnvironment(w.config.environmentName, { Status: 'DELETED' })));
      const r = await run.run('pause-deleted');
      c.eq('SUCCEEDED through AlreadyPaused', [r.status, statesVisited(r).includes('AlreadyPaused'), last(statesVisited(r))], ['SUCCEEDED', true, 'Done']);
      c.eq('calls', trace(r), ['AcquireLock', 'GetEnvironment', 'ReleaseLock']);
      checkNotCalled(c, r, ['SaveConfiguration', 'TriggerExport', 'VerifyBackup', 'DeleteEnvironment']);
      checkInvariants(c, run, r);
      return { records: [r] };
    },
  },
  {
    name: 'pause: environment UPDATING -> fails, deletes nothing, notifies',
    kinds: ['pause'],
    async run(machine, c, f) {
      const run = new MwaaRun(machine, f, (w) => w.mwaa.seed(sampleEnvironment(w.config.environmentName, { Status: 'UPDATING' })));
      const r = await run.run('pause-updating');
      checkFailure(c, run, r, { step: ['CheckEnvironmentStatus', 'GetEnvironment'], error: 'EnvironmentNotAvailable', backupPrefix: 'none', causeIncludes: 'UPDATING' });
      c.eq('calls', trace(r), ['AcquireLock', 'GetEnvironment', 'NotifyFailure', 'ReleaseLockAfterFailure']);
      checkNotCalled(c, r, ['SaveConfiguration', 'TriggerExport', 'VerifyBackup', 'DeleteEnvironment']);
      c.eq('environment still UPDATING', run.world.mwaa.status(f.environmentName), 'UPDATING');
      checkInvariants(c, run, r);
      return { records: [r] };
    },
  },
  {
    name: 'pause: export DAG run fails -> no verify, no delete',
    kinds: ['pause'],
    async run(machine, c, f) {
      const run = new MwaaRun(machine, f, (w) => {
        happyPauseConfig(2, 3)(w);
        w.airflow.script.pcdk_export.outcome = 'failed';
      });
      const r = await run.run('pause-export-failed');
      const prefix = callsOf(r, 'SaveConfiguration')[0]?.result?.prefix;
      checkFailure(c, run, r, { step: ['CheckExportRun', 'GetExportRun', 'FailedExport', 'Export'], backupPrefix: prefix, causeIncludes: 'failed' });
      c.eq('calls', trace(r), ['AcquireLock', 'GetEnvironment', 'SaveConfiguration', 'TriggerExport', 'GetExportRun x2', 'NotifyFailure', 'ReleaseLockAfterFailure']);
      checkNotCalled(c, r, ['VerifyBackup', 'DeleteEnvironment']);
      c.eq('environment still AVAILABLE', run.world.mwaa.status(f.environmentName), 'AVAILABLE');
      c.eq('no latest-verified pointer', run.world.s3.get(run.world.config.bucket, `backups/${f.environmentName}/latest-verified.json`), undefined);
      checkInvariants(c, run, r);
      return { records: [r] };
    },
  },
  {
    name: 'pause: export DAG run never finishes -> ExportTimedOut at the poll limit, no delete',
    kinds: ['pause'],
    async run(machine, c, f) {
      const run = new MwaaRun(machine, f, (w) => {
        happyPauseConfig(2, 3)(w);
        w.airflow.script.pcdk_export.outcome = 'never';
      });
      const r = await run.run('pause-export-timeout');
      const prefix = callsOf(r, 'SaveConfiguration')[0]?.result?.prefix;
      checkFailure(c, run, r, { step: ['ExportPollsLeft', 'CheckExportRun', 'GetExportRun', 'FailedExportTimeout', 'Export'], error: 'ExportTimedOut', backupPrefix: prefix });
      const polls = count(r, 'GetExportRun');
      c.ok(`GetExportRun polled up to the limit (${f.limits.export}) and not beyond`, polls >= f.limits.export && polls <= f.limits.export + 1, `${polls} polls`);
      checkNotCalled(c, r, ['VerifyBackup', 'DeleteEnvironment']);
      c.eq('environment still AVAILABLE', run.world.mwaa.status(f.environmentName), 'AVAILABLE');
      checkInvariants(c, run, r);
      return { records: [r], note: `${polls} polls, ${r.waitedSeconds / 60} min waited` };
    },
  },
  {
    name: 'pause: manifest does not match the files -> VerifyBackup fails, no delete',
    kinds: ['pause'],
    async run(machine, c, f) {
      const run = new MwaaRun(machine, f, (w) => {
        happyPauseConfig(2, 3)(w);
        const exportDag = w.airflow.onSuccess.pcdk_export;
        w.airflow.onSuccess.pcdk_export = (conf, name) => {
          exportDag(conf, name);
          w.tamper(conf.prefix);
        };
      });
      const r = await run.run('pause-manifest-mismatch');
      const prefix = callsOf(r, 'SaveConfiguration')[0]?.result?.prefix;
      checkFailure(c, run, r, { step: 'VerifyBackup', error: 'BackupVerificationFailed', backupPrefix: prefix, causeIncludes: 'dag_run.jsonl' });
      c.eq('VerifyBackup called once (BackupVerificationFailed is not retried)', count(r, 'VerifyBackup'), 1);
      checkNotCalled(c, r, ['DeleteEnvironment']);
      c.eq('environment still AVAILABLE', run.world.mwaa.status(f.environmentName), 'AVAILABLE');
      c.eq('no latest-verified pointer', run.world.s3.get(run.world.config.bucket, `backups/${f.environmentName}/latest-verified.json`), undefined);
      checkInvariants(c, run, r);
      return { records: [r] };
    },
  },
  {
    name: 'pause: DeleteEnvironment rejected (Mwaa.ValidationException) -> not retried, notifies with the backup',
    kinds: ['pause'],
    async run(machine, c, f) {
      const run = new MwaaRun(machine, f, (w) => {
        happyPauseConfig(2, 3)(w);
        w.mwaa.faults.DeleteEnvironment = ['Mwaa.ValidationException'];
      });
      const r = await run.run('pause-delete-error');
      const prefix = callsOf(r, 'SaveConfiguration')[0]?.result?.prefix;
      checkFailure(c, run, r, { step: 'DeleteEnvironment', error: 'Mwaa.ValidationException', backupPrefix: prefix });
      c.eq('DeleteEnvironment called once', count(r, 'DeleteEnvironment'), 1);
      c.eq('environment still AVAILABLE', run.world.mwaa.status(f.environmentName), 'AVAILABLE');
      c.ok('the verified backup stays the latest', run.world.s3.get(run.world.config.bucket, `backups/${f.environmentName}/latest-verified.json`)?.includes(prefix), 'pointer missing');
      checkInvariants(c, run, r);
      return { records: [r] };
    },
  },
  {
    name: 'pause: transient faults (throttling, Lambda service errors, 500) are retried -> paused',
    kinds: ['pause'],
    async run(machine, c, f) {
      const run = new MwaaRun(machine, f, (w) => {
        happyPauseConfig(1, 1)(w);
        w.mwaa.faults.GetEnvironment = ['Mwaa.ThrottlingException'];
        w.mwaa.faults.DeleteEnvironment = ['Mwaa.InternalServerException'];
        w.taskFaults = { SaveConfiguration: ['Lambda.ServiceException'], VerifyBackup: ['Lambda.TooManyRequestsException'], GetExportRun: ['AirflowUnavailable'] };
      });
      const r = await run.run('pause-transient');
      c.eq('SUCCEEDED', [r.status, last(statesVisited(r))], ['SUCCEEDED', 'Done']);
      const retried = ['GetEnvironment', 'SaveConfiguration', 'GetExportRun', 'VerifyBackup', 'DeleteEnvironment'];
      c.eq(`retried once each: ${retried.join(', ')}`, retried.map((s) => retriesOf(r, s)), retried.map(() => 1));
      c.eq('environment gone', run.world.mwaa.status(f.environmentName), 'GONE');
      checkInvariants(c, run, r);
      return { records: [r] };
    },
  },
  {
    name: 'pause: deletion ends UNAVAILABLE -> fails, notifies with the backup location',
    kinds: ['pause'],
    async run(machine, c, f) {
      const run = new MwaaRun(machine, f, (w) => {
        happyPauseConfig(2, 3)(w);
        w.mwaa.script.deletion = { polls: 2, status: 'UNAVAILABLE', error: { ErrorCode: 'INTERNAL_ERROR', ErrorMessage: 'Deletion could not complete' } };
      });
      const r = await run.run('pause-delete-unavailable');
      const prefix = callsOf(r, 'SaveConfiguration')[0]?.result?.prefix;
      checkFailure(c, run, r, { step: ['CheckDeletion', 'GetEnvironmentAfterDelete', 'FailedDeletion', 'DeleteEnvironment'], backupPrefix: prefix, causeIncludes: 'UNAVAILABLE' });
      c.eq('polled twice, then gave up (no spinning to the timeout)', count(r, 'GetEnvironmentAfterDelete'), 2);
      checkInvariants(c, run, r);
      return { records: [r] };
    },
  },
  {
    name: 'pause: still DELETING at the poll limit -> EnvironmentTimedOut',
    kinds: ['pause'],
    async run(machine, c, f) {
      const run = new MwaaRun(machine, f, (w) => {
        happyPauseConfig(1, 1)(w);
        w.mwaa.script.deletion = { polls: 1e9, gone: true };
      });
      const r = await run.run('pause-delete-timeout');
      const prefix = callsOf(r, 'SaveConfiguration')[0]?.result?.prefix;
      checkFailure(c, run, r, { step: ['DeletionPollsLeft', 'CheckDeletion', 'GetEnvironmentAfterDelete', 'FailedDeletionTimeout', 'DeleteEnvironment'], error: 'EnvironmentTimedOut', backupPrefix: prefix });
      const polls = count(r, 'GetEnvironmentAfterDelete');
      c.ok(`polled up to the limit (${f.limits.deletion}) and not beyond`, polls >= f.limits.deletion && polls <= f.limits.deletion + 1, `${polls} polls`);
      checkInvariants(c, run, r);
      return { records: [r] };
    },
  },
  {
    name: 'pause: lock held by a resume -> LockHeld, notified, nothing touched, not released',
    kinds: ['pause'],
    async run(machine, c, f) {
      const run = new MwaaRun(machine, f, (w) => {
        happyPauseConfig(1, 1)(w);
        otherLock(w, 'resume');
      });
      const r = await run.run('pause-locked');
      c.eq('FAILED in LockHeld', [r.status, last(statesVisited(r))], ['FAILED', 'LockHeld']);
      c.eq('calls', trace(r), ['AcquireLock!LockHeld', 'NotifyLockHeld']);
      const m = failureMessages(run.world, r)[0]?.message ?? {};
      c.eq('message: step AcquireLock, error LockHeld', [m.step, m.error], ['AcquireLock', 'LockHeld']);
      c.eq('the other execution still holds the lock', run.world.locks.items.get(f.environmentName)?.owner, OTHER_OWNER);
      c.eq('environment untouched', run.world.mwaa.status(f.environmentName), 'AVAILABLE');
      checkInvariants(c, run, r, { lockHeld: true });
      return { records: [r] };
    },
  },
  {
    name: 'pause: Airflow 3.0.6 without AllowPauseWithoutMetadata -> refuses before deleting anything',
    kinds: ['pause'],
    applies: (f) => !f.allowPauseWithoutMetadata,
    async run(machine, c, f) {
      const run = new MwaaRun(machine, f, (w) => w.mwaa.seed(sampleEnvironment(w.config.environmentName, { AirflowVersion: '3.0.6' })));
      const r = await run.run('pause-airflow3');
      const prefix = callsOf(r, 'SaveConfiguration')[0]?.result?.prefix;
      checkFailure(c, run, r, { step: ['RouteExport', 'SaveConfiguration', 'FailedUnsupportedVersion'], backupPrefix: prefix, causeIncludes: 'Airflow 3.0.6' });
      c.eq('calls', trace(r), ['AcquireLock', 'GetEnvironment', 'SaveConfiguration', 'NotifyFailure', 'ReleaseLockAfterFailure']);
      checkNotCalled(c, r, ['TriggerExport', 'VerifyBackup', 'DeleteEnvironment']);
      c.eq('environment still AVAILABLE', run.world.mwaa.status(f.environmentName), 'AVAILABLE');
      checkInvariants(c, run, r);
      return { records: [r] };
    },
  },
  {
    name: 'pause: Airflow 3.0.6 with AllowPauseWithoutMetadata -> configuration-only pause (verify metadata:false, then delete)',
    kinds: ['pause'],
    applies: (f) => f.allowPauseWithoutMetadata,
    async run(machine, c, f) {
      const run = new MwaaRun(machine, f, (w) => {
        w.mwaa.seed(sampleEnvironment(w.config.environmentName, { AirflowVersion: '3.0.6' }));
        w.mwaa.script.deletion = { polls: 2, gone: true };
      });
      const r = await run.run('pause-config-only');
      const prefix = callsOf(r, 'SaveConfiguration')[0]?.result?.prefix;
      c.eq('SUCCEEDED', [r.status, last(statesVisited(r))], ['SUCCEEDED', 'Done']);
      c.eq('calls', trace(r), ['AcquireLock', 'GetEnvironment', 'SaveConfiguration', 'VerifyBackup', 'DeleteEnvironment', ...deletionTrace(2), ...(f.notifyOnSuccess ? ['NotifySuccess'] : []), 'ReleaseLock']);
      c.eq('VerifyBackup with metadata false', canonical(callsOf(r, 'VerifyBackup')[0]?.params), canonical({ action: 'verify', prefix, metadata: false }));
      checkNotCalled(c, r, ['TriggerExport', 'GetExportRun']);
      c.eq('latest-verified: metadata false', JSON.parse(run.world.s3.get(run.world.config.bucket, `backups/${f.environmentName}/latest-verified.json`) ?? '{}').metadata, false);
      checkInvariants(c, run, r);
      return { records: [r] };
    },
  },

  // ---------------- resume ----------------
  {
    name: 'resume: happy path (load, create, import, update when UpdateAfterRestore)',
    kinds: ['resume'],
    async run(machine, c, f) {
      let saved;
      const run = new MwaaRun(machine, f, (w) => {
        saved = seedBackup(w);
        w.mwaa.script.creation = { polls: 3, status: 'AVAILABLE' };
        w.airflow.script.pcdk_import.polls = 2;
      });
      const r = await run.run('resume-happy');
      const { world } = run;
      c.eq('SUCCEEDED in Done', [r.status, last(statesVisited(r))], ['SUCCEEDED', 'Done']);
      c.eq('calls', trace(r), ['AcquireLock', 'GetEnvironment!Mwaa.ResourceNotFoundException', 'LoadBackup', 'CreateEnvironment', 'GetEnvironmentAfterCreate x3', 'TriggerImport', 'GetImportRun x2',
        ...(f.updateAfterRestore ? ['UpdateEnvironment', 'GetEnvironmentAfterUpdate x2'] : []), ...(f.notifyOnSuccess ? ['NotifySuccess'] : []), 'ReleaseLock']);
      const request = JSON.parse(world.s3.get(world.config.bucket, `${saved.prefix}environment.json`)).request;
      const sent = Object.fromEntries(Object.entries(callsOf(r, 'CreateEnvironment')[0]?.params ?? {}).filter(([, v]) => v !== null));
      c.eq('CreateEnvironment = the saved request (all 25 members passed through)', canonical(sent), canonical(request));
      c.eq('CreateEnvironment passes exactly the 25 members (null when absent)', Object.keys(callsOf(r, 'CreateEnvironment')[0]?.params ?? {}).sort(), [...REQUEST_FIELDS].sort());
      c.eq('TriggerImport: pcdk_import with the catalog\'s runId and importConf', canonical(callsOf(r, 'TriggerImport')[0]?.params), canonical({ action: 'trigger', dagId: 'pcdk_import', runId: `pcdk-i-${saved.backupId}`, conf: { bucket: world.config.bucket, prefix: saved.prefix } }));
      c.eq('environment AVAILABLE, metadata imported from the backup', [world.mwaa.status(f.environmentName), world.airflow.instance(f.environmentName).imported], ['AVAILABLE', saved.prefix]);
      if (f.updateAfterRestore) {
        const u = callsOf(r, 'UpdateEnvironment')[0]?.params ?? {};
        c.eq('UpdateEnvironment: Name + the saved plugins path/version', [u.Name, u.PluginsS3Path, u.PluginsS3ObjectVersion], [f.environmentName, request.PluginsS3Path, request.PluginsS3ObjectVersion]);
      } else checkNotCalled(c, r, ['UpdateEnvironment']);
      checkInvariants(c, run, r);
      return { records: [r] };
    },
  },
  {
    name: 'resume: environment AVAILABLE -> already running',
    kinds: ['resume'],
    async run(machine, c, f) {
      const run = new MwaaRun(machine, f, (w) => {
        seedBackup(w);
        w.mwaa.seed(sampleEnvironment(w.config.environmentName));
      });
      const r = await run.run('resume-running');
      c.eq('SUCCEEDED through AlreadyRunning', [r.status, statesVisited(r).includes('AlreadyRunning'), last(statesVisited(r))], ['SUCCEEDED', true, 'Done']);
      c.eq('calls', trace(r), ['AcquireLock', 'GetEnvironment', 'ReleaseLock']);
      checkNotCalled(c, r, ['LoadBackup', 'CreateEnvironment', 'TriggerImport']);
      checkInvariants(c, run, r);
      return { records: [r] };
    },
  },
  {
    name: 'resume: environment still listed as DELETED -> recreated',
    kinds: ['resume'],
    async run(machine, c, f) {
      const run = new MwaaRun(machine, f, (w) => {
        seedBackup(w);
        w.mwaa.seed(sampleEnvironment(w.config.environmentName, { Status: 'DELETED' }));
        w.mwaa.script.creation = { polls: 1, status: 'AVAILABLE' };
        w.airflow.script.pcdk_import.polls = 1;
        w.mwaa.script.update = { polls: 1, status: 'AVAILABLE' };
      });
      const r = await run.run('resume-deleted');
      c.eq('SUCCEEDED', [r.status, last(statesVisited(r))], ['SUCCEEDED', 'Done']);
      c.eq('LoadBackup then CreateEnvironment', [count(r, 'LoadBackup'), count(r, 'CreateEnvironment')], [1, 1]);
      c.eq('environment AVAILABLE', run.world.mwaa.status(f.environmentName), 'AVAILABLE');
      checkInvariants(c, run, r);
      return { records: [r] };
    },
  },
  {
    name: 'resume: CREATE_FAILED -> fails fast (no spinning to the timeout), notifies the environment\'s error',
    kinds: ['resume'],
    async run(machine, c, f) {
      let saved;
      const message = 'The subnets subnet-0a1b2c3d have no route to Amazon S3';
      const run = new MwaaRun(machine, f, (w) => {
        saved = seedBackup(w);
        w.mwaa.script.creation = { polls: 2, status: 'CREATE_FAILED', error: { ErrorCode: 'INCORRECT_CONFIGURATION', ErrorMessage: message } };
      });
      const r = await run.run('resume-create-failed');
      checkFailure(c, run, r, { step: ['CheckCreation', 'GetEnvironmentAfterCreate', 'FailedCreation', 'CreateEnvironment'], backupPrefix: saved.prefix, causeIncludes: message });
      const polls = count(r, 'GetEnvironmentAfterCreate');
      c.ok('1-2 polls, not the timeout', polls >= 1 && polls <= 2, `${polls} polls`);
      c.ok('failure message carries the status CREATE_FAILED', JSON.stringify(failureMessages(run.world, r)[0]?.message).includes('CREATE_FAILED'), failureMessages(run.world, r)[0]?.text);
      checkNotCalled(c, r, ['TriggerImport', 'UpdateEnvironment', 'DeleteEnvironment']);
      checkInvariants(c, run, r);
      return { records: [r], note: `${polls} polls` };
    },
  },
  {
    name: 'resume: UNAVAILABLE after create with no LastUpdate.Error -> still fails fast and notifies',
    kinds: ['resume'],
    async run(machine, c, f) {
      let saved;
      const run = new MwaaRun(machine, f, (w) => {
        saved = seedBackup(w);
        w.mwaa.script.creation = { polls: 1, status: 'UNAVAILABLE' };
      });
      const r = await run.run('resume-unavailable-no-detail');
      checkFailure(c, run, r, { step: ['CheckCreation', 'GetEnvironmentAfterCreate', 'FailedCreation', 'CreateEnvironment'], backupPrefix: saved.prefix, causeIncludes: 'UNAVAILABLE' });
      c.eq('one poll', count(r, 'GetEnvironmentAfterCreate'), 1);
      checkNotCalled(c, r, ['TriggerImport']);
      checkInvariants(c, run, r);
      return { records: [r] };
    },
  },
  {
    name: 'resume: CreateEnvironment rejected (a saved plugins version is gone) -> not retried, notifies',
    kinds: ['resume'],
    async run(machine, c, f) {
      let saved;
      const run = new MwaaRun(machine, f, (w) => {
        saved = seedBackup(w);
        w.dagBucket.removeVersion('plugins.zip', 'plugins-v3');
      });
      const r = await run.run('resume-create-rejected');
      checkFailure(c, run, r, { step: 'CreateEnvironment', error: 'Mwaa.ValidationException', backupPrefix: saved.prefix, causeIncludes: 'plugins-v3' });
      c.eq('CreateEnvironment called once', count(r, 'CreateEnvironment'), 1);
      checkNotCalled(c, r, ['GetEnvironmentAfterCreate', 'TriggerImport']);
      checkInvariants(c, run, r);
      return { records: [r] };
    },
  },
  {
    name: 'resume: import DAG run fails -> notifies, environment kept',
    kinds: ['resume'],
    async run(machine, c, f) {
      let saved;
      const run = new MwaaRun(machine, f, (w) => {
        saved = seedBackup(w);
        w.mwaa.script.creation = { polls: 1, status: 'AVAILABLE' };
        w.airflow.script.pcdk_import.outcome = 'failed';
      });
      const r = await run.run('resume-import-failed');
      checkFailure(c, run, r, { step: ['CheckImportRun', 'GetImportRun', 'FailedImport', 'Import'], backupPrefix: saved.prefix, causeIncludes: 'failed' });
      c.eq('calls', trace(r), ['AcquireLock', 'GetEnvironment!Mwaa.ResourceNotFoundException', 'LoadBackup', 'CreateEnvironment', 'GetEnvironmentAfterCreate', 'TriggerImport', 'GetImportRun x2', 'NotifyFailure', 'ReleaseLockAfterFailure']);
      c.eq('environment AVAILABLE (kept for inspection)', run.world.mwaa.status(f.environmentName), 'AVAILABLE');
      checkNotCalled(c, r, ['UpdateEnvironment']);
      checkInvariants(c, run, r);
      return { records: [r] };
    },
  },
  {
    name: 'resume: import DAG not parsed yet (DagNotFound twice) -> retried, resumed',
    kinds: ['resume'],
    async run(machine, c, f) {
      const run = new MwaaRun(machine, f, (w) => {
        seedBackup(w);
        w.mwaa.script.creation = { polls: 1, status: 'AVAILABLE' };
        w.mwaa.script.update = { polls: 1, status: 'AVAILABLE' };
        w.airflow.script.pcdk_import = { outcome: 'success', polls: 1, dagNotFound: 2 };
      });
      const r = await run.run('resume-dag-not-parsed');
      c.eq('SUCCEEDED', [r.status, last(statesVisited(r))], ['SUCCEEDED', 'Done']);
      c.eq('TriggerImport retried twice', retriesOf(r, 'TriggerImport'), 2);
      c.eq('imported', run.world.airflow.instance(f.environmentName).imported !== undefined, true);
      checkInvariants(c, run, r);
      return { records: [r] };
    },
  },
  {
    name: 'resume: lock held by a pause -> LockHeld, nothing created, not released',
    kinds: ['resume'],
    async run(machine, c, f) {
      const run = new MwaaRun(machine, f, (w) => {
        seedBackup(w);
        otherLock(w, 'pause');
      });
      const r = await run.run('resume-locked');
      c.eq('FAILED in LockHeld', [r.status, last(statesVisited(r))], ['FAILED', 'LockHeld']);
      c.eq('calls', trace(r), ['AcquireLock!LockHeld', 'NotifyLockHeld']);
      c.eq('the pause still holds the lock', run.world.locks.items.get(f.environmentName)?.owner, OTHER_OWNER);
      checkInvariants(c, run, r, { lockHeld: true });
      return { records: [r] };
    },
  },
  {
    name: 'resume: no verified backup -> NoVerifiedBackup, nothing created',
    kinds: ['resume'],
    async run(machine, c, f) {
      const run = new MwaaRun(machine, f, () => {});
      const r = await run.run('resume-no-backup');
      checkFailure(c, run, r, { step: 'LoadBackup', error: 'NoVerifiedBackup', backupPrefix: 'none' });
      checkNotCalled(c, r, ['CreateEnvironment']);
      checkInvariants(c, run, r);
      return { records: [r] };
    },
  },
  {
    name: 'resume: configuration-only backup (metadata false) -> created, no import',
    kinds: ['resume'],
    async run(machine, c, f) {
      const run = new MwaaRun(machine, f, (w) => {
        seedBackup(w, { metadata: false, environment: sampleEnvironment(w.config.environmentName, { AirflowVersion: '3.0.6' }) });
        w.mwaa.script.creation = { polls: 1, status: 'AVAILABLE' };
        w.mwaa.script.update = { polls: 1, status: 'AVAILABLE' };
      });
      const r = await run.run('resume-config-only');
      c.eq('SUCCEEDED', [r.status, last(statesVisited(r))], ['SUCCEEDED', 'Done']);
      checkNotCalled(c, r, ['TriggerImport', 'GetImportRun']);
      c.eq('environment AVAILABLE', run.world.mwaa.status(f.environmentName), 'AVAILABLE');
      checkInvariants(c, run, r);
      return { records: [r] };
    },
  },
  {
    name: 'resume: environment UPDATING -> not resumable, nothing created',
    kinds: ['resume'],
    async run(machine, c, f) {
      const run = new MwaaRun(machine, f, (w) => {
        seedBackup(w);
        w.mwaa.seed(sampleEnvironment(w.config.environmentName, { Status: 'UPDATING' }));
      });
      const r = await run.run('resume-updating');
      checkFailure(c, run, r, { step: ['CheckEnvironmentStatus', 'GetEnvironment'], backupPrefix: 'none', causeIncludes: 'UPDATING' });
      checkNotCalled(c, r, ['LoadBackup', 'CreateEnvironment']);
      checkInvariants(c, run, r);
      return { records: [r] };
    },
  },
  {
    name: 'resume: UpdateAfterRestore, update ends UPDATE_FAILED -> fails, notifies the environment\'s error',
    kinds: ['resume'],
    applies: (f) => f.updateAfterRestore,
    async run(machine, c, f) {
      let saved;
      const run = new MwaaRun(machine, f, (w) => {
        saved = seedBackup(w);
        w.mwaa.script.creation = { polls: 1, status: 'AVAILABLE' };
        w.airflow.script.pcdk_import.polls = 1;
        w.mwaa.script.update = { polls: 2, status: 'UPDATE_FAILED', error: { ErrorCode: 'PLUGINS_FAILED', ErrorMessage: 'plugins.zip could not be installed' } };
      });
      const r = await run.run('resume-update-failed');
      checkFailure(c, run, r, { step: ['CheckUpdate', 'GetEnvironmentAfterUpdate', 'FailedUpdate', 'UpdateEnvironment'], backupPrefix: saved.prefix, causeIncludes: 'plugins.zip could not be installed' });
      c.eq('polled twice', count(r, 'GetEnvironmentAfterUpdate'), 2);
      checkInvariants(c, run, r);
      return { records: [r] };
    },
  },
];

function reachesAny(definition, from, targets) {
  return targets.some((t) => reaches(definition, from, t));
}

/** Runs every scenario for one definition: [{ name, applicable, checks, failures, ms, trace, note }]. */
export async function runMwaaScenarios(machine, facts = describeMwaaWorkflow(machine)) {
  const out = [];
  for (const s of MWAA_SCENARIOS) {
    if (!s.kinds.includes(facts.kind)) continue;
    if (s.applies && !s.applies(facts)) {
      out.push({ name: s.name, applicable: false, checks: 0, failures: [], ms: 0, records: [] });
      continue;
    }
    const c = new Checks();
    const t0 = Date.now();
    let result = {};
    try {
      result = await s.run(machine, c, facts);
    } catch (e) {
      c.ok('scenario ran', false, e.stack ?? String(e));
    }
    const r = result?.records?.[0];
    out.push({ name: s.name, applicable: true, checks: c.results.length, failures: c.failures, ms: Date.now() - t0, trace: r ? trace(r) : undefined, status: r?.status, transitions: r ? transitions(r) : undefined, note: result?.note, records: result?.records ?? [] });
  }
  return out;
}

/**
 * State transitions (StateEntered + StateRetried, as lib/metrics.mjs counts them) of one happy pause or resume with
 * modelled durations: export and import 10 min, deletion 20 min, creation 30 min, update 20 min (assumptions; design
 * brief: create/delete ~20-30 min unverified, update ~20 min), polled every PollInterval (the definition's Wait).
 */
export const MODEL_MINUTES = { export: 10, deletion: 20, creation: 30, import: 10, update: 20 };

export async function measureCycle(machine, facts = describeMwaaWorkflow(machine)) {
  const loops = facts.kind === 'pause' ? ['export', 'deletion'] : ['creation', 'import', ...(facts.updateAfterRestore ? ['update'] : [])];
  const modelled = Object.fromEntries(loops.map((l) => [l, Math.max(1, Math.ceil((MODEL_MINUTES[l] * 60) / (facts.pollSeconds || 60)))]));
  const measure = async (polls, name) => {
    let run;
    if (facts.kind === 'pause') {
      run = new MwaaRun(machine, facts, happyPauseConfig(polls.export, polls.deletion));
    } else {
      run = new MwaaRun(machine, facts, (w) => {
        seedBackup(w);
        w.mwaa.script.creation = { polls: polls.creation, status: 'AVAILABLE' };
        w.airflow.script.pcdk_import.polls = polls.import;
        w.mwaa.script.update = { polls: polls.update ?? 1, status: 'AVAILABLE' };
      });
    }
    const r = await run.run(name);
    if (r.status !== 'SUCCEEDED') throw new Error(`measurement ${name} ended ${r.status}: ${JSON.stringify(r.error)}`);
    return r;
  };
  const r = await measure(modelled, `${facts.kind}-measure`);
  // The same run with one more poll in every loop: the marginal transitions of one poll.
  const more = await measure(Object.fromEntries(loops.map((l) => [l, modelled[l] + 1])), `${facts.kind}-measure-plus-one`);
  return {
    transitions: transitions(r),
    history: historyEvents(r),
    polls: modelled,
    waitedMinutes: r.waitedSeconds / 60,
    perPoll: (transitions(more) - transitions(r)) / loops.length,
    fixed: transitions(r) - ((transitions(more) - transitions(r)) / loops.length) * Object.values(modelled).reduce((a, b) => a + b, 0),
    records: [r, more],
  };
}

/**
 * A whole cycle on one world: the pause workflow saves, exports, verifies and deletes; the resume workflow then
 * recreates the environment from exactly that backup and imports its metadata. Checks that the two definitions
 * agree (environment, backup bucket) and that the environment comes back with its configuration (minus aws: tags).
 * Returns { checks, failures, transitions: {pause, resume}, traces }.
 */
export async function runCycle(pauseMachine, resumeMachine) {
  const c = new Checks();
  const pf = describeMwaaWorkflow(pauseMachine);
  const rf = describeMwaaWorkflow(resumeMachine);
  const out = { checks: 0, failures: [], transitions: {}, traces: {}, records: [] };
  try {
    c.eq('pause and resume manage the same environment', rf.environmentName, pf.environmentName);
    const original = sampleEnvironment(pf.environmentName);
    const pause = new MwaaRun(pauseMachine, pf, (w) => {
      w.mwaa.seed(original);
      w.airflow.script.pcdk_export.polls = 3;
      w.mwaa.script.deletion = { polls: 4, gone: true };
      w.mwaa.script.creation = { polls: 5, status: 'AVAILABLE' };
      w.airflow.script.pcdk_import.polls = 3;
      w.mwaa.script.update = { polls: 2, status: 'AVAILABLE' };
    });
    const world = pause.world;
    const p = await pause.run('cycle-pause');
    c.eq('pause SUCCEEDED, environment gone', [p.status, world.mwaa.status(pf.environmentName)], ['SUCCEEDED', 'GONE']);
    const saved = callsOf(p, 'SaveConfiguration')[0]?.result;
    const resume = new MwaaRun(resumeMachine, rf, () => {}, world);
    c.eq('resume reads the backup bucket the pause wrote to (the functions\' BACKUP_BUCKET)', resume.world.config.bucket, new MwaaWorld({ environmentName: rf.environmentName, functionEnv: rf.functionEnv }).config.bucket);
    const r = await resume.run('cycle-resume');
    c.eq('resume SUCCEEDED, environment AVAILABLE', [r.status, world.mwaa.status(rf.environmentName)], ['SUCCEEDED', 'AVAILABLE']);
    c.eq('resume loaded the backup the pause verified', callsOf(r, 'LoadBackup')[0]?.result?.prefix, saved?.prefix);
    const expected = Object.fromEntries(REQUEST_FIELDS.filter((k) => original[k] !== undefined).map((k) => [k, structuredClone(original[k])]));
    expected.Tags = Object.fromEntries(Object.entries(original.Tags).filter(([k]) => !k.toLowerCase().startsWith('aws:')));
    expected.LoggingConfiguration = Object.fromEntries(Object.entries(original.LoggingConfiguration).map(([k, v]) => [k, { Enabled: v.Enabled, LogLevel: v.LogLevel }]));
    c.eq('the recreated environment got the original configuration (aws: tags and output-only fields left out)', canonical(world.mwaa.created), canonical(expected));
    c.eq('its metadata was imported from that backup', world.airflow.instance(rf.environmentName).imported, saved?.prefix);
    c.eq('no failure message; the lock is free', [world.topic.messages.filter((m) => FAILURE_NOTIFIERS.includes(m.state)).length, world.locks.items.size], [0, 0]);
    out.transitions = { pause: transitions(p), resume: transitions(r) };
    out.traces = { pause: trace(p), resume: trace(r) };
    out.records = [p, r];
  } catch (e) {
    c.ok('cycle ran', false, e.stack ?? String(e));
  }
  out.checks = c.results.length;
  out.failures = c.failures;
  return out;
}
