// Self-test of the MwaaScheduler scenarios: they must be able to fail. Each mutation breaks one of the contract
// fixtures (fixtures/mwaa-*.asl.json) the way a construct could get design §2 wrong; the named scenario has to fail
// on the mutant, and every scenario has to pass on the unmutated fixtures.

import { fileURLToPath } from 'node:url';
import { loadStateMachines } from './template.mjs';
import { runMwaaScenarios } from './mwaa-scenarios.mjs';

const fixture = (name) => fileURLToPath(new URL(`../fixtures/${name}.asl.json`, import.meta.url));
export const MWAA_FIXTURES = ['mwaa-pause', 'mwaa-pause-all-options', 'mwaa-resume', 'mwaa-resume-all-options'];

const withoutCatch = (state, error) => { state.Catch = state.Catch.filter((r) => !r.ErrorEquals.includes(error)); };

export const MWAA_MUTATIONS = [
  { fixture: 'mwaa-pause', name: 'VerifyBackup\'s Catch goes on to DeleteEnvironment', breaks: 'pause: manifest does not match',
    mutate: (d) => { d.States.VerifyBackup.Catch = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure.error', Next: 'DeleteEnvironment' }]; } },
  { fixture: 'mwaa-pause', name: 'no export poll limit (CountExportPoll loops straight back to WaitForExport)', breaks: 'pause: export DAG run never finishes',
    mutate: (d) => { d.States.CountExportPoll.Next = 'WaitForExport'; } },
  { fixture: 'mwaa-pause', name: 'no ReleaseLockAfterFailure (NotifyFailure ends in WorkflowFailed)', breaks: 'pause: environment UPDATING',
    mutate: (d) => { d.States.NotifyFailure.Next = 'WorkflowFailed'; d.States.NotifyFailure.Catch[0].Next = 'WorkflowFailed'; } },
  { fixture: 'mwaa-pause', name: 'GetEnvironment without the ResourceNotFoundException Catch', breaks: 'pause: environment not found',
    mutate: (d) => withoutCatch(d.States.GetEnvironment, 'Mwaa.ResourceNotFoundException') },
  { fixture: 'mwaa-pause', name: 'CheckEnvironmentStatus saves and deletes whatever the status', breaks: 'pause: environment UPDATING',
    mutate: (d) => { d.States.CheckEnvironmentStatus.Default = 'SaveConfiguration'; } },
  { fixture: 'mwaa-pause', name: 'RouteExport lets an unsupported Airflow through to VerifyBackup', breaks: 'pause: Airflow 3.0.6 without',
    mutate: (d) => { d.States.RouteExport.Default = 'VerifyBackup'; } },
  { fixture: 'mwaa-pause', name: 'DeleteEnvironment retries every error (States.ALL)', breaks: 'pause: DeleteEnvironment rejected',
    mutate: (d) => { d.States.DeleteEnvironment.Retry[0].ErrorEquals = ['States.ALL']; } },
  { fixture: 'mwaa-pause', name: 'a failure after the delete reports backupPrefix "none"', breaks: 'pause: DeleteEnvironment rejected',
    mutate: (d) => { delete d.States.FailedDeleteEnvironment.Parameters['backupPrefix.$']; d.States.FailedDeleteEnvironment.Parameters.backupPrefix = 'none'; } },
  { fixture: 'mwaa-pause', name: 'CheckDeletion keeps polling any status but DELETED', breaks: 'pause: deletion ends UNAVAILABLE',
    mutate: (d) => { d.States.CheckDeletion.Default = 'CountDeletionPoll'; } },
  { fixture: 'mwaa-pause', name: 'AcquireLock: LockHeld caught like any failure (notify, release)', breaks: 'pause: lock held',
    mutate: (d) => withoutCatch(d.States.AcquireLock, 'LockHeld') },
  { fixture: 'mwaa-pause', name: 'VerifyBackup without Retry', breaks: 'pause: transient faults',
    mutate: (d) => { delete d.States.VerifyBackup.Retry; } },
  { fixture: 'mwaa-pause', name: 'NotifyFailure without its Catch (a failed publish ends the run holding the lock)', breaks: 'the failure notification itself fails',
    mutate: (d) => { delete d.States.NotifyFailure.Catch; } },
  { fixture: 'mwaa-pause-all-options', name: 'VerifyBackup always asks for the metadata', breaks: 'pause: Airflow 3.0.6 with',
    mutate: (d) => { delete d.States.VerifyBackup.Parameters['metadata.$']; d.States.VerifyBackup.Parameters.metadata = true; } },
  { fixture: 'mwaa-resume', name: 'CheckCreation keeps polling on CREATE_FAILED', breaks: 'resume: CREATE_FAILED',
    mutate: (d) => { d.States.CheckCreation.Default = 'CountCreationPoll'; } },
  { fixture: 'mwaa-resume', name: 'CreateEnvironment leaves out the saved Tags', breaks: 'resume: happy path',
    mutate: (d) => { delete d.States.CreateEnvironment.Parameters['Tags.$']; } },
  { fixture: 'mwaa-resume', name: 'TriggerImport without the DagNotFound retry', breaks: 'resume: import DAG not parsed yet',
    mutate: (d) => { d.States.TriggerImport.Retry = d.States.TriggerImport.Retry.filter((r) => !r.ErrorEquals.includes('DagNotFound')); } },
  { fixture: 'mwaa-resume', name: 'RouteImport imports a configuration-only backup', breaks: 'resume: configuration-only backup',
    mutate: (d) => { d.States.RouteImport.Default = 'TriggerImport'; } },
  { fixture: 'mwaa-resume', name: 'CheckEnvironmentStatus recreates over an AVAILABLE environment', breaks: 'resume: environment AVAILABLE',
    mutate: (d) => { d.States.CheckEnvironmentStatus.Choices[0].Next = 'LoadBackup'; } },
  { fixture: 'mwaa-resume', name: 'no ReleaseLockAfterFailure on resume', breaks: 'resume: import DAG run fails',
    mutate: (d) => { d.States.NotifyFailure.Next = 'WorkflowFailed'; d.States.NotifyFailure.Catch[0].Next = 'WorkflowFailed'; } },
  { fixture: 'mwaa-resume-all-options', name: 'CheckUpdate takes UPDATE_FAILED for done', breaks: 'resume: UpdateAfterRestore, update ends UPDATE_FAILED',
    mutate: (d) => { d.States.CheckUpdate.Default = 'Resumed'; } },
];

async function failingScenarios(machine) {
  return (await runMwaaScenarios(machine)).filter((s) => s.failures.length).map((s) => s.name);
}

/** Returns [{ name, breaks, caught, failing }]: first the unmutated fixtures (nothing may fail), then each mutant. */
export async function mwaaSelfTest() {
  const bases = Object.fromEntries(MWAA_FIXTURES.map((f) => [f, loadStateMachines(fixture(f))[0]]));
  const results = [];
  for (const [name, base] of Object.entries(bases)) {
    const failing = await failingScenarios(base);
    results.push({ name: `unmutated ${name}.asl.json`, breaks: '(nothing)', caught: failing.length === 0, failing });
  }
  for (const m of MWAA_MUTATIONS) {
    const base = bases[m.fixture];
    const definition = structuredClone(base.definition);
    m.mutate(definition);
    const failing = await failingScenarios({ ...base, definition });
    results.push({ name: `${m.fixture}: ${m.name}`, breaks: m.breaks, caught: failing.some((f) => f.startsWith(m.breaks)), failing });
  }
  return results;
}
