// Test doubles for every Task of the orchestrator, implementing the input/output shapes of
// docs/ApiPoller-contract.md against the in-memory World. They model the handlers' documented behaviour
// (planning, time-boxed batch fetching, in-Lambda partner retries, monotonic progress writes) — the real
// handlers are tested in the .NET test projects; here they only have to be faithful enough that the
// workflow definition is exercised through every path.

import { PAGE_STATE } from './progress-table.mjs';

/** An error as Step Functions surfaces it: `name` is what Retry/Catch `ErrorEquals` match. */
export function stepError(name, message = name) {
  const e = new Error(message);
  e.name = name;
  return e;
}

const pageKey = (jobId, page) => `jobs/${jobId}/pages/${String(page).padStart(9, '0')}.json`;

/** Milliseconds actually slept per virtual second, so a Retry-After shows as a longer (but still fast) task. */
export const MS_PER_VIRTUAL_SECOND = 4;
const sleepVirtual = async (world, seconds, record) => {
  world.virtualSeconds += seconds;
  world.spend(record, seconds);
  await new Promise((r) => setTimeout(r, seconds * MS_PER_VIRTUAL_SECOND));
};

/**
 * Fetches one page the way PageFetcher / CursorFetcher do: 5xx retried with exponential backoff, 429 honouring
 * Retry-After (bounded by maxRetryAfterSeconds), other 4xx not retried. Saves, enqueues, records progress.
 * Returns { ok, body } or { ok: false, failure }.
 */
async function fetchPage(world, source, jobId, page, record) {
  const partner = world.partners[source.name];
  for (let attempt = 1; ; attempt++) {
    const res = partner.respond(page);
    if (res.status === 200) {
      const key = pageKey(jobId, page);
      const body = JSON.stringify(res.body);
      world.s3.put(world.payloadBucket, key, body);
      world.table.transitionPage(jobId, page, PAGE_STATE.SAVED);
      world.queue.send({ jobId, source: source.name, page, bucket: world.payloadBucket, key, bytes: body.length }, { jobId, taskId: `${jobId}/${page}`, source: source.name });
      world.table.transitionPage(jobId, page, PAGE_STATE.ENQUEUED);
      return { ok: true, body: res.body };
    }
    const retryable = res.status === 429 || res.status >= 500;
    if (!retryable || attempt >= source.maxAttempts) {
      const failure = res.status === 429 ? 'Throttled' : res.status >= 500 ? `ServerError:${res.status}` : `ClientError:${res.status}`;
      world.table.transitionPage(jobId, page, PAGE_STATE.FETCH_FAILED, failure);
      return { ok: false, failure };
    }
    const wait = res.status === 429 && res.retryAfter !== undefined ? Math.min(res.retryAfter, source.maxRetryAfterSeconds) : 0.2 * 2 ** (attempt - 1);
    await sleepVirtual(world, wait, record);
  }
}

/** JobPlanner: register + plan. Input `{input, executionId}`, output the contract's `plan`. */
export function jobPlanner(world, { pagesPerBatch }) {
  return async ({ input }) => {
    const jobId = input.jobId;
    const job = world.table.job(jobId);
    if (!job) throw stepError('BadInput', `unknown job ${jobId}`);
    if (job.status !== 'REQUESTED') return { jobId, source: job.source, mode: 'duplicate', totalPages: job.totalPages ?? null, manifestBucket: world.payloadBucket, manifestKey: `jobs/${jobId}/plan.json`, maxConcurrency: 1, pagesPerBatch };
    const source = world.sources[job.source];
    if (!source) throw stepError('BadInput', `unknown source ${job.source}`);
    world.table.updateJob(jobId, 'REQUESTED', { status: 'PLANNING', startedAt: '2024-01-01T00:00:01Z' });
    const partner = world.partners[source.name];
    let mode;
    let totalPages = null;
    if (source.pagination === 'Cursor') {
      mode = 'cursor';
    } else {
      partner.respond(source.firstPage ?? 1); // the planner reads totalField from the first page
      totalPages = Math.min(partner.totalPages, source.maxPages);
      mode = totalPages === 0 ? 'empty' : 'fanout';
    }
    const manifestKey = `jobs/${jobId}/plan.json`;
    if (mode === 'fanout') world.s3.put(world.payloadBucket, manifestKey, JSON.stringify(Array.from({ length: totalPages }, (_, i) => ({ page: i + 1 }))));
    world.table.updateJob(jobId, 'PLANNING', { status: 'FETCHING', ...(totalPages === null ? {} : { totalPages }) });
    return { jobId, source: source.name, mode, totalPages, manifestBucket: world.payloadBucket, manifestKey, maxConcurrency: source.maxConcurrency, pagesPerBatch };
  };
}

