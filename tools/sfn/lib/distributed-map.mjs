// Emulation of the Distributed Map fields aws-local-stepfunctions 3.0.0 does not implement:
//
//   ItemReader   only `arn:aws:states:::s3:getObject` with ReaderConfig.InputType JSON (a JSON array object),
//                read from the World's in-memory S3 (where the JobPlanner double wrote the manifest);
//                ReaderConfig.MaxItems / MaxItemsPath honoured.
//   ItemBatcher  MaxItemsPerBatch(/Path), MaxInputBytesPerBatch(/Path, default and cap 256 KiB) and BatchInput;
//                each child receives `{"Items": [...], "BatchInput": {...}}` as in the service.
//   ResultWriter only `arn:aws:states:::s3:putObject`: the children's results go to
//                `{Prefix}{mapRunId}/SUCCEEDED_0.json|FAILED_0.json|manifest.json` in the in-memory S3 and the
//                state result is `{"MapRunArn", "ResultWriterDetails": {"Bucket", "Key"}}`.
// And, because the library fails a Map on its first failed iteration, ToleratedFailurePercentage(/Path) and
// ToleratedFailureCount(/Path): the run fails with States.ExceedToleratedFailureThreshold only beyond them.
//
// ItemSelector (applied per item before batching), ItemsPath (when there is no ItemReader) and
// MaxConcurrency(/Path) are re-implemented here as well because the Map state itself is replaced.
// Each batch runs as a separate child execution of ItemProcessor in aws-local-stepfunctions (its own
// record, type from ProcessorConfig.ExecutionType), so the child workflow runs exactly as defined.

import { evaluatePath, evaluateTemplate } from './evaluate.mjs';
import { stepError } from './doubles.mjs';

const MAX_BATCH_BYTES = 256 * 1024;
const LOCAL_CONCURRENCY_CAP = 40; // the service allows 10,000; locally more buys nothing

export const isDistributedMap = (state) => state.Type === 'Map' && state.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED';

export class DistributedMapAdapter {
  constructor(stateName, state, harness) {
    Object.assign(this, { stateName, state, harness });
    const { ProcessorConfig, ...processor } = state.ItemProcessor;
    this.childDefinition = processor;
    this.childType = ProcessorConfig.ExecutionType ?? 'STANDARD';
    this.runs = 0;
    this.lastRun = undefined;
  }

  async field(value, path, input, context) {
    return path !== undefined ? evaluatePath(path, input, context) : value;
  }

  async readItems(input, context) {
    const s = this.state;
    if (!s.ItemReader) {
      return s.ItemsPath ? evaluatePath(s.ItemsPath, input, context) : input;
    }
    const { Resource, Parameters, ReaderConfig = {} } = s.ItemReader;
    if (!/^arn:[^:]+:states:::s3:getObject$/.test(Resource) || ReaderConfig.InputType !== 'JSON') {
      throw new Error(`${this.stateName}: ItemReader ${Resource} with InputType ${ReaderConfig.InputType} is not emulated (only s3:getObject JSON)`);
    }
    const { Bucket, Key } = await evaluateTemplate(Parameters, input, context);
    const body = this.harness.world.s3.get(Bucket, Key);
    if (body === undefined) throw stepError('States.ItemReaderFailed', `s3://${Bucket}/${Key} does not exist`);
    let items = JSON.parse(body);
    if (!Array.isArray(items)) throw stepError('States.ItemReaderFailed', 'the JSON object is not an array');
    const maxItems = await this.field(ReaderConfig.MaxItems, ReaderConfig.MaxItemsPath, input, context);
    if (maxItems) items = items.slice(0, maxItems);
    return items;
  }

