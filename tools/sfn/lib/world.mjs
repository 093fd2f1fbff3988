// The in-memory world the test doubles act on: S3 objects, the SQS work queue, the progress table, and a
// scripted partner API. One World per scenario, so scenarios cannot leak into each other.

import { ProgressTable } from './progress-table.mjs';

export class InMemoryS3 {
  constructor() {
    this.objects = new Map();
  }
  put(bucket, key, body) {
    this.objects.set(`${bucket}/${key}`, body);
  }
  get(bucket, key) {
    return this.objects.get(`${bucket}/${key}`);
  }
  keys(bucket, prefix = '') {
    return [...this.objects.keys()].filter((k) => k.startsWith(`${bucket}/${prefix}`)).map((k) => k.slice(bucket.length + 1));
  }
}

export class InMemoryQueue {
  constructor() {
    this.messages = [];
    this.sent = 0;
  }
  send(body, attributes) {
    this.sent++;
    this.messages.push({ id: `m${this.sent}`, body: JSON.stringify(body), attributes, receiveCount: 0 });
  }
}

/**
 * A partner API whose behaviour per page is scripted: `script[page]` is the list of responses for successive
 * calls of that page (e.g. `[{ status: 429, retryAfter: 3 }]`); once the list is used up the page answers 200.
 * `items` is the total the first page reports in `totalField` (PageNumber/OffsetLimit); `cursorPages` the
 * number of pages behind a cursor source.
 */
export class ScriptedPartner {
  constructor({ items = 0, pageSize = 10, cursorPages = 0, script = {} } = {}) {
    Object.assign(this, { items, pageSize, cursorPages, script });
    this.calls = new Map();
  }
  get totalPages() {
    return Math.ceil(this.items / this.pageSize);
  }
  callsOf(page) {
    return this.calls.get(page) ?? 0;
  }
  respond(page) {
    const n = this.callsOf(page);
    this.calls.set(page, n + 1);
    const scripted = this.script[page]?.[n];
    if (scripted) return scripted;
    const body = { total: this.items, items: Array.from({ length: this.pageSize }, (_, i) => ({ id: (page - 1) * this.pageSize + i + 1 })) };
    if (this.cursorPages) body.next = page < this.cursorPages ? `tok-${page + 1}` : null;
    return { status: 200, body };
  }
}

export class World {
  constructor({ payloadBucket = 'payload-bucket', tableName = undefined, sources = {}, partners = {} } = {}) {
    this.payloadBucket = payloadBucket;
    this.tableName = tableName;
    this.s3 = new InMemoryS3();
    this.queue = new InMemoryQueue();
    this.table = new ProgressTable();
    this.sources = sources; // name -> contract source config (API_POLLER_SOURCES entry)
    this.partners = partners; // name -> ScriptedPartner
    this.startedExecutions = []; // StartExecution requests (ContinueAsNew), run by the harness after the caller
    this.virtualSeconds = 0; // time the doubles "spent" waiting (Retry-After, backoff), not slept for real
    this.executionSeconds = new WeakMap(); // execution record -> virtual seconds it has run (doubles' work, retry backoff)
  }

  /** Adds `seconds` of virtual time to the execution `record` (no-op without a record). */
  spend(record, seconds) {
    if (record) this.executionSeconds.set(record, this.elapsed(record) + seconds);
  }

  /** Virtual seconds the execution `record` has run so far. */
  elapsed(record) {
    return (record && this.executionSeconds.get(record)) || 0;
  }

  /** What POST /jobs leaves behind (JobApi's conditional put), so the Pipe-started workflow finds its job. */
  requestJob(jobId, source, parameters = {}) {
    this.table.putJob({
      pk: `JOB#${jobId}`, sk: 'JOB', jobId, source, parameters: JSON.stringify(parameters), status: 'REQUESTED', trigger: 'api',
      requestedAt: '2024-01-01T00:00:00Z',
    });
  }
}
