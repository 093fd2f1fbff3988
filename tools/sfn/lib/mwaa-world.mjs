// The in-memory world the MwaaScheduler workflows run against: the MWAA control plane (environments by name,
// status advanced per poll, scripted faults), the Airflow inside each environment (DAG runs with scripted
// outcomes), the backup bucket (what the export DAG and the BackupCatalog function write), the lock table and
// the SNS topic. One MwaaWorld per scenario. The handler doubles (MwaaLock, MwaaBackupCatalog, MwaaDagRuns)
// implement design §3's inputs, outputs and error names against it; the aws-sdk:mwaa doubles return the
// shapes of the MWAA API (botocore mwaa/2020-07-01/service-2.json: GetEnvironmentOutput.Environment,
// CreateEnvironmentOutput {Arn}, DeleteEnvironmentOutput {}, UpdateEnvironmentOutput {Arn}), PascalCase as the
// Step Functions AWS SDK integration passes them, errors named `Mwaa.<Exception>`.

import crypto from 'node:crypto';
import { InMemoryS3 } from './world.mjs';
import { stepError } from './doubles.mjs';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

/** The 25 members of CreateEnvironmentInput (botocore service-2.json), the catalog's allow-list. */
export const REQUEST_FIELDS = ['Name', 'ExecutionRoleArn', 'SourceBucketArn', 'DagS3Path', 'NetworkConfiguration', 'PluginsS3Path',
  'PluginsS3ObjectVersion', 'RequirementsS3Path', 'RequirementsS3ObjectVersion', 'StartupScriptS3Path', 'StartupScriptS3ObjectVersion',
  'AirflowConfigurationOptions', 'EnvironmentClass', 'MaxWorkers', 'KmsKey', 'AirflowVersion', 'LoggingConfiguration',
  'WeeklyMaintenanceWindowStart', 'Tags', 'WebserverAccessMode', 'MinWorkers', 'Schedulers', 'EndpointManagement', 'MinWebservers', 'MaxWebservers'];
const REQUIRED_FOR_CREATE = ['Name', 'ExecutionRoleArn', 'SourceBucketArn', 'DagS3Path', 'NetworkConfiguration'];
/** Members UpdateEnvironmentInput accepts (botocore): the request fields minus those fixed at creation. */
const UPDATE_FIELDS = REQUEST_FIELDS.filter((f) => !['KmsKey', 'Tags', 'EndpointManagement'].includes(f));
export const STATUSES = ['CREATING', 'CREATE_FAILED', 'AVAILABLE', 'UPDATING', 'DELETING', 'DELETED', 'UNAVAILABLE', 'UPDATE_FAILED',
  'ROLLING_BACK', 'CREATING_SNAPSHOT', 'PENDING', 'MAINTENANCE'];
const LOG_MODULES = { DagProcessingLogs: 'DAGProcessing', SchedulerLogs: 'Scheduler', WebserverLogs: 'WebServer', WorkerLogs: 'Worker', TaskLogs: 'Task' };
const NAME_RULE = /^[a-zA-Z][0-9a-zA-Z_-]{0,79}$/;

/** Required tables of a metadata backup (design §4), + connection/variable when exported. Non-empty: dag_state, slot_pool. */
export const REQUIRED_TABLES = ['slot_pool', 'dag_run', 'task_instance', 'task_fail', 'log', 'xcom', 'dag_state'];
const NON_EMPTY_TABLES = ['dag_state', 'slot_pool'];

const sha256 = (s) => crypto.createHash('sha256').update(s).digest('hex');
const clone = (v) => (v === undefined ? undefined : structuredClone(v));

