using Amazon.CDK.AWS.StepFunctions;
using Constructs;
using Patterns.Cdk.Core;

namespace Patterns.Cdk.MwaaScheduler;

/// <summary>
/// The resume workflow of design section 2: lock → GetEnvironment (AVAILABLE: already running) → load the latest
/// verified backup → CreateEnvironment with its saved request → poll (a failed create fails at once, with MWAA's error)
/// → import the metadata with the bundled DAG and poll its run → optional UpdateEnvironment → release.
/// </summary>
internal static class ResumeWorkflow
{
    /// <summary>The import DAG's id.</summary>
    public const string ImportDagId = "pcdk_import";

    /// <summary>The 25 members of CreateEnvironment, copied from the saved request (null when absent).</summary>
    public static readonly string[] CreateEnvironmentFields =
    [
        "AirflowConfigurationOptions", "AirflowVersion", "DagS3Path", "EndpointManagement", "EnvironmentClass", "ExecutionRoleArn", "KmsKey",
        "LoggingConfiguration", "MaxWebservers", "MaxWorkers", "MinWebservers", "MinWorkers", "Name", "NetworkConfiguration",
        "PluginsS3ObjectVersion", "PluginsS3Path", "RequirementsS3ObjectVersion", "RequirementsS3Path", "Schedulers", "SourceBucketArn",
        "StartupScriptS3ObjectVersion", "StartupScriptS3Path", "Tags", "WebserverAccessMode", "WeeklyMaintenanceWindowStart",
    ];

