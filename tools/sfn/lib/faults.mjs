// Seeded fault injection for the conservation runs (issue 15). One FaultInjector per run: every service call the
// workflows make (an attempt: the Task's own call, or a call a handler makes inside its Lambda) asks `decide(service,
// op)`; with probability `rate` it gets a fault, else null. A fault is one of four kinds:
//   throttle  the service refused the call (nothing happened), in the service's own throttling error name
//   5xx       the service failed the call (nothing happened), in its server-error name
//   timeout   no answer in time (nothing happened): States.Timeout at a Task, the SDK's timeout inside a handler
//   after     the call TOOK EFFECT, but the caller saw an error (one of the three above) — a lost response
// Error names are those Step Functions surfaces (Task level) or the handler's SDK raises (inside a Lambda), per service
// below. Everything comes from one PRNG stream seeded by `seed` (a string or number): the same seed and the same
// sequence of calls give the same faults, so a failing run replays with its seed.

import { StatesTimeout } from './states-timeout.mjs';

/** Error names per service and kind. `task`: surfaced to the state machine; `inner`: raised inside a handler. */
export const SERVICES = {
  // aws-sdk:mwaa:* Tasks (Get/Create/Delete/UpdateEnvironment): the AWS SDK integration's `Mwaa.<Exception>` names.
  mwaa: { task: true, throttle: 'Mwaa.ThrottlingException', '5xx': 'Mwaa.InternalServerException', timeout: 'States.Timeout' },
  // sns:publish Tasks (optimized integration): `SNS.<Exception>`.
  sns: { task: true, throttle: 'SNS.ThrottledException', '5xx': 'SNS.InternalErrorException', timeout: 'States.Timeout' },
  // The Lambda service around every Lambda Task (plain function ARN): throttled invokes, service errors, the Task's
  // TimeoutSeconds. A throttled invoke never runs the function, so `after` never carries the throttle.
  lambda: { task: true, throttle: 'Lambda.TooManyRequestsException', '5xx': 'Lambda.ServiceException', timeout: 'States.Timeout', afterKinds: ['5xx', 'timeout'] },
  // MWAA InvokeRestApi inside the DagRuns function: DagRunErrors maps MWAA throttling, RestApiServerException (5xx)
  // and the 12 s timeout to AirflowUnavailable; the raw names are kept for the tally.
  invokeRestApi: { throttle: 'Mwaa.ThrottlingException', '5xx': 'RestApiServerException', timeout: 'TaskCanceledException', surfaced: 'AirflowUnavailable' },
  // S3 inside the BackupCatalog function (AWSSDK.S3) and the export DAG (boto3): 503 SlowDown, 500 InternalError.
  s3: { throttle: 'AmazonS3Exception', '5xx': 'AmazonS3Exception', timeout: 'TaskCanceledException', sdkAttempts: 3 },
  // DynamoDB inside the Lock function (AWSSDK.DynamoDBv2).
  dynamodb: { throttle: 'ProvisionedThroughputExceededException', '5xx': 'InternalServerErrorException', timeout: 'TaskCanceledException', sdkAttempts: 3 },
};
export const KINDS = ['throttle', '5xx', 'timeout', 'after'];

/** mulberry32 over a 32-bit hash of the seed: small, fast, and the same in every Node version. */
export function prng(seed) {
  let h = 2166136261 >>> 0;
  for (const ch of String(seed)) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  let a = h || 1;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An error as Step Functions or the handler surfaces it (`name` is what Retry/Catch match). */
export function faultError(fault, message) {
  // A Task's States.Timeout must be the library's own class: its Retry/Catch never let States.TaskFailed match it.
  const e = fault.error === 'States.Timeout' ? new StatesTimeout() : new Error();
  e.message = message ?? `${fault.error}: injected ${fault.kind} fault on ${fault.service} ${fault.op}`;
  e.name = fault.error;
  e.injected = fault;
  return e;
}

export class FaultInjector {
  /**
   * @param seed   the run's seed
   * @param rate   probability of a fault per call (0..1)
   * @param kinds  the kinds drawn from (default all four, equally likely)
   */
  constructor({ seed, rate, kinds = KINDS } = {}) {
    if (!(rate >= 0 && rate <= 1)) throw new Error(`fault rate must be between 0 and 1, got ${rate}`);
    this.seed = seed;
    this.rate = rate;
    this.kinds = kinds;
    this.random = prng(seed);
    this.calls = 0;
    this.faults = 0;
    this.byKind = Object.fromEntries(KINDS.map((k) => [k, 0]));
    this.byService = {};
    this.log = []; // every fault: { n, service, op, kind, error }
    this.enabled = true;
  }

  /** A uniform draw from the run's stream (also used for the environments, so one seed fixes the whole run). */
  next() {
    return this.random();
  }

  pick(list) {
    return list[Math.floor(this.random() * list.length)];
  }

  /** One call of `service` (`op` for the tally): a fault `{ service, op, kind, error, when }` or null. */
  decide(service, op) {
    const spec = SERVICES[service];
    if (!spec) throw new Error(`unknown service ${service}`);
    if (!this.enabled) return null;
    this.calls++;
    const s = (this.byService[service] ??= { calls: 0, faults: 0, ...Object.fromEntries(KINDS.map((k) => [k, 0])) });
    s.calls++;
    if (this.random() >= this.rate) return null;
    const kind = this.pick(this.kinds);
    const shown = kind === 'after' ? this.pick(spec.afterKinds ?? ['throttle', '5xx', 'timeout']) : kind;
    const fault = { n: this.calls, service, op, kind, error: spec[shown], when: kind === 'after' ? 'after' : 'before' };
    this.faults++;
    this.byKind[kind]++;
    s.faults++;
    s[kind]++;
    this.log.push(fault);
    return fault;
  }

  summary() {
    return { seed: this.seed, rate: this.rate, calls: this.calls, faults: this.faults, byKind: { ...this.byKind }, byService: structuredClone(this.byService) };
  }
}

/**
 * One SDK call inside a handler, with the SDK's own retries (standard mode: `sdkAttempts` attempts): each attempt may
 * get a fault; `before` faults leave no effect, `after` faults run `effect` and then fail the attempt. When every attempt
 * failed, the last fault's error escapes the handler (its errorType). Returns the effect's result.
 */
export function sdkCall(injector, service, op, effect) {
  const attempts = SERVICES[service].sdkAttempts ?? 1;
  let fault;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    fault = injector.decide(service, op);
    if (!fault) return effect();
    if (fault.when === 'after') effect();
  }
  throw faultError(fault, `${fault.error}: ${service} ${op} failed ${attempts} time(s) (last: injected ${fault.kind})`);
}
