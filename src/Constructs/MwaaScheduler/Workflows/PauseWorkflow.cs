using Amazon.CDK.AWS.StepFunctions;
using Constructs;
using Patterns.Cdk.Core;

namespace Patterns.Cdk.MwaaScheduler;

/// <summary>
/// The pause workflow of design section 2: lock → GetEnvironment → save the configuration → export the metadata with
/// the bundled DAG and poll its run → verify the backup → only then DeleteEnvironment → poll until it is gone → release.
/// No path reaches <c>DeleteEnvironment</c> except through a successful <c>VerifyBackup</c>.
/// </summary>
internal static class PauseWorkflow
{
    /// <summary>The export DAG's id.</summary>
    public const string ExportDagId = "pcdk_export";

    /// <summary>
    /// The backup id, <c>yyyyMMddTHHmmssZ</c>, from the execution's start time (<c>2026-12-05T20:00:00.123Z</c>). Split
    /// with single-character delimiters only, step by step (date at 'T' then '-'; time at 'Z', '.', ':'), so it reads the
    /// same whether a multi-character delimiter splits at each character (as AWS documents) or at the whole string, and
    /// with or without fractional seconds.
    /// </summary>
    public static readonly string BackupIdFromStartTime = BuildBackupId();

    private static string BuildBackupId()
    {
        const string halves = "States.StringSplit($$.Execution.StartTime, 'T')";
        var date = $"States.StringSplit(States.ArrayGetItem({halves}, 0), '-')";
        var clock = $"States.StringSplit(States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit(States.ArrayGetItem({halves}, 1), 'Z'), 0), '.'), 0), ':')";
        return $"States.Format('{{}}{{}}{{}}T{{}}{{}}{{}}Z', States.ArrayGetItem({date}, 0), States.ArrayGetItem({date}, 1), States.ArrayGetItem({date}, 2), " +
               $"States.ArrayGetItem({clock}, 0), States.ArrayGetItem({clock}, 1), States.ArrayGetItem({clock}, 2))";
    }