/** The handler's FinishReserve: the time box ends this long before the deadline. */
const FINISH_RESERVE_SECONDS = 3;

/** The batch's deadline (ms since the epoch) from the payload's budget fields, as PageFetcher.Deadline reads it. */
function batchDeadline(startedAt, budgetSeconds) {
  if (startedAt === undefined && budgetSeconds === undefined) return undefined;
  if (startedAt === undefined || budgetSeconds === undefined) throw stepError('BadInput', 'batchStartedAt and batchBudgetSeconds come together');
  if (!(budgetSeconds >= 1 && budgetSeconds <= 300)) throw stepError('BadInput', 'batchBudgetSeconds must be between 1 and 300');
  const start = Date.parse(startedAt);
  if (Number.isNaN(start)) throw stepError('BadInput', `batchStartedAt is not a timestamp: ${startedAt}`);
  return start + budgetSeconds * 1000;
}

/**
 * PageFetcher: `{Items, BatchInput, batchStartedAt, batchBudgetSeconds}` -> `{fetched, failed, remaining, outOfTime,
 * BatchInput}`. `pagesPerInvocation` models the function's own time box (it returns the pages it had no time for);
 * the batch budget is modelled on the execution's virtual clock (its start + the virtual seconds it has run): a page
 * starts only while 2 x requestTimeoutSeconds are left before the deadline less the finish reserve, and `outOfTime`
 * says the budget has no room for another page. `secondsPerPage` / `secondsPerInvocation` are the virtual time a page
 * fetch / an invocation takes. `fault(invocation, items, { elapsed })` (elapsed: the execution's virtual seconds) may return `{ error, when: 'before' | 'after' }` to make this
 * invocation fail as the Lambda service would.
 */
export function pageFetcher(world, { pagesPerInvocation = Infinity, fault, secondsPerPage = 0, secondsPerInvocation = 0 } = {}) {
  let invocations = 0;
  return async ({ Items, BatchInput, batchStartedAt, batchBudgetSeconds }, { record } = {}) => {
    const invocation = ++invocations;
    world.spend(record, secondsPerInvocation);
    const injected = fault?.(invocation, Items, { elapsed: world.elapsed(record) });
    if (injected?.when === 'before') throw stepError(injected.error);
    const deadline = batchDeadline(batchStartedAt, batchBudgetSeconds);
    const source = world.sources[BatchInput.source];
    const now = () => (record?.startedAt ?? Date.now()) + world.elapsed(record) * 1000;
    const roomForPage = () => deadline === undefined || deadline - FINISH_RESERVE_SECONDS * 1000 - now() >= 2 * source.requestTimeoutSeconds * 1000;
    let fetched = 0;
    let failed = 0;
    let started = 0;
    while (started < Math.min(Items.length, pagesPerInvocation) && roomForPage()) {
      const r = await fetchPage(world, source, BatchInput.jobId, Items[started].page, record);
      world.spend(record, secondsPerPage);
      started++;
      if (r.ok) fetched++;
      else failed++;
    }
    if (injected?.when === 'after') throw stepError(injected.error);
    const remaining = Items.slice(started);
    return { fetched, failed, remaining, outOfTime: remaining.length > 0 && !roomForPage(), BatchInput };
  };
}

