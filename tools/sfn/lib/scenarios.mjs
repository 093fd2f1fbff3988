// The scenarios run against an ApiPoller orchestrator definition. Each builds a fresh World, binds every
// Task to a double, runs the execution(s) and checks the final status, the calls made and the progress
// store. A check that fails is reported with what was expected and what was seen.

import { Harness, taskStates, EXPRESS_LIMIT_SECONDS } from './harness.mjs';
import { World, ScriptedPartner } from './world.mjs';
import { jobPlanner, pageFetcher, cursorFetcher, startExecution, updateItem, lambdaTask, runConsumer } from './doubles.mjs';
import { PAGE_STATE } from './progress-table.mjs';
import { historyEvents, retriesOf, statesVisited, transitions } from './metrics.mjs';
import { isDistributedMap } from './distributed-map.mjs';

const JOB = '0123456789abcdef0123456789abcdef';

export const source = (name, pagination, extra = {}) => ({
  name, pagination, pageSize: 10, firstPage: 1, maxPages: 1000000, maxConcurrency: 5, requestsPerSecond: 5,
  maxRetryAfterSeconds: 60, maxAttempts: 5, requestTimeoutSeconds: 10, ...extra,
});

/** Facts about the orchestrator the scenarios size themselves from (so a changed constant is followed). */
export function describeOrchestrator(definition) {
  const fanout = Object.entries(definition.States).find(([, s]) => isDistributedMap(s));
  const cursorRoute = Object.values(definition.States).find((s) => s.Type === 'Choice' && JSON.stringify(s).includes('$.cursor.iteration'));
  const threshold = cursorRoute?.Choices.find((c) => c.Variable === '$.cursor.iteration')?.NumericGreaterThanEquals;
  const fetchBatch = fanout?.[1].ItemProcessor.States.FetchBatch;
  const lambdaRetrier = fetchBatch?.Retry?.find((r) => r.ErrorEquals.includes('Lambda.ServiceException'));
  return {
    mapState: fanout?.[0],
    pagesPerBatch: fanout?.[1].ItemBatcher?.MaxItemsPerBatch,
    continueAsNewAfter: threshold,
    fetchBatchMaxAttempts: lambdaRetrier ? (lambdaRetrier.MaxAttempts ?? 3) : undefined,
    batchBudgetSeconds: fetchBatch?.Parameters?.Payload?.batchBudgetSeconds,
  };
}

/** Binds every Task: Lambda tasks by the contract's state names, AWS SDK integrations by their resource. */
export function bindOrchestrator(definition, world, doubles) {
  const lambdaDoubles = { PlanJob: doubles.planner, FetchBatch: doubles.fetcher, FetchCursorPages: doubles.cursor };
  const handlers = {};
  for (const [name, state] of taskStates(definition)) {
    const r = state.Resource;
    if (/:states:::dynamodb:updateItem$/.test(r)) handlers[name] = updateItem(world);
    else if (/:states:::states:startExecution$/.test(r)) handlers[name] = startExecution(world);
    else if (/:(states:::lambda:invoke|lambda:)/.test(r)) {
      if (!lambdaDoubles[name]) throw new Error(`Lambda Task ${name} is not in the contract (PlanJob, FetchBatch, FetchCursorPages)`);
      handlers[name] = lambdaTask(r, lambdaDoubles[name]);
    } else throw new Error(`Task ${name}: no double for resource ${r}`);
  }
  return handlers;
}

export class Checks {
  constructor() {
    this.results = [];
  }
  ok(label, condition, detail = '') {
    this.results.push({ label, pass: Boolean(condition), detail: condition ? '' : detail });
  }
  eq(label, actual, expected) {
    const a = JSON.stringify(actual);
    const e = JSON.stringify(expected);
    this.ok(label, a === e, `expected ${e}, got ${a}`);
  }
  get failures() {
    return this.results.filter((r) => !r.pass);
  }
}