/** A GetEnvironment.Environment as MWAA returns it for an environment created by CloudFormation (aws: tags included). */
export function sampleEnvironment(name, overrides = {}) {
  const logGroup = (m) => `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:airflow-${name}-${m}`;
  return {
    Name: name,
    Arn: `arn:aws:airflow:${REGION}:${ACCOUNT}:environment/${name}`,
    Status: 'AVAILABLE',
    AirflowVersion: '2.10.3',
    CreatedAt: '2026-11-02T08:15:00Z',
    WebserverUrl: `0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d.c2.${REGION}.airflow.amazonaws.com`,
    ExecutionRoleArn: `arn:aws:iam::${ACCOUNT}:role/mwaa-execution`,
    ServiceRoleArn: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/airflow.amazonaws.com/AWSServiceRoleForAmazonMWAA`,
    SourceBucketArn: 'arn:aws:s3:::dag-bucket',
    DagS3Path: 'dags',
    PluginsS3Path: 'plugins.zip',
    PluginsS3ObjectVersion: 'plugins-v3',
    RequirementsS3Path: 'requirements.txt',
    RequirementsS3ObjectVersion: 'requirements-v7',
    AirflowConfigurationOptions: { 'core.default_task_retries': '2' },
    EnvironmentClass: 'mw1.small',
    MaxWorkers: 5,
    MinWorkers: 1,
    Schedulers: 2,
    MinWebservers: 2,
    MaxWebservers: 2,
    NetworkConfiguration: { SubnetIds: ['subnet-0a1b2c3d', 'subnet-4e5f6a7b'], SecurityGroupIds: ['sg-0c1d2e3f'] },
    LoggingConfiguration: Object.fromEntries(Object.entries(LOG_MODULES).map(([k, m]) => [k, { Enabled: k !== 'WebserverLogs', LogLevel: k === 'TaskLogs' ? 'INFO' : 'WARNING', CloudWatchLogGroupArn: logGroup(m) }])),
    LastUpdate: { Status: 'SUCCESS', CreatedAt: '2026-11-20T10:00:00Z', Source: 'SERVICE' },
    WeeklyMaintenanceWindowStart: 'SUN:03:00',
    Tags: { team: 'data', 'aws:cloudformation:stack-name': 'airflow', 'AWS:CloudFormation:logical-id': 'Env' },
    WebserverAccessMode: 'PRIVATE_ONLY',
    WebserverVpcEndpointService: `com.amazonaws.vpce.${REGION}.vpce-svc-0a1b2c3d4e5f6a7b8`,
    DatabaseVpcEndpointService: `com.amazonaws.vpce.${REGION}.vpce-svc-0f1e2d3c4b5a69788`,
    CeleryExecutorQueue: `arn:aws:sqs:${REGION}:${ACCOUNT}:airflow-celery-${name}`,
    EndpointManagement: 'SERVICE',
    ...overrides,
  };
}

/**
 * The MWAA control plane. An environment's status moves on per GetEnvironment call ("poll"): `pending` is
 * `{ polls, status, error?, gone? }` — after `polls` more polls the status becomes `status` (or the environment
 * is gone: ResourceNotFoundException), with `LastUpdate.Error` = error. `script` says how each operation ends:
 * `deletion`, `creation`, `update` = `{ polls, status, error?, gone? }`. `faults[Operation]` = error names thrown by
 * successive calls of that operation (then it works).
 */
export class MwaaControlPlane {
  constructor(world) {
    this.world = world;
    this.environments = new Map();
    this.script = {
      deletion: { polls: 3, gone: true },
      creation: { polls: 3, status: 'AVAILABLE' },
      update: { polls: 2, status: 'AVAILABLE' },
    };
    this.faults = {};
    this.polls = 0;
  }

  seed(environment, pending) {
    this.environments.set(environment.Name, { env: clone(environment), pending });
  }

  status(name) {
    return this.environments.get(name)?.env.Status ?? 'GONE';
  }

  fault(operation) {
    const queue = this.faults[operation];
    if (queue?.length) {
      const name = queue.shift();
      throw stepError(name, `${name}: scripted fault of ${operation}`);
    }
  }

  notFound(name) {
    return stepError('Mwaa.ResourceNotFoundException', `Environment ${name} not found`);
  }

  getEnvironment({ Name, ...rest }) {
    this.fault('GetEnvironment');
    checkNoExtra('GetEnvironment', rest);
    this.polls++;
    const rec = this.environments.get(Name);
    if (!rec) throw this.notFound(Name);
    if (rec.pending) {
      rec.pending.polls--;
      if (rec.pending.polls <= 0) {
        const { status, error, gone } = rec.pending;
        rec.pending = undefined;
        if (gone) {
          this.environments.delete(Name);
          throw this.notFound(Name);
        }
        rec.env.Status = status;
        const failed = error !== undefined || /FAILED|UNAVAILABLE/.test(status);
        rec.env.LastUpdate = { ...rec.env.LastUpdate, Status: failed ? 'FAILED' : 'SUCCESS' };
        if (error) rec.env.LastUpdate.Error = clone(error);
        else delete rec.env.LastUpdate.Error;
      }
    }
    return { Environment: clone(rec.env) };
  }

  deleteEnvironment({ Name, ...rest }) {
    this.fault('DeleteEnvironment');
    checkNoExtra('DeleteEnvironment', rest);
    const rec = this.environments.get(Name);
    if (!rec) throw this.notFound(Name);
    if (!['AVAILABLE', 'UPDATE_FAILED', 'CREATE_FAILED', 'UNAVAILABLE'].includes(rec.env.Status)) {
      throw stepError('Mwaa.ValidationException', `Environment ${Name} is ${rec.env.Status} and cannot be deleted`);
    }
    rec.env.Status = 'DELETING';
    rec.env.LastUpdate = { Status: 'PENDING', CreatedAt: '2026-12-05T20:10:00Z', Source: 'CUSTOMER' };
    rec.pending = clone(this.script.deletion);
    rec.deleted = true;
    return {};
  }

  createEnvironment(params) {
    this.fault('CreateEnvironment');
    const request = dropNulls(params);
    const problems = [];
    for (const k of Object.keys(request)) if (!REQUEST_FIELDS.includes(k)) problems.push(`unknown member ${k}`);
    for (const k of REQUIRED_FOR_CREATE) if (request[k] === undefined) problems.push(`${k} is required`);
    if (request.Name !== undefined && !NAME_RULE.test(request.Name)) problems.push(`Name ${request.Name} is not a valid environment name`);
    for (const key of Object.keys(request.Tags ?? {})) if (key.toLowerCase().startsWith('aws:')) problems.push(`tag key ${key}: the aws: prefix is reserved`);
    for (const [k, v] of Object.entries(request.LoggingConfiguration ?? {})) {
      if (!LOG_MODULES[k]) problems.push(`LoggingConfiguration.${k} is unknown`);
      for (const m of Object.keys(v ?? {})) if (!['Enabled', 'LogLevel'].includes(m)) problems.push(`LoggingConfiguration.${k}.${m} is not an input member`);
    }
    for (const kind of ['Plugins', 'Requirements', 'StartupScript']) {
      const path = request[`${kind}S3Path`];
      const version = request[`${kind}S3ObjectVersion`];
      if (path !== undefined && version !== undefined && !this.world.dagBucket.has(path, version)) problems.push(`Unable to access version ${version} of ${path}`);
    }
    const existing = this.environments.get(request.Name);
    if (existing && existing.env.Status !== 'DELETED') problems.push(`an environment named ${request.Name} already exists (${existing.env.Status})`);
    if (problems.length) throw stepError('Mwaa.ValidationException', problems.join('; '));
    const env = {
      ...sampleEnvironment(request.Name),
      ...clone(request),
      Status: 'CREATING',
      CreatedAt: '2026-12-06T06:00:00Z',
      LastUpdate: { Status: 'PENDING', CreatedAt: '2026-12-06T06:00:00Z', Source: 'CUSTOMER' },
      LoggingConfiguration: Object.fromEntries(Object.entries(request.LoggingConfiguration ?? {}).map(([k, v]) => [k, { ...v, CloudWatchLogGroupArn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:airflow-${request.Name}-${LOG_MODULES[k]}` }])),
      Tags: clone(request.Tags ?? {}),
    };
    this.environments.set(request.Name, { env, pending: clone(this.script.creation), created: true });
    this.world.airflow.reset(request.Name);
    this.created = clone(request);
    return { Arn: env.Arn };
  }

  updateEnvironment(params) {
    this.fault('UpdateEnvironment');
    const request = dropNulls(params);
    const unknown = Object.keys(request).filter((k) => !UPDATE_FIELDS.includes(k));
    if (unknown.length) throw stepError('Mwaa.ValidationException', `UpdateEnvironment: unknown member(s) ${unknown.join(', ')}`);
    const rec = this.environments.get(request.Name);
    if (!rec) throw this.notFound(request.Name);
    if (rec.env.Status !== 'AVAILABLE') throw stepError('Mwaa.ValidationException', `Environment ${request.Name} is ${rec.env.Status}`);
    Object.assign(rec.env, clone(request), { Status: 'UPDATING', LastUpdate: { Status: 'PENDING', CreatedAt: '2026-12-06T07:00:00Z', Source: 'CUSTOMER' } });
    rec.pending = clone(this.script.update);
    return { Arn: rec.env.Arn };
  }
}