    /// <summary>Builds the definition under <paramref name="scope"/>.</summary>
    public static IChainable Define(Construct scope, WorkflowTargets t, double lockTtlSeconds)
    {
        var s = new WorkflowSteps(scope, t, "resume", lockTtlSeconds);
        var (successTail, releaseLock) = s.SuccessTail();

        var resumed = s.Outcome("Resumed", "resumed", "The environment is AVAILABLE again with its metadata restored.");
        resumed.Next(successTail);
        var alreadyRunning = s.Outcome("AlreadyRunning", "already running", "The environment is AVAILABLE: nothing to do.");
        alreadyRunning.Next(releaseLock);

        // Optional UpdateEnvironment (reloads plugins once variables and connections exist).
        var getAfterUpdate = s.CatchAll(s.GetEnvironment("GetEnvironmentAfterUpdate", "$.updated"));
        var (waitForUpdate, countUpdate) = s.PollLoop("Update", getAfterUpdate, t.EnvironmentTimeout, "EnvironmentTimedOut", "CheckUpdate");
        var failedUpdate = FailedWithDetail(scope, s, "Update", "$.updated", "EnvironmentUpdateFailed");
        getAfterUpdate.Next(new Choice(scope, "CheckUpdate")
            .When(Condition.StringEquals("$.updated.Environment.Status", "AVAILABLE"), resumed)
            .When(Condition.StringEquals("$.updated.Environment.Status", "UPDATING"), countUpdate)
            .When(Condition.IsPresent("$.updated.Environment.LastUpdate.Error.ErrorMessage"), failedUpdate.WithDetail)
            .Otherwise(failedUpdate.WithoutDetail));
        var update = s.Mwaa("UpdateEnvironment", "updateEnvironment", "airflow:UpdateEnvironment", new Dictionary<string, object>
        {
            ["Name"] = t.EnvironmentName,
            ["PluginsS3Path.$"] = "$.backup.request.PluginsS3Path",
            ["PluginsS3ObjectVersion.$"] = "$.backup.request.PluginsS3ObjectVersion",
        }, "$.poll", WorkflowSteps.ResetPoll(), idempotent: false);
        s.CatchAll(update).Next(waitForUpdate);
        var afterImport = new Choice(scope, "AfterImport", new ChoiceProps { Comment = "UpdateAfterRestore (a construct setting, in $.context)." })
            .When(Condition.BooleanEquals("$.context.updateAfterRestore", true), update)
            .Otherwise(resumed);

        // Import: trigger the DAG, then poll its run.
        var getImportRun = s.DagRun("GetImportRun", "status", ImportDagId, "$.backup.runId", null, "$.importRun", null);
        var (waitForImport, countImport) = s.PollLoop("Import", getImportRun, t.ImportTimeout, "ImportTimedOut", "GetImportRun");
        getImportRun.Next(new Choice(scope, "CheckImportRun")
            .When(Condition.StringEquals("$.importRun.state", "success"), afterImport)
            .When(Condition.StringEquals("$.importRun.state", "failed"), s.Failure("FailedImport", "GetImportRun", "ImportFailed",
                "States.Format('the import DAG run {} failed; the environment runs without the restored metadata', $.backup.runId)", causeIsPath: true,
                comment: "The import DAG run failed (its task logs say why)."))
            .Otherwise(countImport));
        var triggerImport = s.DagRun("TriggerImport", "trigger", ImportDagId, "$.backup.runId", "$.backup.importConf", "$.poll", WorkflowSteps.ResetPoll());
        triggerImport.Next(waitForImport);
        var routeImport = new Choice(scope, "RouteImport")
            .When(Condition.BooleanEquals("$.backup.metadata", true), triggerImport)
            .Otherwise(afterImport);

        // Create, then poll: a failed create fails at once with MWAA's error, no spinning to the timeout.
        var getAfterCreate = s.CatchAll(s.GetEnvironment("GetEnvironmentAfterCreate", "$.created"));
        var (waitForCreation, countCreation) = s.PollLoop("Creation", getAfterCreate, t.EnvironmentTimeout, "EnvironmentTimedOut", "CheckCreation");
        var failedCreation = FailedWithDetail(scope, s, "Creation", "$.created", "EnvironmentCreationFailed");
        getAfterCreate.Next(new Choice(scope, "CheckCreation")
            .When(Condition.StringEquals("$.created.Environment.Status", "AVAILABLE"), routeImport)
            .When(Condition.Or(Condition.StringEquals("$.created.Environment.Status", "CREATING"), Condition.StringEquals("$.created.Environment.Status", "PENDING")),
                countCreation)
            .When(Condition.IsPresent("$.created.Environment.LastUpdate.Error.ErrorMessage"), failedCreation.WithDetail)
            .Otherwise(failedCreation.WithoutDetail));
        var request = CreateEnvironmentFields.ToDictionary(f => f + ".$", f => (object)$"$.backup.request.{f}");
        var create = s.Mwaa("CreateEnvironment", "createEnvironment", "airflow:CreateEnvironment", request, "$.poll", WorkflowSteps.ResetPoll(), idempotent: false);
        s.CatchAll(create).Next(waitForCreation);

        var recordPrefix = new Pass(scope, "RecordBackupPrefix", new PassProps
        {
            Comment = "Failure notifications from here on name the backup.",
            InputPath = "$.backup.prefix",
            ResultPath = "$.context.backupPrefix",
        });
        recordPrefix.Next(create);
        var load = s.Lambda("LoadBackup", t.BackupCatalog, new Dictionary<string, object> { ["action"] = "loadLatest" }, "$.backup",
            WorkflowSteps.CatalogTimeout, TaskRetries.Lambda(), TaskRetries.Timeout());
        s.CatchAll(load).Next(recordPrefix);

        var getEnvironment = s.GetEnvironment("GetEnvironment", "$.environment");
        getEnvironment.AddCatch(load, new CatchProps { Errors = [WorkflowSteps.MwaaNotFound], ResultPath = JsonPath.DISCARD });
        s.CatchAll(getEnvironment).Next(new Choice(scope, "CheckEnvironmentStatus")
            .When(Condition.StringEquals("$.environment.Environment.Status", "AVAILABLE"), alreadyRunning)
            .When(Condition.StringEquals("$.environment.Environment.Status", "DELETED"), load)
            .Otherwise(s.Failure("FailedNotResumable", "CheckEnvironmentStatus", "EnvironmentNotResumable",
                "States.Format('status {}', $.environment.Environment.Status)", causeIsPath: true,
                comment: "The environment exists but is neither AVAILABLE nor DELETED (e.g. DELETING or UPDATING); nothing is changed.")));

        var acquire = s.AcquireLock();
        acquire.Next(getEnvironment);
        var init = s.Init(new Dictionary<string, object> { ["updateAfterRestore"] = t.UpdateAfterRestore });
        init.Next(acquire);
        return init;
    }

    /// <summary>
    /// <c>Failed&lt;Name&gt;</c> with MWAA's error message (<c>LastUpdate.Error.ErrorMessage</c>); when MWAA reports none,
    /// <c>No&lt;Name&gt;ErrorDetail</c> fills in a placeholder message first, so the same failure state serves both.
    /// </summary>
    private static (IChainable WithDetail, IChainable WithoutDetail) FailedWithDetail(Construct scope, WorkflowSteps s, string name, string path, string error)
    {
        var failed = s.Failure("Failed" + name, "Check" + name, error,
            $"States.Format('status {{}} : {{}}', {path}.Environment.Status, {path}.Environment.LastUpdate.Error.ErrorMessage)", causeIsPath: true,
            comment: "MWAA reports a failed environment: fail at once with its error.");
        var noDetail = new Pass(scope, $"No{name}ErrorDetail", new PassProps
        {
            Comment = "MWAA gave no error message: say so, so the failure state can always format one.",
            Result = Result.FromObject(new Dictionary<string, object> { ["Error"] = new Dictionary<string, object> { ["ErrorMessage"] = "no error message reported" } }),
            ResultPath = $"{path}.Environment.LastUpdate",
        });
        noDetail.Next(failed);
        return (failed, noDetail);
    }
}
