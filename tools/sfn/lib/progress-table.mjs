// In-memory model of the ApiPoller "Progress" table (docs/ApiPoller-contract.md, "DynamoDB table").
//
// Two ways in, deliberately:
//  - updateItem(params): the DynamoDB UpdateItem API as Step Functions' native integration calls it
//    (DynamoDB-JSON Key / ExpressionAttributeValues, UpdateExpression, ConditionExpression). The workflow's
//    CompleteFetching / RecordBatchFailure / RecordJobFailure states are bound to it, so what they do is
//    whatever their Parameters in the synthesized definition say — a wrong condition fails a scenario.
//  - transitionPage / putJob / updateJob: what the handler doubles do, following the contract's rules
//    (monotonic page states, counters updated with the state, conditional job status moves).
// Only the expression subset the contract uses is understood; anything else throws, so an unexpected
// expression is a visible harness gap and never a silent pass.

export const PAGE_STATE = Object.freeze({ SAVED: 10, ENQUEUED: 20, COMPLETED: 30, FETCH_FAILED: 31, PROCESSING_FAILED: 32 });
const COUNTER = { 10: 'saved', 20: 'enqueued', 30: 'completed', 31: 'fetchFailed', 32: 'processingFailed' };
const JOB_RANK = { REQUESTED: 0, PLANNING: 1, FETCHING: 2, FETCHED: 3, FAILED: 3 };
const PAGES_PER_ITEM = 100;

export class ConditionalCheckFailed extends Error {
  constructor(message = 'The conditional request failed') {
    super(message);
    // The error name Step Functions' DynamoDB integration surfaces, so Catch/Retry match it.
    this.name = 'DynamoDB.ConditionalCheckFailedException';
  }
}

const fromAttr = (v) => {
  if ('S' in v) return v.S;
  if ('N' in v) return Number(v.N);
  if ('BOOL' in v) return v.BOOL;
  if ('NULL' in v) return null;
  if ('M' in v) return Object.fromEntries(Object.entries(v.M).map(([k, x]) => [k, fromAttr(x)]));
  if ('L' in v) return v.L.map(fromAttr);
  throw new Error(`progress table model: unsupported attribute value ${JSON.stringify(v)}`);
};

export class ProgressTable {
  constructor() {
    this.items = new Map();
    this.calls = [];
  }

  key(pk, sk) {
    return `${pk}\u0000${sk}`;
  }

  get(pk, sk) {
    return this.items.get(this.key(pk, sk));
  }

  job(jobId) {
    return this.get(`JOB#${jobId}`, 'JOB');
  }

  putJob(item) {
    this.items.set(this.key(item.pk, item.sk), structuredClone(item));
  }

  /** Conditional job status move as the handlers do it: only forward, only from the expected status. */
  updateJob(jobId, expectedStatus, changes) {
    const job = this.job(jobId);
    if (!job || job.status !== expectedStatus) throw new ConditionalCheckFailed();
    if (changes.status && JOB_RANK[changes.status] < JOB_RANK[job.status]) throw new Error(`job status regression ${job.status} -> ${changes.status}`);
    Object.assign(job, changes);
  }

  /**
   * The contract's monotonic page transition: SET p{page} = to, ADD toCounter 1, prevCounter -1, conditioned on
   * the exact previous state; a target of equal or lower rank than the current state is a no-op.
   * Returns true when the state moved.
   */
  transitionPage(jobId, page, to, failure) {
    const sk = `B#${String(Math.floor((page - 1) / PAGES_PER_ITEM)).padStart(8, '0')}`;
    const k = this.key(`JOB#${jobId}`, sk);
    let item = this.items.get(k);
    if (!item) {
      item = { pk: `JOB#${jobId}`, sk, saved: 0, enqueued: 0, completed: 0, fetchFailed: 0, processingFailed: 0 };
      this.items.set(k, item);
    }
    const prev = item[`p${page}`];
    if (prev !== undefined && Math.floor(prev / 10) >= Math.floor(to / 10)) return false;
    item[`p${page}`] = to;
    item[COUNTER[to]] += 1;
    if (prev !== undefined) item[COUNTER[prev]] -= 1;
    if (failure) item[`f${page}`] = failure;
    return true;
  }

  pageState(jobId, page) {
    const item = this.get(`JOB#${jobId}`, `B#${String(Math.floor((page - 1) / PAGES_PER_ITEM)).padStart(8, '0')}`);
    return item?.[`p${page}`];
  }

  pageFailure(jobId, page) {
    const item = this.get(`JOB#${jobId}`, `B#${String(Math.floor((page - 1) / PAGES_PER_ITEM)).padStart(8, '0')}`);
    return item?.[`f${page}`];
  }

  /** GET /jobs/{id} as the contract defines it: counters summed over the B# items, state derived from them. */
  summary(jobId) {
    const job = this.job(jobId);
    if (!job) return undefined;
    const counts = { saved: 0, enqueued: 0, completed: 0, fetchFailed: 0, processingFailed: 0 };
    for (const item of this.items.values()) {
      if (item.pk !== `JOB#${jobId}` || !item.sk.startsWith('B#')) continue;
      for (const c of Object.keys(counts)) counts[c] += item[c];
    }
    const touched = Object.values(counts).reduce((a, b) => a + b, 0);
    const total = job.totalPages ?? touched;
    const planned = Math.max(0, total - touched);
    const fetched = job.status === 'FETCHED';
    const notFetched = fetched ? planned : 0;
    const terminal = counts.completed + counts.fetchFailed + counts.processingFailed + notFetched;
    let state;
    if (job.status === 'FAILED') state = 'FAILED';
    else if (job.status === 'FETCHING') state = 'RUNNING';
    else if (!fetched) state = 'PENDING';
    else if (terminal < total) state = 'PROCESSING';
    else state = counts.fetchFailed + counts.processingFailed + notFetched > 0 ? 'COMPLETED_WITH_FAILURES' : 'COMPLETED';
    return { status: job.status, state, totalPages: job.totalPages, failedBatches: job.failedBatches ?? 0, counts: { planned: fetched ? 0 : planned, ...counts, notFetched } };
  }