function checkNoExtra(operation, rest) {
  const extra = Object.keys(rest);
  if (extra.length) throw stepError('Mwaa.ValidationException', `${operation}: unknown member(s) ${extra.join(', ')}`);
}

/**
 * Null members are left out of the request. (The Step Functions AWS SDK integration is assumed to treat a JSON
 * null like an absent member — unverified; design §2 passes all 25 request fields, null when absent.)
 */
function dropNulls(params) {
  return Object.fromEntries(Object.entries(params ?? {}).filter(([, v]) => v !== null && v !== undefined));
}

/** Versions of the objects in the environment's DAG bucket (plugins.zip, requirements.txt, startup script). */
export class DagBucket {
  constructor() {
    this.versions = new Set(['plugins.zip@plugins-v3', 'requirements.txt@requirements-v7']);
  }
  has(path, version) {
    return this.versions.has(`${path}@${version}`);
  }
  removeVersion(path, version) {
    this.versions.delete(`${path}@${version}`);
  }
}

/**
 * The Airflow of each environment: DAG runs, triggered and polled through the DagRuns double. `script[dagId]` =
 * `{ outcome: 'success' | 'failed' | 'never', polls, dagNotFound }`: the run is `queued`, then `running`, and reaches
 * its outcome on the `polls`-th status call ('never': stays running); the first `dagNotFound` calls about the DAG
 * fail with DagNotFound (the DAG is not parsed yet). A recreated environment starts with an empty Airflow.
 */