/** A fresh world + harness for one scenario. */
export function setup(machine, { sources, partners, fetcher = {}, cursor = {} }) {
  const facts = describeOrchestrator(machine.definition);
  const planJob = machine.definition.States.PlanJob;
  const env = machine.environmentOf(planJob?.Parameters?.FunctionName);
  const world = new World({ payloadBucket: env.PAYLOAD_BUCKET ?? 'payload-bucket', tableName: env.TABLE_NAME, sources, partners });
  const doubles = {
    planner: jobPlanner(world, { pagesPerBatch: facts.pagesPerBatch }),
    fetcher: pageFetcher(world, fetcher),
    cursor: cursorFetcher(world, cursor),
  };
  const harness = new Harness({ definition: machine.definition, handlers: bindOrchestrator(machine.definition, world, doubles), stateMachineArn: machine.stateMachineArn, world });
  return { world, harness, facts };
}

const children = (harness, parent) => harness.executions.filter((e) => e.parent === parent);
const pagesInState = (world, jobId, n, state) => Array.from({ length: n }, (_, i) => i + 1).filter((p) => world.table.pageState(jobId, p) === state).length;
const last = (arr) => arr[arr.length - 1];

function fanoutJob(items, extra = {}) {
  return {
    sources: { orders: source('orders', 'PageNumber', extra) },
    partners: { orders: new ScriptedPartner({ items, pageSize: 10, script: extra.script ?? {} }) },
  };
}

async function runJob(machine, config, jobId = JOB) {
  const s = setup(machine, config);
  s.world.requestJob(jobId, Object.keys(config.sources)[0]);
  const chain = await s.harness.runChain({ jobId, trigger: 'api' }, `job-${jobId.slice(0, 8)}`);
  return { ...s, chain, parent: chain[0], kids: children(s.harness, chain[0]) };
}

function checkFetched(c, world, jobId, totalPages) {
  const job = world.table.job(jobId);
  c.eq('job status', job.status, 'FETCHED');
  c.eq('job totalPages', job.totalPages, totalPages);
  c.ok('job fetchedAt recorded', Boolean(job.fetchedAt), 'fetchedAt missing');
}

/** The child execution whose batch held `page` (an empty record when there is none, so checks fail cleanly). */
function childOf(kids, page) {
  return kids.find((k) => k.events[0]?.input?.Items?.some((i) => i.page === page)) ?? { name: `(no child with page ${page})`, events: [] };
}

function fetchBatchMs(record) {
  const entered = record.events.find((e) => e.type === 'StateEntered' && e.state.name === 'FetchBatch');
  const exited = [...record.events].reverse().find((e) => e.type === 'StateExited' && e.state.name === 'FetchBatch');
  return exited && entered ? exited.timestamp - entered.timestamp : NaN;
}