/** CursorFetcher: `{plan, cursor?}` -> the contract's `cursor` object; writes totalPages when done. */
export function cursorFetcher(world, { pagesPerInvocation = 1 } = {}) {
  return async ({ plan, cursor }) => {
    const source = world.sources[plan.source];
    let nextPage = cursor?.nextPage ?? 1;
    let token = cursor?.cursor ?? null;
    let done = false;
    for (let i = 0; i < pagesPerInvocation && !done; i++) {
      const r = await fetchPage(world, source, plan.jobId, nextPage);
      if (!r.ok) throw stepError('PartnerFailed', `cursor page ${nextPage}: ${r.failure}`);
      token = r.body.next ?? null;
      nextPage++;
      done = token === null || token === '';
    }
    if (done) {
      const job = world.table.job(plan.jobId);
      job.totalPages = nextPage - 1;
    }
    return { cursor: token, nextPage, iteration: (cursor?.iteration ?? 0) + 1, generation: cursor?.generation ?? 0, done, loopCheck: done ? null : (cursor?.loopCheck ?? null) };
  };
}

/**
 * TaskConsumer (outside the workflow): drains the work queue like the SQS event source mapping would.
 * `processor(page)` throws to fail; a message is retried until `maxReceiveCount`, on its last receive the
 * failure is recorded as PROCESSING_FAILED (and SQS would move it to the DLQ).
 */
export function runConsumer(world, { processor = () => {}, maxReceiveCount = 3 } = {}) {
  const dlq = [];
  while (world.queue.messages.length > 0) {
    const message = world.queue.messages.shift();
    message.receiveCount++;
    const { jobId, page } = JSON.parse(message.body);
    try {
      processor(page);
      world.table.transitionPage(jobId, page, PAGE_STATE.COMPLETED);
    } catch {
      if (message.receiveCount >= maxReceiveCount) {
        world.table.transitionPage(jobId, page, PAGE_STATE.PROCESSING_FAILED, 'ProcessingFailed');
        dlq.push(message);
      } else {
        world.queue.messages.push(message);
      }
    }
  }
  return { dlq };
}

/** `arn:aws:states:::states:startExecution` (no .sync): records the start; the harness runs it afterwards. */
export function startExecution(world) {
  return async (params) => {
    if (world.startedExecutions.some((s) => s.Name === params.Name)) throw stepError('StepFunctions.ExecutionAlreadyExistsException');
    const input = typeof params.Input === 'string' ? JSON.parse(params.Input) : params.Input;
    world.startedExecutions.push({ StateMachineArn: params.StateMachineArn, Name: params.Name, input });
    return { ExecutionArn: `${params.StateMachineArn.replace(':stateMachine:', ':execution:')}:${params.Name}`, StartDate: '2024-01-01T00:00:00Z' };
  };
}

/** `arn:aws:states:::dynamodb:updateItem` against the progress table model. */
export function updateItem(world) {
  return async (params) => {
    if (world.tableName && params.TableName !== world.tableName) {
      throw new Error(`UpdateItem on table ${params.TableName}, but the handlers' TABLE_NAME is ${world.tableName}`);
    }
    return world.table.updateItem(params);
  };
}

/**
 * Adapts a handler double to the Task's integration: `arn:aws:states:::lambda:invoke` passes
 * `{FunctionName, Payload}` and returns `{Payload, StatusCode, ...}`; a plain function ARN passes and returns
 * the payload itself.
 */
export function lambdaTask(resource, handler) {
  if (/^arn:[^:]+:states:::lambda:invoke$/.test(resource)) {
    return async (params, meta) => {
      if (!/^arn:[^:]+:lambda:/.test(String(params.FunctionName))) throw new Error(`lambda:invoke without a function ARN: ${params.FunctionName}`);
      const payload = await handler(params.Payload, meta);
      return { ExecutedVersion: '$LATEST', Payload: payload, SdkHttpMetadata: { HttpStatusCode: 200 }, StatusCode: 200 };
    };
  }
  if (/^arn:[^:]+:lambda:/.test(resource)) return handler;
  throw new Error(`not a Lambda task resource: ${resource}`);
}