export class AirflowDouble {
  constructor(world) {
    this.world = world;
    this.instances = new Map(); // environment name -> { runs: Map, unpaused: Set, imported }
    this.script = {
      pcdk_export: { outcome: 'success', polls: 2, dagNotFound: 0 },
      pcdk_import: { outcome: 'success', polls: 2, dagNotFound: 0 },
    };
    this.onSuccess = {}; // dagId -> (conf, env) => void: what the DAG does when its run succeeds
  }

  reset(name) {
    this.instances.set(name, { runs: new Map(), unpaused: new Set(), imported: undefined });
  }

  instance(name) {
    if (!this.instances.has(name)) this.reset(name);
    return this.instances.get(name);
  }

  reachable(name) {
    const status = this.world.mwaa.status(name);
    if (status !== 'AVAILABLE') throw stepError('AirflowUnavailable', `environment ${name} is ${status}`);
  }

  dagCheck(dagId) {
    const sc = this.script[dagId];
    if (!sc) throw stepError('DagNotFound', `DAG ${dagId} does not exist`);
    if (sc.dagNotFound > 0) {
      sc.dagNotFound--;
      throw stepError('DagNotFound', `DAG ${dagId} is not parsed yet`);
    }
    return sc;
  }

  trigger(name, { dagId, runId, conf }) {
    this.reachable(name);
    const sc = this.dagCheck(dagId);
    const airflow = this.instance(name);
    airflow.unpaused.add(dagId);
    if (!airflow.runs.has(runId)) airflow.runs.set(runId, { dagId, runId, conf: clone(conf), state: 'queued', polls: 0, outcome: sc.outcome, needed: sc.polls });
    return { dagId, runId, state: airflow.runs.get(runId).state };
  }

  status(name, { dagId, runId }) {
    this.reachable(name);
    this.dagCheck(dagId);
    const run = this.instance(name).runs.get(runId);
    if (!run || run.dagId !== dagId) throw stepError('BadInput', `no run ${runId} of ${dagId}`);
    if (run.state === 'queued' || run.state === 'running') {
      run.polls++;
      if (run.outcome !== 'never' && run.polls >= run.needed) {
        run.state = run.outcome;
        if (run.state === 'success') {
          try {
            this.onSuccess[dagId]?.(run.conf, name);
          } catch (e) {
            run.state = 'failed';
            run.failure = e.message;
          }
        }
      } else {
        run.state = 'running';
      }
    }
    return { dagId, runId, state: run.state };
  }
}

