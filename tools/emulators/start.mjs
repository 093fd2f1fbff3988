#!/usr/bin/env node
// Local AWS emulators for integration tests: fauxqs (S3 + SQS + SNS) and dynalite (DynamoDB),
// both bound to 127.0.0.1 only, each on a free port chosen by the OS.
//
// Contract (see README.md beside this file):
//   * once both listen, exactly one JSON line goes to stdout:
//       {"s3":"http://127.0.0.1:P1","sqs":"http://127.0.0.1:P1","dynamodb":"http://127.0.0.1:P2"}
//     nothing else is ever written to stdout; diagnostics go to stderr;
//   * it runs until stdin reaches end-of-file (the parent holds stdin open as a pipe, so the
//     emulators never outlive it), or SIGTERM / SIGINT / SIGHUP; then it closes both servers and
//     exits 0;
//   * exit 1 if either emulator cannot start.
// Option --no-stdin: ignore stdin and run until a signal (for running it by hand in the background).

import { createRequire } from 'node:module';
import { buildApp } from 'fauxqs';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite');

const HOST = '127.0.0.1';
const FORCE_EXIT_MS = 5000;

const args = process.argv.slice(2);
const watchStdin = !args.includes('--no-stdin');
for (const a of args) {
  if (a !== '--no-stdin') {
    process.stderr.write(`emulators: unknown argument ${a}\nusage: node tools/emulators/start.mjs [--no-stdin]\n`);
    process.exit(2);
  }
}

// By default fauxqs names queues http://sqs.<region>.localhost:P1/000000000000/<name>, a host that
// does not resolve everywhere (glibc has no *.localhost rule), and it looks queues up by that exact
// URL. An SqsStore whose `host` is empty names them after the request's Host header instead:
// http://127.0.0.1:P1/000000000000/<name>. SqsStore is not exported by the package, so it is loaded
// from beside fauxqs's entry point (fauxqs is pinned exactly); if that ever fails, the default stays.
async function sqsStoreWithPlainQueueUrls() {
  try {
    const { SqsStore } = await import(new URL('./sqs/sqsStore.js', import.meta.resolve('fauxqs')).href);
    const sqsStore = new SqsStore();
    sqsStore.host = '';
    return { sqsStore };
  } catch (e) {
    process.stderr.write(`emulators: keeping fauxqs's default queue URLs (sqs.<region>.localhost): ${e?.message ?? e}\n`);
    return undefined;
  }
}

let fauxqs; // fastify instance
let dynamo; // http.Server
let stopping = false;

async function stop(reason, code = 0) {
  if (stopping) return;
  stopping = true;
  // Never hang on the way out: a server that does not close in time is abandoned.
  setTimeout(() => {
    process.stderr.write(`emulators: servers did not close within ${FORCE_EXIT_MS} ms, exiting anyway\n`);
    process.exit(code);
  }, FORCE_EXIT_MS).unref();
  const closing = [];
  if (fauxqs) closing.push(fauxqs.close());
  if (dynamo?.listening) {
    closing.push(new Promise((resolve) => dynamo.close(() => resolve())));
    dynamo.closeAllConnections?.();
  }
  const results = await Promise.allSettled(closing);
  for (const r of results) if (r.status === 'rejected') process.stderr.write(`emulators: close failed: ${r.reason}\n`);
  if (reason) process.stderr.write(`emulators: stopped (${reason})\n`);
  process.exit(code);
}

for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => stop(sig));
// A reader that went away must not crash us with EPIPE; the stdin watch ends us instead.
process.stdout.on('error', () => {});

try {
  // fauxqs's startFauxqs() always listens on 0.0.0.0, so build its fastify app and listen ourselves.
  fauxqs = buildApp({ logger: false, stores: await sqsStoreWithPlainQueueUrls() });
  await fauxqs.listen({ port: 0, host: HOST });
  const fauxqsPort = fauxqs.server.address().port;

  // In-memory (no path), table state changes are immediate.
  dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise((resolve, reject) => {
    dynamo.once('error', reject);
    dynamo.listen(0, HOST, () => {
      dynamo.off('error', reject);
      resolve();
    });
  });
  const dynamoPort = dynamo.address().port;

  const endpoints = {
    s3: `http://${HOST}:${fauxqsPort}`,
    sqs: `http://${HOST}:${fauxqsPort}`,
    dynamodb: `http://${HOST}:${dynamoPort}`,
  };
  process.stdout.write(`${JSON.stringify(endpoints)}\n`);
} catch (e) {
  process.stderr.write(`emulators: failed to start: ${e?.stack ?? e}\n`);
  await stop(null, 1);
}

if (watchStdin) {
  process.stdin.on('end', () => stop('stdin closed'));
  process.stdin.on('close', () => stop('stdin closed'));
  process.stdin.on('error', () => stop('stdin error'));
  process.stdin.resume(); // read and discard anything the parent writes
}