export const SCENARIOS = [
  {
    name: 'happy path: fan-out over several batches',
    async run(machine, c) {
      const pages = 130;
      const { world, harness, parent, kids, facts } = await runJob(machine, { ...fanoutJob(pages * 10), fetcher: { pagesPerInvocation: 10 } });
      c.eq('execution status', parent.status, 'SUCCEEDED');
      c.eq('states visited', statesVisited(parent), ['IsContinuation', 'PlanJob', 'RouteByMode', facts.mapState, 'CompleteFetching', 'JobFetched']);
      c.eq('child executions (one per batch)', kids.length, Math.ceil(pages / facts.pagesPerBatch));
      c.ok('children are EXPRESS and succeeded', kids.every((k) => k.type === 'EXPRESS' && k.status === 'SUCCEEDED'), kids.map((k) => `${k.type}/${k.status}`).join(','));
      c.ok('batch input carries jobId and source', kids.every((k) => k.events[0].input.BatchInput?.jobId === JOB && k.events[0].input.BatchInput?.source === 'orders'), JSON.stringify(kids[0]?.events[0].input.BatchInput));
      c.ok('time-boxed fetcher looped over the remaining pages', kids.some((k) => statesVisited(k).filter((n) => n === 'FetchBatch').length > 1), 'no child re-entered FetchBatch');
      c.eq('Map concurrency from the plan (source maxConcurrency)', harness.mapAdapters.get(facts.mapState).lastRun.concurrency, 5);
      checkFetched(c, world, JOB, pages);
      c.eq('pages ENQUEUED', world.table.summary(JOB).counts.enqueued, pages);
      c.eq('page objects in S3', world.s3.keys(world.payloadBucket, `jobs/${JOB}/pages/`).length, pages);
      c.eq('SQS messages', world.queue.sent, pages);
      c.ok('ResultWriter wrote the map results under map-results/', world.s3.keys(world.payloadBucket, 'map-results/').some((k) => k.endsWith('manifest.json')), world.s3.keys(world.payloadBucket, 'map').join(','));
      runConsumer(world);
      c.eq('after the consumer: completed', world.table.summary(JOB).counts.completed, pages);
      c.eq('after the consumer: job state', world.table.summary(JOB).state, 'COMPLETED');
      return { parent, kids };
    },
  },
  {
    name: 'partner 5xx, then success (Lambda service errors retried by the workflow)',
    async run(machine, c, facts) {
      // Faults hit the second and third batches, wherever PagesPerBatch puts them.
      const batch = facts.pagesPerBatch;
      const [second, third] = [batch + 1, 2 * batch + 1];
      const pages = 4 * batch;
      const faulted = new Set();
      const fault = (inv, items) => {
        const first = items[0].page;
        if (first === second && !faulted.has(second)) return faulted.add(second) && { error: 'Lambda.ServiceException', when: 'before' };
        if (first === third && !faulted.has(third)) return faulted.add(third) && { error: 'Lambda.TooManyRequestsException', when: 'after' };
        return undefined;
      };
      const { world, parent, kids } = await runJob(machine, { ...fanoutJob(pages * 10, { script: { 30: [{ status: 503 }] } }), fetcher: { fault } });
      c.eq('execution status', parent.status, 'SUCCEEDED');
      c.eq(`FetchBatch retried once for the batch from page ${second}`, retriesOf(childOf(kids, second), 'FetchBatch'), 1);
      c.eq(`FetchBatch retried once for the batch from page ${third}`, retriesOf(childOf(kids, third), 'FetchBatch'), 1);
      c.ok('all children succeeded', kids.every((k) => k.status === 'SUCCEEDED'), kids.map((k) => k.status).join(','));
      c.eq('partner 503 on page 30 retried inside the fetcher', world.partners.orders.callsOf(30), 2);
      checkFetched(c, world, JOB, pages);
      const s = world.table.summary(JOB);
      c.eq('every page ENQUEUED exactly once in the counters', [s.counts.enqueued, s.counts.fetchFailed, s.counts.saved], [pages, 0, 0]);
      c.eq(`re-run after a late failure re-sent its ${batch} pages (at-least-once)`, world.queue.sent, pages + batch);
      runConsumer(world);
      c.eq('consumer: duplicates are no-ops, completed is exact', world.table.summary(JOB).counts.completed, pages);
      return { parent, kids };
    },
  },
  {
    name: '429 with Retry-After (honoured inside the Lambda, bounded)',
    async run(machine, c) {
      const pages = 75;
      const script = { 42: [{ status: 429, retryAfter: 7 }], 43: [{ status: 429, retryAfter: 3600 }] };
      const { world, parent, kids } = await runJob(machine, fanoutJob(pages * 10, { script }));
      c.eq('execution status', parent.status, 'SUCCEEDED');
      c.eq('page 42 fetched twice', world.partners.orders.callsOf(42), 2);
      c.eq('waited Retry-After 7 s + capped 3600 s to maxRetryAfterSeconds 60', world.virtualSeconds, 67);
      const slow = childOf(kids, 42);
      const others = kids.filter((k) => k !== slow).map(fetchBatchMs);
      c.ok('the Retry-After shows as a longer FetchBatch', fetchBatchMs(slow) > Math.max(...others), `slow ${fetchBatchMs(slow)} ms vs others ${others.join('/')} ms`);
      c.eq('no workflow retry needed', kids.reduce((n, k) => n + retriesOf(k, 'FetchBatch'), 0), 0);
      checkFetched(c, world, JOB, pages);
      c.eq('nothing lost: all pages ENQUEUED', world.table.summary(JOB).counts.enqueued, pages);
      return { parent, kids };
    },
  },
  {
    name: 'non-retryable 4xx (recorded FETCH_FAILED, job still FETCHED)',
    async run(machine, c) {
      const pages = 50;
      const { world, parent, kids } = await runJob(machine, fanoutJob(pages * 10, { script: { 17: [{ status: 404 }] } }));
      c.eq('execution status', parent.status, 'SUCCEEDED');
      c.eq('page 17 not retried', world.partners.orders.callsOf(17), 1);
      c.eq('page 17 FETCH_FAILED', world.table.pageState(JOB, 17), PAGE_STATE.FETCH_FAILED);
      c.eq('page 17 failure reason', world.table.pageFailure(JOB, 17), 'ClientError:404');
      c.eq('no workflow retry', kids.reduce((n, k) => n + retriesOf(k, 'FetchBatch'), 0), 0);
      checkFetched(c, world, JOB, pages);
      runConsumer(world);
      const s = world.table.summary(JOB);
      c.eq('counts', [s.counts.completed, s.counts.fetchFailed], [pages - 1, 1]);
      c.eq('job state', s.state, 'COMPLETED_WITH_FAILURES');
      return { parent, kids };
    },
  },
  {
    name: 'cursor job: several pages, several loop iterations',
    async run(machine, c) {
      const cfg = { sources: { feed: source('feed', 'Cursor') }, partners: { feed: new ScriptedPartner({ cursorPages: 7 }) }, cursor: { pagesPerInvocation: 2 } };
      const { world, chain, parent, kids } = await runJob(machine, cfg);
      c.eq('execution status', parent.status, 'SUCCEEDED');
      c.eq('one execution (no handover)', chain.length, 1);
      c.eq('loop iterations', statesVisited(parent).filter((n) => n === 'FetchCursorPages').length, 4);
      c.eq('final state', last(statesVisited(parent)), 'JobFetched');
      c.eq('no child executions', kids.length, 0);
      checkFetched(c, world, JOB, 7);
      c.eq('pages enqueued in order', world.queue.messages.map((m) => JSON.parse(m.body).page), [1, 2, 3, 4, 5, 6, 7]);
      return { parent, kids };
    },
  },
  {
    name: 'cursor job beyond ContinueAsNewAfter (handover to a new execution)',
    async run(machine, c, facts) {
      const after = facts.continueAsNewAfter;
      c.ok('the definition has a ContinueAsNew threshold', Number.isInteger(after), `CursorRoute threshold ${after}`);
      const total = (after ?? 500) + 37;
      const cfg = { sources: { feed: source('feed', 'Cursor') }, partners: { feed: new ScriptedPartner({ cursorPages: total }) }, cursor: { pagesPerInvocation: 1 } };
      const { world, harness, chain } = await runJob(machine, cfg);
      c.eq('two executions', chain.length, 2);
      c.eq('statuses', chain.map((e) => e.status), ['SUCCEEDED', 'SUCCEEDED']);
      c.eq('first ends handed over', last(statesVisited(chain[0])), 'HandedOver');
      c.eq('first ran ContinueAsNewAfter iterations', statesVisited(chain[0]).filter((n) => n === 'FetchCursorPages').length, after);
      c.eq('new execution name', chain[1]?.name, `${JOB}-g1`);
      c.eq('continuation starts at the cursor', statesVisited(chain[1] ?? { events: [] }).slice(0, 2), ['IsContinuation', 'FetchCursorPages']);
      c.eq('continuation carries generation 1, iteration 0, next page', pick(chain[1]?.events[0].input.cursor, ['generation', 'iteration', 'nextPage']), { generation: 1, iteration: 0, nextPage: after + 1 });
      c.eq('second ends fetched', last(statesVisited(chain[1] ?? { events: [] })), 'JobFetched');
      checkFetched(c, world, JOB, total);
      c.eq('every page fetched once', Array.from({ length: total }, (_, i) => world.partners.feed.callsOf(i + 1)).every((n) => n === 1), true);
      c.eq('all pages ENQUEUED', world.table.summary(JOB).counts.enqueued, total);
      const ms = harness.mapAdapters;
      const hist = chain.map((e) => historyEvents(e, new Set(ms.keys())));
      c.ok('history events per execution < 25,000', hist.every((h) => h < 25000), hist.join(','));
      return { parent: chain[0], kids: [], chain, history: hist };
    },
  },
  {
    name: 'empty source (mode empty -> CompleteFetching directly)',
    async run(machine, c) {
      const { world, parent, kids } = await runJob(machine, fanoutJob(0));
      c.eq('execution status', parent.status, 'SUCCEEDED');
      c.eq('states visited', statesVisited(parent), ['IsContinuation', 'PlanJob', 'RouteByMode', 'CompleteFetching', 'JobFetched']);
      c.eq('no child executions', kids.length, 0);
      checkFetched(c, world, JOB, 0);
      c.eq('job state', world.table.summary(JOB).state, 'COMPLETED');
      return { parent, kids };
    },
  },
  {
    name: 'a batch child fails permanently (RecordBatchFailure, job continues)',
    async run(machine, c, facts) {
      // The third batch fails, wherever PagesPerBatch puts it.
      const batch = facts.pagesPerBatch;
      const third = 2 * batch + 1;
      const pages = 4 * batch;
      const fault = (inv, items) => (items[0].page === third ? { error: 'Lambda.ServiceException', when: 'before' } : undefined);
      const { world, parent, kids } = await runJob(machine, { ...fanoutJob(pages * 10), fetcher: { fault } });
      const bad = childOf(kids, third);
      c.eq('execution status', parent.status, 'SUCCEEDED');
      c.eq('final state', last(statesVisited(parent)), 'JobFetched');
      c.eq('the failed child ends in BatchFailed', [bad.status, last(statesVisited(bad))], ['FAILED', 'BatchFailed']);
      c.eq('retried MaxAttempts times first', retriesOf(bad, 'FetchBatch'), facts.fetchBatchMaxAttempts);
      c.ok('went through RecordBatchFailure', statesVisited(bad).includes('RecordBatchFailure'), statesVisited(bad).join('>'));
      c.eq('other children succeeded', kids.filter((k) => k !== bad).every((k) => k.status === 'SUCCEEDED'), true);
      checkFetched(c, world, JOB, pages);
      c.eq('failedBatches on the job', world.table.job(JOB).failedBatches, 1);
      runConsumer(world);
      const s = world.table.summary(JOB);
      c.eq('counts', [s.counts.completed, s.counts.notFetched], [pages - batch, batch]);
      c.eq('job state', s.state, 'COMPLETED_WITH_FAILURES');
      return { parent, kids };
    },
  },
  {
    name: 'slow partner: batches run out of their budget (BatchOutOfTime or retries -> RecordBatchFailure, before Express stops them)',
    async run(machine, c, facts) {
      // Every page takes 20 virtual seconds and every invocation 1 s; the function's time box allows 4 pages per call.
      // Without a budget, a batch would need PagesPerBatch x 20 s, far beyond Express's 5 minutes. The second batch's
      // child's second call fails after its work with a Lambda service error, and so does every retry of it (each
      // starts no page: the budget is spent): its retries' backoff, at the ceiling, must not carry it past the 5 minutes.
      const batch = facts.pagesPerBatch;
      const budget = facts.batchBudgetSeconds;
      c.ok('FetchBatch passes a budget of at most 5 minutes', budget > 0 && budget <= EXPRESS_LIMIT_SECONDS, `batchBudgetSeconds ${budget}`);
      const pages = 2 * batch;
      const requestTimeout = 10;
      const perCall = 4;
      const fault = (inv, items) => (items[0].page === batch + 1 + perCall ? { error: 'Lambda.ServiceException', when: 'after' } : undefined);
      const fetcher = { pagesPerInvocation: perCall, secondsPerPage: 20, secondsPerInvocation: 1, fault };
      const { world, parent, kids } = await runJob(machine, { ...fanoutJob(pages * 10, { requestTimeoutSeconds: requestTimeout }), fetcher });
      const [first, second] = [childOf(kids, 1), childOf(kids, batch + 1)];
      c.eq('execution status', parent.status, 'SUCCEEDED');
      checkFetched(c, world, JOB, pages);
      c.eq('both children end in BatchFailed', [first, second].map((k) => [k.status, last(statesVisited(k))]), [['FAILED', 'BatchFailed'], ['FAILED', 'BatchFailed']]);
      c.eq('the first: HasRemaining -> BatchOutOfTime -> RecordBatchFailure', statesVisited(first).slice(-4), ['HasRemaining', 'BatchOutOfTime', 'RecordBatchFailure', 'BatchFailed']);
      c.eq('the first names the reason', first.error?.Error, 'BatchOutOfTime');
      c.eq('the second: FetchBatch retried MaxAttempts times, then RecordBatchFailure', [retriesOf(second, 'FetchBatch'), statesVisited(second).slice(-2)], [facts.fetchBatchMaxAttempts, ['RecordBatchFailure', 'BatchFailed']]);
      c.ok('no child ran past Express\'s 5 minutes', kids.every((k) => !k.stoppedAt), kids.map((k) => JSON.stringify(k.stoppedAt)).join(','));
      const seconds = kids.map((k) => world.elapsed(k));
      c.ok(`each child ended at least 30 s before Express's ${EXPRESS_LIMIT_SECONDS} s, retry backoffs included`, seconds.every((t) => t <= EXPRESS_LIMIT_SECONDS - 30), `virtual seconds per child ${seconds.join(', ')}`);
      c.eq('failedBatches on the job', world.table.job(JOB).failedBatches, 2);
      const fetchedPerChild = kids.map((k) => pagesFetchedBy(world, k));
      c.ok('each child fetched part of its batch', fetchedPerChild.every((n) => n > 0 && n < batch), `pages fetched per child ${fetchedPerChild.join(',')}`);
      c.ok('over several FetchBatch calls', kids.every((k) => statesVisited(k).filter((n) => n === 'FetchBatch').length > 1), kids.map((k) => statesVisited(k).join('>')).join(' | '));
      const fetched = fetchedPerChild.reduce((a, b) => a + b, 0);
      c.eq('pages after the budget never reached the partner', Array.from({ length: pages }, (_, i) => world.partners.orders.callsOf(i + 1)).filter((n) => n > 0).length, fetched);
      runConsumer(world);
      const sum = world.table.summary(JOB);
      c.eq('the remaining pages are notFetched, the rest completed', [sum.counts.completed, sum.counts.notFetched], [fetched, pages - fetched]);
      c.eq('job state', sum.state, 'COMPLETED_WITH_FAILURES');
      return { parent, kids, childSeconds: seconds, pagesPerChild: fetchedPerChild };
    },
  },
  {
    name: 'planner failure (RecordJobFailure -> JobFailed)',
    async run(machine, c) {
      const cfg = fanoutJob(100);
      const s = setup(machine, cfg);
      s.world.requestJob(JOB, 'retired-source');
      const [parent] = await s.harness.runChain({ jobId: JOB, trigger: 'api' }, 'job-planfail');
      c.eq('execution ends in JobFailed', [parent.status, last(statesVisited(parent))], ['FAILED', 'JobFailed']);
      c.ok('went through RecordJobFailure', statesVisited(parent).includes('RecordJobFailure'), statesVisited(parent).join('>'));
      c.eq('BadInput not retried', retriesOf(parent, 'PlanJob'), 0);
      const job = s.world.table.job(JOB);
      c.eq('job status', job.status, 'FAILED');
      c.eq('job error', job.error, 'BadInput');
      c.ok('failedAt recorded', Boolean(job.failedAt), 'failedAt missing');
      return { parent, kids: [] };
    },
  },
  {
    name: 'duplicate start (second delivery of the same job -> DuplicateStart)',
    async run(machine, c) {
      const s = setup(machine, fanoutJob(300));
      s.world.requestJob(JOB, 'orders');
      const [first] = await s.harness.runChain({ jobId: JOB, trigger: 'api' }, 'job-first');
      const before = structuredClone(s.world.table.job(JOB));
      const sent = s.world.queue.sent;
      const updates = s.world.table.calls.length;
      const [second] = await s.harness.runChain({ jobId: JOB, trigger: 'api' }, 'job-second');
      c.eq('first execution', first.status, 'SUCCEEDED');
      c.eq('second execution', [second.status, last(statesVisited(second))], ['SUCCEEDED', 'DuplicateStart']);
      c.eq('no second fan-out', children(s.harness, second).length, 0);
      c.eq('job item unchanged', s.world.table.job(JOB), before);
      c.eq('no new messages, no new updates', [s.world.queue.sent, s.world.table.calls.length], [sent, updates]);
      return { parent: second, kids: [] };
    },
  },
  {
    name: 'consumer fails (outside the workflow: PROCESSING_FAILED after the last receive)',
    async run(machine, c) {
      const pages = 60;
      const { world, parent, kids } = await runJob(machine, fanoutJob(pages * 10));
      c.eq('execution status', parent.status, 'SUCCEEDED');
      c.eq('workflow part: all pages ENQUEUED', world.table.summary(JOB).counts.enqueued, pages);
      c.eq('job state before the consumer', world.table.summary(JOB).state, 'PROCESSING');
      let flaky = true;
      const { dlq } = runConsumer(world, {
        maxReceiveCount: 3,
        processor: (page) => {
          if (page === 7) throw new Error('processor failed');
          if (page === 8 && flaky) {
            flaky = false;
            throw new Error('transient');
          }
        },
      });
      const s = world.table.summary(JOB);
      c.eq('counts', [s.counts.completed, s.counts.processingFailed], [pages - 1, 1]);
      c.eq('page 7 PROCESSING_FAILED', [world.table.pageState(JOB, 7), world.table.pageFailure(JOB, 7)], [PAGE_STATE.PROCESSING_FAILED, 'ProcessingFailed']);
      c.eq('page 8 completed on its second receive', world.table.pageState(JOB, 8), PAGE_STATE.COMPLETED);
      c.eq('dead-lettered', dlq.map((m) => JSON.parse(m.body).page), [7]);
      c.eq('job state', s.state, 'COMPLETED_WITH_FAILURES');
      return { parent, kids };
    },
  },
];

/** Pages the child execution `k` fetched: those of its first input's Items that left PLANNED (no page state yet). */
function pagesFetchedBy(world, k) {
  return (k.events[0]?.input?.Items ?? []).filter(({ page }) => world.table.pageState(JOB, page) !== undefined).length;
}

function pick(obj, keys) {
  return obj ? Object.fromEntries(keys.map((k) => [k, obj[k]])) : obj;
}

/** A fan-out job of `pages` pages with no time box, for the cost and quota measurements. */
export async function measureFanout(machine, pages) {
  const { harness, parent, kids, world } = await runJob(machine, fanoutJob(pages * 10));
  if (parent.status !== 'SUCCEEDED' || world.table.summary(JOB).counts.enqueued !== pages) throw new Error(`measurement run of ${pages} pages did not complete`);
  const maps = new Set(harness.mapAdapters.keys());
  return {
    pages,
    standardTransitions: transitions(parent),
    expressTransitions: kids.reduce((n, k) => n + transitions(k), 0),
    expressRequests: kids.length,
    parentHistory: historyEvents(parent, maps),
    records: harness.executions,
  };
}