  async batches(items, input, context) {
    const b = this.state.ItemBatcher;
    if (!b) return items.map((i) => i);
    const maxItems = (await this.field(b.MaxItemsPerBatch, b.MaxItemsPerBatchPath, input, context)) || Infinity;
    const maxBytes = Math.min((await this.field(b.MaxInputBytesPerBatch, b.MaxInputBytesPerBatchPath, input, context)) || MAX_BATCH_BYTES, MAX_BATCH_BYTES);
    if (maxItems === Infinity && b.MaxInputBytesPerBatch === undefined && b.MaxInputBytesPerBatchPath === undefined) {
      throw new Error(`${this.stateName}: ItemBatcher needs MaxItemsPerBatch or MaxInputBytesPerBatch`);
    }
    const batchInput = await evaluateTemplate(b.BatchInput, input, context);
    const wrap = (batch) => (batchInput === undefined ? { Items: batch } : { Items: batch, BatchInput: batchInput });
    const out = [];
    let current = [];
    for (const item of items) {
      const candidate = [...current, item];
      if (current.length > 0 && (candidate.length > maxItems || Buffer.byteLength(JSON.stringify(wrap(candidate))) > maxBytes)) {
        out.push(wrap(current));
        current = [item];
      } else {
        current = candidate;
      }
      if (Buffer.byteLength(JSON.stringify(wrap(current))) > maxBytes) throw stepError('States.Runtime', 'a single item exceeds MaxInputBytesPerBatch');
    }
    if (current.length) out.push(wrap(current));
    return out;
  }

  /** The local handler of the replacement Task: one Map Run. */
  async run(input, { record, context }) {
    const s = this.state;
    const runId = `${this.stateName}-${++this.runs}`;
    const mapRunArn = `${context.StateMachine.Id.replace(':stateMachine:', ':mapRun:')}/${runId}:${record.name}`;
    let items = await this.readItems(input, context);
    if (s.ItemSelector) {
      items = await Promise.all(items.map((value, index) => evaluateTemplate(s.ItemSelector, input, { ...context, Map: { Item: { Index: index, Value: value } } })));
    }
    const childInputs = await this.batches(items, input, context);
    const concurrency = Math.min((await this.field(s.MaxConcurrency, s.MaxConcurrencyPath, input, context)) || LOCAL_CONCURRENCY_CAP, LOCAL_CONCURRENCY_CAP);

    const results = new Array(childInputs.length);
    let next = 0;
    const worker = async () => {
      while (next < childInputs.length) {
        const i = next++;
        results[i] = await this.harness.run(childInputs[i], { name: `${runId}-${i}`, type: this.childType, definition: this.childDefinition, parent: record });
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, childInputs.length) }, worker));

    const failed = results.filter((r) => r.status !== 'SUCCEEDED');
    const pct = await this.field(s.ToleratedFailurePercentage, s.ToleratedFailurePercentagePath, input, context);
    const count = await this.field(s.ToleratedFailureCount, s.ToleratedFailureCountPath, input, context);
    const tolerated = (pct === undefined && count === undefined)
      ? failed.length === 0
      : (pct === undefined || failed.length * 100 <= pct * results.length) && (count === undefined || failed.length <= count);
    this.lastRun = { mapRunArn, items: items.length, children: results.length, failed: failed.length, concurrency };

    let result;
    if (s.ResultWriter) {
      const { Resource, Parameters } = s.ResultWriter;
      if (!/^arn:[^:]+:states:::s3:putObject$/.test(Resource)) throw new Error(`${this.stateName}: ResultWriter ${Resource} is not emulated`);
      const { Bucket, Prefix = '' } = await evaluateTemplate(Parameters, input, context);
      const base = `${Prefix}${runId}/`;
      const detail = (r) => ({ Name: r.name, Status: r.status, Output: JSON.stringify(r.output ?? null), Error: r.error?.Error, Cause: r.error?.Cause });
      const s3 = this.harness.world.s3;
      s3.put(Bucket, `${base}SUCCEEDED_0.json`, JSON.stringify(results.filter((r) => r.status === 'SUCCEEDED').map(detail)));
      s3.put(Bucket, `${base}FAILED_0.json`, JSON.stringify(failed.map(detail)));
      s3.put(Bucket, `${base}manifest.json`, JSON.stringify({ DestinationBucket: Bucket, MapRunArn: mapRunArn, ResultFiles: { SUCCEEDED: [{ Key: `${base}SUCCEEDED_0.json` }], FAILED: [{ Key: `${base}FAILED_0.json` }] } }));
      result = { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket, Key: `${base}manifest.json` } };
    } else {
      result = results.map((r) => r.output ?? null);
    }
    if (!tolerated) throw stepError('States.ExceedToleratedFailureThreshold', `${failed.length} of ${results.length} child executions failed`);
    return result;
  }
}