/** The lock table (pk = lock name) with the MwaaLock function's conditional writes; `now` in epoch seconds. */
export class LockTable {
  constructor() {
    this.items = new Map();
    this.now = 1796500000;
  }
  acquire({ lockName, owner, operation, ttlSeconds }) {
    const item = this.items.get(lockName);
    if (item && item.expiresAt >= this.now && item.owner !== owner) {
      throw stepError('LockHeld', `lock ${lockName} is held by ${item.operation} execution ${item.owner} until ${new Date(item.expiresAt * 1000).toISOString()}`);
    }
    const expiresAt = this.now + ttlSeconds;
    this.items.set(lockName, { pk: lockName, owner, operation, expiresAt, ttl: expiresAt });
    return { acquired: true, expiresAt };
  }
  release({ lockName, owner }) {
    const item = this.items.get(lockName);
    if (!item || item.owner !== owner) return { released: false };
    this.items.delete(lockName);
    return { released: true };
  }
}

/** The notification topic: every message published, Subject and Message checked against SNS's limits. */
export class Topic {
  constructor() {
    this.messages = [];
  }
  publish(state, { TopicArn, Subject, Message, ...rest }) {
    const problems = [];
    if (!/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/.test(String(TopicArn))) problems.push(`TopicArn ${TopicArn}`);
    if (Subject !== undefined && (Subject.length > 100 || !/^[\x20-\x7e]+$/.test(Subject))) problems.push(`Subject must be 1-100 printable ASCII characters, got ${JSON.stringify(Subject)}`);
    const text = typeof Message === 'string' ? Message : JSON.stringify(Message);
    if (!text || Buffer.byteLength(text) > 256 * 1024) problems.push('Message empty or over 256 KB');
    if (Object.keys(rest).length) problems.push(`unexpected parameter(s) ${Object.keys(rest).join(', ')}`);
    if (problems.length) throw stepError('SNS.InvalidParameterException', problems.join('; '));
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
    this.messages.push({ state, TopicArn, Subject, text, message: parsed });
    return { MessageId: `m-${this.messages.length}`, SdkHttpMetadata: { HttpStatusCode: 200 } };
  }
}

/** Reads the Airflow version "2.10.3" as [2, 10, 3]. */
const version = (v) => String(v).split('.').map((x) => Number.parseInt(x, 10));

/** Whether the bundled DAGs can export this version's metadata (design §3: 2.7 <= v < 3). */
export function metadataExport(airflowVersion) {
  const [major, minor] = version(airflowVersion);
  if (major === 2 && minor >= 7) return { metadataExport: 'supported' };
  if (major >= 3) return { metadataExport: 'unsupported', reason: `Airflow ${airflowVersion}: tasks cannot reach the metadata database` };
  return { metadataExport: 'unsupported', reason: `Airflow ${airflowVersion}: older than 2.7, not supported by the export DAG` };
}

export class MwaaWorld {
  /**
   * @param environmentName  the environment the workflows manage
   * @param functionEnv      the handlers' environment variables (BACKUP_BUCKET, BACKUP_KEY_ARN, ENVIRONMENT_NAME, BACKUPS_TO_KEEP, ...)
   */
  constructor({ environmentName, functionEnv = {} }) {
    this.environmentName = environmentName;
    this.config = {
      bucket: functionEnv.BACKUP_BUCKET ?? 'backup-bucket',
      kmsKeyArn: functionEnv.BACKUP_KEY_ARN ?? `arn:aws:kms:${REGION}:${ACCOUNT}:key/0a1b2c3d-0000-4000-8000-000000000001`,
      environmentName: functionEnv.ENVIRONMENT_NAME ?? environmentName,
      backupsToKeep: Number(functionEnv.BACKUPS_TO_KEEP ?? 7),
      exportConnections: String(functionEnv.EXPORT_CONNECTIONS ?? 'true').toLowerCase() === 'true',
      exportVariables: String(functionEnv.EXPORT_VARIABLES ?? 'true').toLowerCase() === 'true',
    };
    this.s3 = new InMemoryS3();
    this.dagBucket = new DagBucket();
    this.mwaa = new MwaaControlPlane(this);
    this.airflow = new AirflowDouble(this);
    this.locks = new LockTable();
    this.topic = new Topic();
    this.calls = []; // every Task call: { execution, state, op, params, ok, error }
    this.startedExecutions = [];
    this.executionSeconds = new WeakMap();
    this.airflow.onSuccess.pcdk_export = (conf) => this.runExportDag(conf);
    this.airflow.onSuccess.pcdk_import = (conf, name) => this.runImportDag(conf, name);
  }

