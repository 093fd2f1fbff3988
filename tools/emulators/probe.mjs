#!/usr/bin/env node
// Probe of tools/emulators/start.mjs: spawns it as a test fixture would (stdin as a pipe), reads the
// endpoint line, exercises the S3 / SQS / DynamoDB features the integration tests may rely on with
// the AWS SDK for JavaScript that fauxqs ships (DynamoDB through SigV4-signed JSON requests), then
// closes stdin and checks that the emulators exit 0 promptly.
//
// Prints one line per feature: "yes" (works like AWS), "no" (unsupported or different), with
// detail. Exit 1 only if the launcher contract itself fails (no endpoint line, not on 127.0.0.1,
// or no prompt clean exit); unsupported features are reported, not failed.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  S3Client,
  CreateBucketCommand,
  PutObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  CopyObjectCommand,
} from '@aws-sdk/client-s3';
import { SQSClient, CreateQueueCommand, SendMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac } from 'node:crypto';

const here = path.dirname(fileURLToPath(import.meta.url));
const region = 'us-east-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const results = [];
const report = (feature, ok, detail = '') => {
  results.push({ feature, ok });
  console.log(`${ok ? 'yes' : 'no '}  ${feature}${detail ? `  (${detail})` : ''}`);
};
// The hash SignatureV4 wants: new Sha256(secret?) with update() and async digest().
class Sha256 {
  constructor(secret) {
    this.hash = secret ? createHmac('sha256', secret) : createHash('sha256');
  }
  update(data) {
    this.hash.update(data);
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}
const errName = (e) => e?.name ?? e?.Code ?? String(e);

// ---- launcher contract -------------------------------------------------------------------
const t0 = performance.now();
const child = spawn(process.execPath, [path.join(here, 'start.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
const firstLine = await new Promise((resolve, reject) => {
  const rl = createInterface({ input: child.stdout });
  const timer = setTimeout(() => reject(new Error('no endpoint line within 15 s')), 15_000);
  rl.once('line', (line) => {
    clearTimeout(timer);
    resolve(line);
  });
  child.once('exit', (code) => reject(new Error(`start.mjs exited early with ${code}`)));
});
const startMs = Math.round(performance.now() - t0);
const ep = JSON.parse(firstLine);
let contractOk = ['s3', 'sqs', 'dynamodb'].every((k) => /^http:\/\/127\.0\.0\.1:\d+$/.test(ep[k] ?? ''));
console.log(`endpoints ${firstLine} (ready after ${startMs} ms)`);

try {
  // ---- S3 (fauxqs) ---------------------------------------------------------------------------
  const s3 = new S3Client({ endpoint: ep.s3, region, credentials, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'src' }));
  await s3.send(new CreateBucketCommand({ Bucket: 'dst' }));
  const put = await s3.send(
    new PutObjectCommand({ Bucket: 'src', Key: 'a/b.txt', Body: 'hello', ContentType: 'text/plain', Metadata: { stage: 'raw' } }),
  );
  report('path-style addressing (forcePathStyle)', true, 'bucket created, object put');
  report('ETag on PutObject', /^"[0-9a-f]{32}"$/.test(put.ETag ?? ''), `ETag=${put.ETag}`);
  const head = await s3.send(new HeadObjectCommand({ Bucket: 'src', Key: 'a/b.txt' }));
  report('HeadObject returns user metadata', head.Metadata?.stage === 'raw', `Metadata=${JSON.stringify(head.Metadata)}`);
  const get = await s3.send(new GetObjectCommand({ Bucket: 'src', Key: 'a/b.txt' }));
  const body = await get.Body.transformToString();
  report('GetObject body and user metadata', body === 'hello' && get.Metadata?.stage === 'raw', `body=${body} Metadata=${JSON.stringify(get.Metadata)}`);

  try {
    const self = await s3.send(
      new CopyObjectCommand({ Bucket: 'src', Key: 'a/b.txt', CopySource: 'src/a/b.txt', MetadataDirective: 'REPLACE', Metadata: { stage: 'done' } }),
    );
    const after = await s3.send(new HeadObjectCommand({ Bucket: 'src', Key: 'a/b.txt' }));
    report('CopyObject onto itself with MetadataDirective REPLACE', after.Metadata?.stage === 'done', `Metadata after=${JSON.stringify(after.Metadata)}`);
    report('ETag on CopyObject', /^"[0-9a-f]{32}"$/.test(self.CopyObjectResult?.ETag ?? ''), `ETag=${self.CopyObjectResult?.ETag}`);
  } catch (e) {
    report('CopyObject onto itself with MetadataDirective REPLACE', false, errName(e));
  }
  try {
    await s3.send(new CopyObjectCommand({ Bucket: 'dst', Key: 'copy.txt', CopySource: 'src/a/b.txt' }));
    const c = await s3.send(new GetObjectCommand({ Bucket: 'dst', Key: 'copy.txt' }));
    const cb = await c.Body.transformToString();
    report('CopyObject to another bucket (COPY keeps metadata)', cb === 'hello' && c.Metadata?.stage === 'done', `body=${cb} Metadata=${JSON.stringify(c.Metadata)}`);
  } catch (e) {
    report('CopyObject to another bucket (COPY keeps metadata)', false, errName(e));
  }
  try {
    await s3.send(
      new CopyObjectCommand({ Bucket: 'dst', Key: 'copy2.txt', CopySource: 'src/a/b.txt', MetadataDirective: 'REPLACE', Metadata: { other: 'x' } }),
    );
    const c = await s3.send(new HeadObjectCommand({ Bucket: 'dst', Key: 'copy2.txt' }));
    report('x-amz-meta-* on CopyObject (REPLACE to another key)', c.Metadata?.other === 'x' && c.Metadata?.stage === undefined, `Metadata=${JSON.stringify(c.Metadata)}`);
  } catch (e) {
    report('x-amz-meta-* on CopyObject (REPLACE to another key)', false, errName(e));
  }
  try {
    await s3.send(new CopyObjectCommand({ Bucket: 'dst', Key: 'copy3.txt', CopySource: 'src/a/b.txt', MetadataDirective: 'COPY', Metadata: { ignored: 'y' } }));
    const c = await s3.send(new HeadObjectCommand({ Bucket: 'dst', Key: 'copy3.txt' }));
    report('CopyObject COPY ignores request x-amz-meta-*', c.Metadata?.ignored === undefined && c.Metadata?.stage === 'done', `Metadata=${JSON.stringify(c.Metadata)}`);
  } catch (e) {
    report('CopyObject COPY ignores request x-amz-meta-*', false, errName(e));
  }
  try {
    await s3.send(new GetObjectCommand({ Bucket: 'src', Key: 'a/b.txt', VersionId: 'no-such-version' }));
    report('GetObject with VersionId (unknown id must fail)', false, 'VersionId ignored: the current object was returned');
  } catch (e) {
    report('GetObject with VersionId (unknown id must fail)', true, errName(e));
  }
  const cur = await s3.send(new HeadObjectCommand({ Bucket: 'src', Key: 'a/b.txt' }));
  try {
    await s3.send(new GetObjectCommand({ Bucket: 'src', Key: 'a/b.txt', IfMatch: cur.ETag }));
    try {
      await s3.send(new GetObjectCommand({ Bucket: 'src', Key: 'a/b.txt', IfMatch: '"00000000000000000000000000000000"' }));
      report('GetObject If-Match (wrong ETag must give 412)', false, 'If-Match ignored');
    } catch (e) {
      report('GetObject If-Match (wrong ETag must give 412)', e?.$metadata?.httpStatusCode === 412, `${errName(e)} ${e?.$metadata?.httpStatusCode}`);
    }
  } catch (e) {
    report('GetObject If-Match (wrong ETag must give 412)', false, `matching ETag failed: ${errName(e)}`);
  }
  try {
    await s3.send(new GetObjectCommand({ Bucket: 'src', Key: 'a/b.txt', IfNoneMatch: cur.ETag }));
    report('GetObject If-None-Match (current ETag must give 304)', false, 'condition ignored');
  } catch (e) {
    report('GetObject If-None-Match (current ETag must give 304)', e?.$metadata?.httpStatusCode === 304, `${errName(e)} ${e?.$metadata?.httpStatusCode}`);
  }
  try {
    await s3.send(new HeadObjectCommand({ Bucket: 'src', Key: 'a/b.txt', IfMatch: '"00000000000000000000000000000000"' }));
    report('HeadObject If-Match (wrong ETag must give 412)', false, 'condition ignored');
  } catch (e) {
    report('HeadObject If-Match (wrong ETag must give 412)', e?.$metadata?.httpStatusCode === 412, `${errName(e)} ${e?.$metadata?.httpStatusCode}`);
  }
  try {
    await s3.send(new PutObjectCommand({ Bucket: 'src', Key: 'a/b.txt', Body: 'x', IfMatch: '"00000000000000000000000000000000"' }));
    report('PutObject If-Match (wrong ETag must give 412)', false, 'If-Match ignored: object overwritten');
  } catch (e) {
    report('PutObject If-Match (wrong ETag must give 412)', e?.$metadata?.httpStatusCode === 412, `${errName(e)} ${e?.$metadata?.httpStatusCode}`);
  }
  try {
    await s3.send(new PutObjectCommand({ Bucket: 'src', Key: 'a/b.txt', Body: 'y', IfNoneMatch: '*' }));
    report('PutObject If-None-Match: * on existing key must give 412', false, 'If-None-Match ignored: object overwritten');
  } catch (e) {
    report('PutObject If-None-Match: * on existing key must give 412', e?.$metadata?.httpStatusCode === 412, `${errName(e)} ${e?.$metadata?.httpStatusCode}`);
  }
  try {
    await s3.send(
      new CopyObjectCommand({ Bucket: 'dst', Key: 'copy4.txt', CopySource: 'src/a/b.txt', CopySourceIfMatch: '"00000000000000000000000000000000"' }),
    );
    report('CopyObject x-amz-copy-source-if-match (wrong ETag must give 412)', false, 'condition ignored');
  } catch (e) {
    report('CopyObject x-amz-copy-source-if-match (wrong ETag must give 412)', e?.$metadata?.httpStatusCode === 412, `${errName(e)} ${e?.$metadata?.httpStatusCode}`);
  }

  // ---- SQS (fauxqs) ------------------------------------------------------------------------
  const sqs = new SQSClient({ endpoint: ep.sqs, region, credentials });
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'probe' }));
  await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'm1', MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } } }));
  const recv = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }));
  const m = recv.Messages?.[0];
  report('SQS create/send/receive with message attributes', m?.Body === 'm1' && m?.MessageAttributes?.k?.StringValue === 'v', `QueueUrl=${QueueUrl}`);

  // ---- DynamoDB (dynalite) -------------------------------------------------------------------
  const url = new URL(ep.dynamodb);
  const signer = new SignatureV4({ service: 'dynamodb', region, credentials, sha256: Sha256 });
  const ddb = async (op, payload) => {
    const body = JSON.stringify(payload);
    const req = await signer.sign({
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: '/',
      headers: { host: url.host, 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `DynamoDB_20120810.${op}` },
      body,
    });
    const res = await fetch(ep.dynamodb, { method: 'POST', headers: req.headers, body });
    const json = await res.json();
    if (!res.ok) throw Object.assign(new Error(json.message ?? json.Message ?? res.status), { name: String(json.__type ?? '').split('#').pop(), status: res.status });
    return json;
  };
  const table = {
    TableName: 'items',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  };
  let streamArn;
  try {
    const created = await ddb('CreateTable', { ...table, StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } });
    streamArn = created.TableDescription?.LatestStreamArn;
    const described = (await ddb('DescribeTable', { TableName: 'items' })).Table;
    report('CreateTable with StreamSpecification accepted', true, `status ${created.TableDescription?.TableStatus} -> ${described?.TableStatus}`);
    report(
      'StreamSpecification kept (DescribeTable StreamSpecification / LatestStreamArn)',
      Boolean(described?.StreamSpecification && described?.LatestStreamArn),
      `StreamSpecification=${JSON.stringify(described?.StreamSpecification)} LatestStreamArn=${described?.LatestStreamArn ?? '(none)'}`,
    );
  } catch (e) {
    report('CreateTable with StreamSpecification accepted', false, `${e.name}: ${e.message}`);
    await ddb('CreateTable', table);
  }
  const putIfAbsent = { TableName: 'items', Item: { pk: { S: 'k1' }, v: { N: '1' } }, ConditionExpression: 'attribute_not_exists(pk)' };
  await ddb('PutItem', putIfAbsent);
  try {
    await ddb('PutItem', putIfAbsent);
    report('conditional PutItem twice -> ConditionalCheckFailedException', false, 'second put succeeded');
  } catch (e) {
    report('conditional PutItem twice -> ConditionalCheckFailedException', e.name === 'ConditionalCheckFailedException', `${e.name} (${e.status})`);
  }
  try {
    const r = await ddb('UpdateTimeToLive', { TableName: 'items', TimeToLiveSpecification: { Enabled: true, AttributeName: 'ttl' } });
    report('UpdateTimeToLive', true, JSON.stringify(r.TimeToLiveSpecification));
  } catch (e) {
    report('UpdateTimeToLive', false, `${e.name}: ${e.message}`);
  }
  try {
    const d = await ddb('DescribeTimeToLive', { TableName: 'items' });
    report('DescribeTimeToLive', true, JSON.stringify(d.TimeToLiveDescription));
  } catch (e) {
    report('DescribeTimeToLive', false, `${e.name}: ${e.message}`);
  }
  try {
    await ddb('UpdateTable', { TableName: 'items', StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } });
    const t = (await ddb('DescribeTable', { TableName: 'items' })).Table;
    report('UpdateTable with StreamSpecification', Boolean(t?.LatestStreamArn), `LatestStreamArn=${t?.LatestStreamArn ?? '(none)'}`);
  } catch (e) {
    report('UpdateTable with StreamSpecification', false, `${e.name}: ${e.message}`);
  }
  try {
    await ddb('ListStreams', {});
    report('DynamoDB Streams API (ListStreams on the same endpoint)', true);
  } catch (e) {
    report('DynamoDB Streams API (ListStreams on the same endpoint)', false, `${e.name}: ${e.message}`);
  }
  try {
    await ddb('TransactWriteItems', {
      TransactItems: [{ Put: { TableName: 'items', Item: { pk: { S: 'k2' } }, ConditionExpression: 'attribute_not_exists(pk)' } }],
    });
    report('TransactWriteItems', true);
  } catch (e) {
    report('TransactWriteItems', false, `${e.name}: ${e.message}`);
  }
} catch (e) {
  console.log(`probe aborted: ${e?.stack ?? e}`);
  contractOk = false;
}

// ---- shutdown: close stdin like a parent that goes away --------------------------------------
const t1 = performance.now();
child.stdin.end();
const code = await new Promise((resolve) => {
  const timer = setTimeout(() => {
    child.kill('SIGKILL');
    resolve('timeout');
  }, 10_000);
  child.once('exit', (c) => {
    clearTimeout(timer);
    resolve(c);
  });
});
const stopMs = Math.round(performance.now() - t1);
console.log(`emulators exited with ${code} ${stopMs} ms after stdin closed`);
if (code !== 0) contractOk = false;
const supported = results.filter((r) => r.ok).length;
console.log(`emulator probe: ${supported} of ${results.length} features as on AWS; launcher contract ${contractOk ? 'ok' : 'FAILED'}`);
process.exitCode = contractOk ? 0 : 1;
