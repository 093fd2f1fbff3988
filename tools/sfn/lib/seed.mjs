// Runs tools/sfn/seed-design.asl.json (our reconstruction of the seed blog's workflow) with doubles, so its
// transitions, history events and payloads are measured by the same code as ours.

import fs from 'node:fs';
import { Harness } from './harness.mjs';
import { World } from './world.mjs';
import { lambdaTask } from './doubles.mjs';
import { historyEvents, largestPayload, transitions } from './metrics.mjs';

export const SEED_FILE = new URL('../seed-design.asl.json', import.meta.url);

export async function measureSeed(pages) {
  const definition = JSON.parse(fs.readFileSync(SEED_FILE, 'utf8'));
  const world = new World();
  const statuses = [];
  const report = async (params) => {
    statuses.push(params.ExpressionAttributeValues[':s'].S); // unconditional writes, as in the seed
    return {};
  };
  const lambda = (name, fn) => lambdaTask(definition.States.PreparePollerJob.Resource, fn);
  const handlers = {
    PreparePollerJob: lambda('PreparePollerJob', async () => ({ jobId: 'seed-job', tasks: Array.from({ length: pages }, (_, i) => ({ taskId: `t${i + 1}`, page: i + 1 })) })),
    FetchPayload: lambda('FetchPayload', async ({ task }) => {
      const key = `seed-job/${task.taskId}.json`;
      world.s3.put(world.payloadBucket, key, '{}');
      return { bucket: world.payloadBucket, key };
    }),
    SendToSQS: async (params) => {
      world.queue.send(params.MessageBody, params.MessageAttributes);
      return { MessageId: `m${world.queue.sent}` };
    },
    ReportStarted: report, ReportSaved: report, ReportFailed: report, ReportEnqueued: report,
  };
  const harness = new Harness({ definition, handlers, stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:SeedPollerWorkflow', world });
  const record = await harness.run({ url: 'https://partner.example/payload' }, { name: `seed-${pages}` });
  if (record.status !== 'SUCCEEDED' || world.queue.sent !== pages) throw new Error(`seed run of ${pages} pages: ${record.status} ${JSON.stringify(record.error)}`);
  return { pages, standardTransitions: transitions(record), history: historyEvents(record), largest: largestPayload([record]) };
}