  spend(record, seconds) {
    if (record) this.executionSeconds.set(record, this.elapsed(record) + seconds);
  }

  elapsed(record) {
    return (record && this.executionSeconds.get(record)) || 0;
  }

  prefixOf(backupId) {
    return `backups/${this.config.environmentName}/${backupId}/`;
  }

  // ---- the export and import DAGs (what a successful run leaves behind) ----

  /** Writes the metadata files and, last, the manifest (design §4) under conf.prefix, as pcdk_export does. */
  runExportDag(conf) {
    const { bucket, prefix, kmsKeyArn } = conf;
    if (bucket !== this.config.bucket) throw new Error(`export conf bucket ${bucket}, the backup bucket is ${this.config.bucket}`);
    if (kmsKeyArn !== this.config.kmsKeyArn) throw new Error(`export conf kmsKeyArn ${kmsKeyArn}, the backup key is ${this.config.kmsKeyArn}`);
    const env = JSON.parse(this.s3.get(bucket, `${prefix}environment.json`) ?? 'null');
    if (!env) throw new Error(`no environment.json under ${prefix}`);
    const rows = { slot_pool: 2, dag_run: 120, task_instance: 900, task_fail: 3, log: 4000, xcom: 50, dag_state: 12 };
    const tables = [...REQUIRED_TABLES.map((t) => ({ table: t, path: `metadata/${t}.jsonl`, secret: false }))];
    if (conf.exportConnections) tables.push({ table: 'connection', path: 'secrets/connection.jsonl', secret: true });
    if (conf.exportVariables) tables.push({ table: 'variable', path: 'secrets/variable.jsonl', secret: true });
    const files = tables.map(({ table, path, secret }) => {
      const n = rows[table] ?? 4;
      const body = Array.from({ length: n }, (_, i) => JSON.stringify({ id: i + 1, table })).join('\n') + (n ? '\n' : '');
      this.s3.put(bucket, `${prefix}${path}`, body);
      return { path, table, rows: n, bytes: Buffer.byteLength(body), sha256: sha256(body), columns: ['id', 'table'], secret };
    });
    const manifest = { format: 'patterns-cdk-mwaa-backup/1', airflowVersion: env.airflowVersion, createdAt: '2026-12-05T20:05:00Z', dagCount: rows.dag_state, files };
    this.s3.put(bucket, `${prefix}manifest.json`, JSON.stringify(manifest));
  }

  /** pcdk_import: reads the manifest under conf.prefix and "restores" it into the environment's Airflow. */
  runImportDag(conf, name) {
    const manifest = this.s3.get(conf.bucket, `${conf.prefix}manifest.json`);
    if (!manifest) throw new Error(`no manifest under s3://${conf.bucket}/${conf.prefix}`);
    this.airflow.instance(name).imported = conf.prefix;
  }

  /** Changes a backup file after the export (a partial or corrupted export) so the manifest no longer matches. */
  tamper(prefix, path = 'metadata/dag_run.jsonl') {
    const body = this.s3.get(this.config.bucket, `${prefix}${path}`);
    if (body === undefined) throw new Error(`nothing to tamper at ${prefix}${path}`);
    this.s3.put(this.config.bucket, `${prefix}${path}`, body.split('\n').slice(0, 10).join('\n'));
  }

  // ---- handler doubles (design §3) ----

  /** MwaaBackupCatalog. */
  catalog(input) {
    switch (input?.action) {
      case 'saveConfiguration': return this.saveConfiguration(input);
      case 'verify': return this.verify(input);
      case 'loadLatest': return this.loadLatest(input);
      default: throw stepError('BadInput', `unknown action ${input?.action}`);
    }
  }