    /// <summary>Builds the definition under <paramref name="scope"/>.</summary>
    public static IChainable Define(Construct scope, WorkflowTargets t, double lockTtlSeconds)
    {
        var s = new WorkflowSteps(scope, t, "pause", lockTtlSeconds);
        var (successTail, releaseLock) = s.SuccessTail();

        var paused = s.Outcome("Paused", "paused", "The environment is deleted; its verified backup is the latest-verified one.");
        paused.Next(successTail);
        var alreadyPaused = s.Outcome("AlreadyPaused", "already paused", "The environment does not exist (or is DELETED): nothing to do.");
        alreadyPaused.Next(releaseLock);

        // Delete, then poll until gone.
        var getAfterDelete = s.GetEnvironment("GetEnvironmentAfterDelete", "$.deleted");
        getAfterDelete.AddCatch(paused, new CatchProps { Errors = [WorkflowSteps.MwaaNotFound], ResultPath = JsonPath.DISCARD });
        s.CatchAll(getAfterDelete);
        var (waitForDeletion, countDeletion) = s.PollLoop("Deletion", getAfterDelete, t.EnvironmentTimeout, "EnvironmentTimedOut", "CheckDeletion");
        getAfterDelete.Next(new Choice(scope, "CheckDeletion")
            .When(Condition.StringEquals("$.deleted.Environment.Status", "DELETED"), paused)
            .When(Condition.StringEquals("$.deleted.Environment.Status", "DELETING"), countDeletion)
            .Otherwise(s.Failure("FailedDeletion", "CheckDeletion", "EnvironmentDeletionFailed",
                "States.Format('status {} after DeleteEnvironment; the backup is kept', $.deleted.Environment.Status)", causeIsPath: true,
                comment: "The environment neither went away nor kept deleting.")));
        var delete = s.Mwaa("DeleteEnvironment", "deleteEnvironment", "airflow:DeleteEnvironment",
            new Dictionary<string, object> { ["Name"] = t.EnvironmentName }, "$.poll", WorkflowSteps.ResetPoll(), idempotent: false);
        s.CatchAll(delete).Next(waitForDeletion);

        // Verify: the only way to DeleteEnvironment.
        var verify = s.Lambda("VerifyBackup", t.BackupCatalog, new Dictionary<string, object>
        {
            ["action"] = "verify",
            ["prefix.$"] = "$.backup.prefix",
            // true when the export ran (metadataExport "supported"), false on the configuration-only path.
            ["metadata.$"] = "States.ArrayContains(States.Array('supported'), $.backup.metadataExport)",
        }, "$.verification", WorkflowSteps.CatalogTimeout, TaskRetries.Lambda(), TaskRetries.Timeout());
        s.CatchAll(verify).Next(delete);

        // Export: trigger the DAG, then poll its run.
        var getExportRun = s.DagRun("GetExportRun", "status", ExportDagId, "$.backup.runId", null, "$.exportRun", null);
        var (waitForExport, countExport) = s.PollLoop("Export", getExportRun, t.ExportTimeout, "ExportTimedOut", "GetExportRun");
        getExportRun.Next(new Choice(scope, "CheckExportRun")
            .When(Condition.StringEquals("$.exportRun.state", "success"), verify)
            .When(Condition.StringEquals("$.exportRun.state", "failed"), s.Failure("FailedExport", "GetExportRun", "ExportFailed",
                "States.Format('the export DAG run {} failed; the environment was not deleted', $.backup.runId)", causeIsPath: true,
                comment: "The export DAG run failed (its task logs say why); nothing is deleted."))
            .Otherwise(countExport));
        var triggerExport = s.DagRun("TriggerExport", "trigger", ExportDagId, "$.backup.runId", "$.backup.exportConf", "$.poll", WorkflowSteps.ResetPoll());
        triggerExport.Next(waitForExport);

        var unexpected = s.Failure("FailedUnexpectedBackup", "RouteExport", "UnexpectedBackupResult",
            "SaveConfiguration returned no metadataExport decision", causeIsPath: false, comment: "Defensive: the catalog's answer is not one the workflow knows.");
        // Created only when a rule leads to it: CDK renders every state linked to the graph, reachable or not.
        var routeExport = new Choice(scope, "RouteExport")
            .When(Condition.StringEquals("$.backup.metadataExport", "supported"), triggerExport);
        routeExport = t.AllowPauseWithoutMetadata
            ? routeExport.When(Condition.StringEquals("$.backup.metadataExport", "unsupported"), verify)
            : routeExport.When(Condition.And(Condition.StringEquals("$.backup.metadataExport", "unsupported"), Condition.IsPresent("$.backup.reason")),
                s.Failure("FailedUnsupportedVersion", "RouteExport", "MetadataExportUnsupported", "$.backup.reason", causeIsPath: true,
                    comment: "The DAGs cannot export this Airflow version; AllowPauseWithoutMetadata is off, so nothing is deleted."));
        routeExport.Otherwise(unexpected);

        var recordPrefix = new Pass(scope, "RecordBackupPrefix", new PassProps
        {
            Comment = "Failure notifications from here on name the backup.",
            InputPath = "$.backup.prefix",
            ResultPath = "$.context.backupPrefix",
        });
        recordPrefix.Next(routeExport);
        var save = s.Lambda("SaveConfiguration", t.BackupCatalog, new Dictionary<string, object>
        {
            ["action"] = "saveConfiguration",
            ["backupId.$"] = "$.context.backupId",
            ["environment.$"] = "$.environment.Environment",
        }, "$.backup", WorkflowSteps.CatalogTimeout, TaskRetries.Lambda(), TaskRetries.Timeout());
        s.CatchAll(save).Next(recordPrefix);

        var getEnvironment = s.GetEnvironment("GetEnvironment", "$.environment");
        getEnvironment.AddCatch(alreadyPaused, new CatchProps { Errors = [WorkflowSteps.MwaaNotFound], ResultPath = JsonPath.DISCARD });
        s.CatchAll(getEnvironment).Next(new Choice(scope, "CheckEnvironmentStatus")
            .When(Condition.StringEquals("$.environment.Environment.Status", "AVAILABLE"), save)
            .When(Condition.StringEquals("$.environment.Environment.Status", "DELETED"), alreadyPaused)
            .Otherwise(s.Failure("FailedNotAvailable", "CheckEnvironmentStatus", "EnvironmentNotAvailable",
                "States.Format('status {}', $.environment.Environment.Status)", causeIsPath: true,
                comment: "Only an AVAILABLE environment is paused; nothing is changed.")));

        var acquire = s.AcquireLock();
        acquire.Next(getEnvironment);
        var init = s.Init(new Dictionary<string, object> { ["backupId.$"] = BackupIdFromStartTime });
        init.Next(acquire);
        return init;
    }
}