  /** DynamoDB UpdateItem, native Step Functions integration shape (arn:aws:states:::dynamodb:updateItem). */
  updateItem(params) {
    this.calls.push(structuredClone(params));
    const { Key, UpdateExpression, ConditionExpression } = params;
    const names = params.ExpressionAttributeNames ?? {};
    const values = Object.fromEntries(Object.entries(params.ExpressionAttributeValues ?? {}).map(([k, v]) => [k, fromAttr(v)]));
    const key = Object.fromEntries(Object.entries(Key).map(([k, v]) => [k, fromAttr(v)]));
    const k = this.key(key.pk, key.sk);
    const existing = this.items.get(k);
    const item = existing ? structuredClone(existing) : { ...key };
    const name = (token) => {
      const t = token.trim();
      if (t.startsWith('#')) {
        if (!(t in names)) throw new Error(`UpdateItem: ${t} not in ExpressionAttributeNames`);
        return names[t];
      }
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(t)) throw new Error(`UpdateItem model: unsupported attribute path '${t}'`);
      return t;
    };
    const value = (token) => {
      const t = token.trim();
      if (!(t in values)) throw new Error(`UpdateItem: ${t} not in ExpressionAttributeValues`);
      return values[t];
    };
    if (ConditionExpression && !evaluateCondition(ConditionExpression, existing, name, value)) throw new ConditionalCheckFailed();
    for (const [action, body] of splitClauses(UpdateExpression)) {
      for (const part of splitTopLevel(body)) {
        if (action === 'SET') {
          const m = /^(.+?)=(.+)$/.exec(part);
          if (!m) throw new Error(`UpdateItem model: unsupported SET '${part}'`);
          const rhs = m[2].trim();
          const plus = /^(.+?)\+(.+)$/.exec(rhs);
          if (plus) item[name(m[1])] = operand(plus[1], item, name, value) + operand(plus[2], item, name, value);
          else item[name(m[1])] = operand(rhs, item, name, value);
        } else if (action === 'ADD') {
          const [p, v] = part.trim().split(/\s+/);
          item[name(p)] = (item[name(p)] ?? 0) + value(v);
        } else if (action === 'REMOVE') {
          delete item[name(part)];
        } else {
          throw new Error(`UpdateItem model: unsupported clause ${action}`);
        }
      }
    }
    if (item.sk === 'JOB' && existing && JOB_RANK[item.status] < JOB_RANK[existing.status]) {
      throw new Error(`UpdateItem moved job ${item.pk} backwards: ${existing.status} -> ${item.status}`);
    }
    this.items.set(k, item);
    return {};
  }
}

function operand(token, item, name, value) {
  const t = token.trim();
  if (t.startsWith(':')) return value(t);
  const ifNotExists = /^if_not_exists\((.+),(.+)\)$/.exec(t);
  if (ifNotExists) return item[name(ifNotExists[1])] ?? operand(ifNotExists[2], item, name, value);
  return item[name(t)];
}

function splitClauses(expr) {
  const out = [];
  const re = /\b(SET|ADD|REMOVE|DELETE)\b/gi;
  const marks = [...expr.matchAll(re)];
  marks.forEach((m, i) => out.push([m[1].toUpperCase(), expr.slice(m.index + m[0].length, i + 1 < marks.length ? marks[i + 1].index : expr.length)]));
  if (out.length === 0) throw new Error(`UpdateItem model: no clause in '${expr}'`);
  return out;
}

function splitTopLevel(body) {
  const parts = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '(') depth++;
    else if (body[i] === ')') depth--;
    else if (body[i] === ',' && depth === 0) {
      parts.push(body.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(body.slice(start));
  return parts.map((p) => p.trim()).filter(Boolean);
}

// Condition subset: comparisons (=, <>, IN (...)), attribute_exists / attribute_not_exists, joined by AND / OR (AND binds tighter).
function evaluateCondition(expr, item, name, value) {
  return expr.split(/\s+OR\s+/i).some((disjunct) =>
    disjunct.split(/\s+AND\s+/i).every((raw) => {
      const term = raw.trim().replace(/^\((.*)\)$/, '$1').trim();
      let m;
      if ((m = /^attribute_exists\((.+)\)$/.exec(term))) return item !== undefined && item[name(m[1])] !== undefined;
      if ((m = /^attribute_not_exists\((.+)\)$/.exec(term))) return item === undefined || item[name(m[1])] === undefined;
      if ((m = /^(.+?)\s+IN\s*\((.+)\)$/i.exec(term))) {
        const left = item?.[name(m[1])];
        return m[2].split(',').some((v) => left === value(v));
      }
      if ((m = /^(.+?)\s*(<>|=)\s*(.+)$/.exec(term))) {
        const left = item?.[name(m[1])];
        const right = value(m[3]);
        return m[2] === '=' ? left === right : left !== right;
      }
      throw new Error(`UpdateItem model: unsupported condition '${term}'`);
    }),
  );
}