  saveConfiguration({ backupId, environment, ...rest }) {
    checkKeys('saveConfiguration', rest, ['action']);
    if (!/^\d{8}T\d{6}Z$/.test(String(backupId))) throw stepError('BadInput', `backupId must be yyyyMMddTHHmmssZ, got ${backupId}`);
    if (!environment || typeof environment !== 'object') throw stepError('BadInput', 'environment (GetEnvironment.Environment) is required');
    if (environment.Name !== this.config.environmentName) throw stepError('BadInput', `environment.Name ${environment.Name} is not ENVIRONMENT_NAME ${this.config.environmentName}`);
    for (const k of ['Status', 'Arn', 'AirflowVersion', 'ExecutionRoleArn']) if (environment[k] === undefined) throw stepError('BadInput', `environment.${k} missing: pass GetEnvironment's Environment object`);
    const request = {};
    for (const f of REQUEST_FIELDS) if (environment[f] !== undefined) request[f] = clone(environment[f]);
    if (request.LoggingConfiguration) {
      request.LoggingConfiguration = Object.fromEntries(Object.entries(request.LoggingConfiguration).map(([k, v]) => [k, { Enabled: v.Enabled, LogLevel: v.LogLevel }]));
    }
    if (request.Tags) request.Tags = Object.fromEntries(Object.entries(request.Tags).filter(([k]) => !k.toLowerCase().startsWith('aws:')));
    const prefix = this.prefixOf(backupId);
    this.s3.put(this.config.bucket, `${prefix}environment.json`, JSON.stringify({ backupId, airflowVersion: environment.AirflowVersion, request }));
    const decision = metadataExport(environment.AirflowVersion);
    return {
      backupId, prefix, airflowVersion: environment.AirflowVersion, ...decision, runId: `pcdk-${backupId}`,
      exportConf: { bucket: this.config.bucket, prefix, kmsKeyArn: this.config.kmsKeyArn, exportConnections: this.config.exportConnections, exportVariables: this.config.exportVariables },
    };
  }

  verify({ prefix, metadata, ...rest }) {
    checkKeys('verify', rest, ['action']);
    if (typeof metadata !== 'boolean') throw stepError('BadInput', `metadata must be true or false, got ${JSON.stringify(metadata)}`);
    const b = this.config.bucket;
    const base = `backups/${this.config.environmentName}/`;
    if (!String(prefix).startsWith(base) || !prefix.endsWith('/')) throw stepError('BadInput', `prefix ${prefix} is not under ${base}`);
    const problems = [];
    const envText = this.s3.get(b, `${prefix}environment.json`);
    const env = envText ? JSON.parse(envText) : undefined;
    if (!env) problems.push('environment.json missing');
    for (const kind of ['Plugins', 'Requirements', 'StartupScript']) {
      const p = env?.request[`${kind}S3Path`];
      const v = env?.request[`${kind}S3ObjectVersion`];
      if (p !== undefined && v !== undefined && !this.dagBucket.has(p, v)) problems.push(`${p} version ${v} no longer exists in the DAG bucket`);
    }
    let files = 0;
    let rows = 0;
    let bytes = 0;
    if (metadata) {
      const text = this.s3.get(b, `${prefix}manifest.json`);
      const manifest = text ? JSON.parse(text) : undefined;
      if (!manifest) problems.push('manifest.json missing');
      else {
        if (manifest.format !== 'patterns-cdk-mwaa-backup/1') problems.push(`manifest format ${manifest.format}`);
        if (env && manifest.airflowVersion !== env.airflowVersion) problems.push(`manifest Airflow ${manifest.airflowVersion} != environment ${env.airflowVersion}`);
        const required = [...REQUIRED_TABLES, ...(this.config.exportConnections ? ['connection'] : []), ...(this.config.exportVariables ? ['variable'] : [])];
        for (const t of required) if (!manifest.files.some((f) => f.table === t)) problems.push(`table ${t} not in the manifest`);
        for (const f of manifest.files) {
          const body = this.s3.get(b, `${prefix}${f.path}`);
          if (body === undefined) {
            problems.push(`${f.path} missing`);
            continue;
          }
          const lines = body.split('\n').filter((l) => l !== '').length;
          if (Buffer.byteLength(body) !== f.bytes) problems.push(`${f.path}: ${Buffer.byteLength(body)} bytes, manifest says ${f.bytes}`);
          if (sha256(body) !== f.sha256) problems.push(`${f.path}: SHA-256 differs from the manifest`);
          if (lines !== f.rows) problems.push(`${f.path}: ${lines} rows, manifest says ${f.rows}`);
          if (NON_EMPTY_TABLES.includes(f.table) && f.rows === 0) problems.push(`${f.table} is empty`);
          files++;
          rows += f.rows;
          bytes += f.bytes;
        }
      }
    }
    if (problems.length) throw stepError('BackupVerificationFailed', `backup ${prefix}: ${problems.join('; ')}`);
    const backupId = prefix.slice(base.length, -1);
    this.s3.put(b, `${base}latest-verified.json`, JSON.stringify({ backupId, prefix, metadata, airflowVersion: env.airflowVersion, verifiedAt: '2026-12-05T20:09:00Z' }));
    this.verified = [...(this.verified ?? []).filter((id) => id !== backupId), backupId].sort();
    const pruned = this.verified.slice(0, Math.max(0, this.verified.length - this.config.backupsToKeep)).filter((id) => id !== backupId);
    for (const id of pruned) for (const k of this.s3.keys(b, this.prefixOf(id))) this.s3.objects.delete(`${b}/${k}`);
    this.verified = this.verified.filter((id) => !pruned.includes(id));
    return { prefix, files, rows, bytes, pruned };
  }

  loadLatest(input) {
    checkKeys('loadLatest', input, ['action']);
    const b = this.config.bucket;
    const pointer = this.s3.get(b, `backups/${this.config.environmentName}/latest-verified.json`);
    if (!pointer) throw stepError('NoVerifiedBackup', `no verified backup of ${this.config.environmentName}`);
    const { backupId, prefix, metadata } = JSON.parse(pointer);
    const env = JSON.parse(this.s3.get(b, `${prefix}environment.json`));
    const request = Object.fromEntries(REQUEST_FIELDS.map((f) => [f, env.request[f] ?? null]));
    return { backupId, prefix, metadata, runId: `pcdk-i-${backupId}`, importConf: { bucket: b, prefix }, request };
  }

  /** MwaaDagRuns. */
  dagRuns(input) {
    const { action, dagId, runId, conf, ...rest } = input ?? {};
    if (action === 'trigger') {
      checkKeys('trigger', rest, []);
      if (!dagId || !runId || typeof conf !== 'object') throw stepError('BadInput', 'trigger needs dagId, runId, conf');
      if (`/dags/${dagId}/dagRuns/${runId}`.length > 64) throw stepError('BadInput', `path /dags/${dagId}/dagRuns/${runId} longer than 64 characters`);
      return this.airflow.trigger(this.config.environmentName, { dagId, runId, conf });
    }
    if (action === 'status') {
      checkKeys('status', conf === undefined ? rest : { conf, ...rest }, []);
      if (!dagId || !runId) throw stepError('BadInput', 'status needs dagId, runId');
      if (`/dags/${dagId}/dagRuns/${runId}`.length > 64) throw stepError('BadInput', `path /dags/${dagId}/dagRuns/${runId} longer than 64 characters`);
      return this.airflow.status(this.config.environmentName, { dagId, runId });
    }
    throw stepError('BadInput', `unknown action ${action}`);
  }

  /** MwaaLock. */
  lock(input) {
    const { action, ...rest } = input ?? {};
    if (action === 'acquire') {
      checkKeys('acquire', rest, ['lockName', 'owner', 'operation', 'ttlSeconds']);
      if (!rest.lockName || !rest.owner || !['pause', 'resume'].includes(rest.operation) || !(Number.isInteger(rest.ttlSeconds) && rest.ttlSeconds > 0)) {
        throw stepError('BadInput', `acquire needs lockName, owner, operation pause|resume, ttlSeconds > 0: ${JSON.stringify(rest)}`);
      }
      return this.locks.acquire(rest);
    }
    if (action === 'release') {
      checkKeys('release', rest, ['lockName', 'owner']);
      if (!rest.lockName || !rest.owner) throw stepError('BadInput', 'release needs lockName and owner');
      return this.locks.release(rest);
    }
    throw stepError('BadInput', `unknown action ${action}`);
  }
}

function checkKeys(action, rest, allowed) {
  const extra = Object.keys(rest ?? {}).filter((k) => !allowed.includes(k));
  if (extra.length) throw stepError('BadInput', `${action}: unexpected field(s) ${extra.join(', ')}`);
}
