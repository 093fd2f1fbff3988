using System.Globalization;
using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.S3.Deployment;
using Amazon.CDK.AWS.Scheduler;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SQS;
using Amazon.CDK.AWS.StepFunctions;
using Constructs;
using Patterns.Cdk.Core;

namespace Patterns.Cdk.MwaaScheduler;

/// <summary>
/// Pauses and resumes an existing Amazon MWAA environment on a schedule (or on demand) without losing its metadata:
/// MWAA cannot be stopped, so the pause workflow saves the environment's configuration, exports its metadata with a
/// bundled DAG, verifies the backup and only then deletes the environment; the resume workflow recreates it from the
/// latest verified backup and imports the metadata. A lock keeps a pause and a resume from overlapping; every failure
/// is notified. See docs/MwaaScheduler.md.
/// </summary>
public class MwaaScheduler : Construct
{
    private const string Name = nameof(MwaaScheduler);

    /// <summary>Default environment class of the savings estimate.</summary>
    public const string DefaultEnvironmentClass = "mw1.small";

    /// <summary>Default time zone of the windows.</summary>
    public const string DefaultTimeZone = "UTC";

    /// <summary>Default DAG folder.</summary>
    public const string DefaultDagFolder = "dags";

    /// <summary>Default number of verified backups kept.</summary>
    public const double DefaultBackupsToKeep = 7;

    /// <summary>Default wait between two status checks.</summary>
    public static readonly Duration DefaultPollInterval = Duration.Minutes(1);

    /// <summary>Default export (and import) allowance.</summary>
    public static readonly Duration DefaultExportTimeout = Duration.Minutes(60);

    /// <summary>Default create/delete/update allowance.</summary>
    public static readonly Duration DefaultEnvironmentTimeout = Duration.Minutes(90);

    /// <summary>Slack added to each workflow's timeout for the short steps (lock, save, verify, notify).</summary>
    public static readonly Duration WorkflowSlack = Duration.Minutes(15);

    /// <summary>The pause workflow (Standard). Start it to pause now: input <c>{"trigger":"manual"}</c>.</summary>
    public IStateMachine PauseStateMachine { get; }

    /// <summary>The resume workflow (Standard). Start it to resume now: input <c>{"trigger":"manual"}</c>.</summary>
    public IStateMachine ResumeStateMachine { get; }

    /// <summary>The backup bucket (given or created).</summary>
    public IBucket BackupBucket { get; }

    /// <summary>The backup bucket's KMS key (given or created).</summary>
    public IKey BackupKey { get; }

    /// <summary>The lock table (given or created).</summary>
    public ITable LockTable { get; }

    /// <summary>The notification topic (given or created).</summary>
    public ITopic NotificationTopic { get; }

    /// <summary>The EventBridge Scheduler schedules: <c>Pause-&lt;window&gt;</c> and <c>Resume-&lt;window&gt;</c> per window.</summary>
    public IReadOnlyList<CfnSchedule> Schedules { get; }

    /// <summary>Starts the schedules could not deliver; null without windows or with <c>DeployScheduleDeadLetterQueue</c> false.</summary>
    public IQueue? ScheduleDeadLetterQueue { get; }

    /// <summary>The bundled function that triggers and reads DAG runs through MWAA's InvokeRestApi.</summary>
    public IFunction DagRunsFunction { get; }

    /// <summary>The bundled function that saves, verifies and loads backups.</summary>
    public IFunction BackupCatalogFunction { get; }

    /// <summary>The bundled function that takes and releases the lock.</summary>
    public IFunction LockFunction { get; }

    /// <summary>The deployment of the bundled DAGs to <c>&lt;DagFolder&gt;/patterns_cdk/</c>.</summary>
    public BucketDeployment DagDeployment { get; }

    /// <summary>The alarms created.</summary>
    public IReadOnlyList<IAlarm> Alarms { get; }

    /// <summary>The expected monthly saving of the windows (also the <c>EstimatedMonthlySavings</c> output).</summary>
    public MwaaSavingsEstimate Savings { get; }

    /// <summary>Creates the scheduler of one MWAA environment.</summary>
    public MwaaScheduler(Construct scope, string id, MwaaSchedulerProps props)
        : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);
        MwaaSchedulerValidation.Validate(props);
        var env = props.EnvironmentName;
        var windows = props.Windows ?? [];
        var timeZone = props.TimeZone ?? DefaultTimeZone;
        var dagFolder = props.DagFolder ?? DefaultDagFolder;
        var pollInterval = props.PollInterval ?? DefaultPollInterval;
        var exportTimeout = props.ExportTimeout ?? DefaultExportTimeout;
        var importTimeout = props.ImportTimeout ?? DefaultExportTimeout;
        var environmentTimeout = props.EnvironmentTimeout ?? DefaultEnvironmentTimeout;
        Savings = MwaaSavings.Estimate(windows, timeZone, props.EnvironmentClass ?? DefaultEnvironmentClass, props.HourlyPrice);
        MwaaSchedulerValidation.Warn(this, Savings);
        if (props.DeployScheduleDeadLetterQueue == false && windows.Count > 0)
        {
            Warnings.Add(this, Name, "scheduleDeadLetterQueue", "DeployScheduleDeadLetterQueue is false: a pause or resume the scheduler cannot start is dropped without a trace.");
        }

        // Resources: existing or created.
        var store = BackupStore.Create(this, props);
        BackupBucket = store.Bucket;
        BackupKey = store.Key;
        LockTable = store.LockTable;
        NotificationTopic = store.Topic;
        DagDeployment = global::Patterns.Cdk.MwaaScheduler.DagDeployment.Create(this, props.DagBucket, dagFolder);

        // Bundled handlers.
        var logLevel = (props.LogLevel ?? "INFO").ToUpperInvariant();
        DagRunsFunction = HandlerFunctions.CreateBundled(this, "DagRunsFunction", BundledHandlers.MwaaDagRuns, new FunctionSettings
        {
            Description = $"MwaaScheduler ({env}): triggers the export/import DAGs and reads their runs through InvokeRestApi.",
            Timeout = Duration.Seconds(30),
            LogLevel = logLevel,
            Environment = new Dictionary<string, string> { ["ENVIRONMENT_NAME"] = env },
        });
        BackupCatalogFunction = HandlerFunctions.CreateBundled(this, "BackupCatalogFunction", BundledHandlers.MwaaBackupCatalog, new FunctionSettings
        {
            Description = $"MwaaScheduler ({env}): saves the configuration, verifies backups, loads the latest verified one.",
            Timeout = Duration.Minutes(5),
            MemorySize = 1024,
            LogLevel = logLevel,
            Environment = new Dictionary<string, string>
            {
                ["BACKUP_BUCKET"] = BackupBucket.BucketName,
                ["BACKUP_KEY_ARN"] = BackupKey.KeyArn,
                ["ENVIRONMENT_NAME"] = env,
                ["BACKUPS_TO_KEEP"] = (props.BackupsToKeep ?? DefaultBackupsToKeep).ToString(CultureInfo.InvariantCulture),
                ["EXPORT_CONNECTIONS"] = props.ExportConnections ?? true ? "true" : "false",
                ["EXPORT_VARIABLES"] = props.ExportVariables ?? true ? "true" : "false",
            },
        });
        LockFunction = HandlerFunctions.CreateBundled(this, "LockFunction", BundledHandlers.MwaaLock, new FunctionSettings
        {
            Description = $"MwaaScheduler ({env}): takes and releases the pause/resume lock.",
            Timeout = Duration.Seconds(10),
            LogLevel = logLevel,
            Environment = new Dictionary<string, string> { ["LOCK_TABLE"] = LockTable.TableName },
        });

        // Workflows.
        var targets = new WorkflowTargets(env, MwaaSchedulerGrants.EnvironmentArnOf(Stack.Of(this), env), DagRunsFunction, BackupCatalogFunction, LockFunction, NotificationTopic,
            pollInterval, exportTimeout, importTimeout, environmentTimeout, props.NotifyOnSuccess ?? false, props.AllowPauseWithoutMetadata ?? false,
            props.UpdateAfterRestore ?? false);
        var workflowLogLevel = props.WorkflowLogLevel ?? LogLevel.ERROR;
        var pauseTimeout = Duration.Seconds(PropsValidator.Seconds(exportTimeout) + 2 * PropsValidator.Seconds(environmentTimeout) + PropsValidator.Seconds(WorkflowSlack));
        var resumeTimeout = Duration.Seconds(2 * PropsValidator.Seconds(environmentTimeout) + PropsValidator.Seconds(importTimeout) + PropsValidator.Seconds(WorkflowSlack));
        var pause = new StateMachine(this, "PauseWorkflow", new StateMachineProps
        {
            Comment = $"Pauses MWAA environment {env}: save, export, verify, then delete.",
            DefinitionBody = DefinitionBody.FromChainable(PauseWorkflow.Define(new Construct(this, "PauseDefinition"), targets, pauseTimeout.ToSeconds())),
            StateMachineType = StateMachineType.STANDARD,
            Timeout = pauseTimeout,
            TracingEnabled = false,
            Logs = StateMachineLogging.Create(this, "PauseWorkflowLogs", workflowLogLevel, RetentionDays.THREE_MONTHS),
        });
        var resume = new StateMachine(this, "ResumeWorkflow", new StateMachineProps
        {
            Comment = $"Resumes MWAA environment {env}: recreate from the latest verified backup, then import.",
            DefinitionBody = DefinitionBody.FromChainable(ResumeWorkflow.Define(new Construct(this, "ResumeDefinition"), targets, resumeTimeout.ToSeconds())),
            StateMachineType = StateMachineType.STANDARD,
            Timeout = resumeTimeout,
            TracingEnabled = false,
            Logs = StateMachineLogging.Create(this, "ResumeWorkflowLogs", workflowLogLevel, RetentionDays.THREE_MONTHS),
        });
        PauseStateMachine = pause;
        ResumeStateMachine = resume;

        // Schedules.
        ScheduleDeadLetterQueue = windows.Count > 0 && (props.DeployScheduleDeadLetterQueue ?? true)
            ? SecureQueue.CreateDeadLetterQueue(this, "ScheduleDeadLetterQueue")
            : null;
        Schedules = WindowSchedules.Create(this, windows, timeZone, pause, resume, ScheduleDeadLetterQueue);

        // Least privilege.
        var grants = new MwaaSchedulerGrants(this, env, props.ExecutionRoleArn, props.DagBucket);
        grants.Apply(pause, resume, store);
        BackupStore.AddPolicies(BackupBucket, BackupKey, props.ExecutionRoleArn, env, BackupCatalogFunction.Role!);

        CdkHelperFunctions.Harden(this);
        Alarms = props.CreateAlarms ?? true ? CreateAlarms(props.AlarmTopic) : [];
        _ = new CfnOutput(this, "EstimatedMonthlySavings", new CfnOutputProps
        {
            Description = $"MwaaScheduler ({env}): expected saving of the pause windows (an estimate; see docs/MwaaScheduler.md).",
            Value = Savings.Summary,
        });
        Suppressions.Apply(this, grants, workflowLogLevel, env, props.DagBucket);
    }

    /// <summary>Lets <paramref name="grantee"/> start the pause workflow (a manual pause).</summary>
    public Grant GrantStartPause(IGrantable grantee) => PauseStateMachine.GrantStartExecution(grantee);

    /// <summary>Lets <paramref name="grantee"/> start the resume workflow (a manual resume).</summary>
    public Grant GrantStartResume(IGrantable grantee) => ResumeStateMachine.GrantStartExecution(grantee);

    /// <summary>Failed pause executions (sum over 5 minutes).</summary>
    public Metric MetricPauseFailures(IMetricOptions? options = null) => PauseStateMachine.MetricFailed(options ?? AlarmFactory.Sum5Min);

    /// <summary>Failed resume executions (sum over 5 minutes).</summary>
    public Metric MetricResumeFailures(IMetricOptions? options = null) => ResumeStateMachine.MetricFailed(options ?? AlarmFactory.Sum5Min);

    /// <summary>Starts waiting in the schedule dead-letter queue (maximum over 1 minute); null without the queue.</summary>
    public Metric? MetricScheduleDeadLetters(IMetricOptions? options = null) =>
        ScheduleDeadLetterQueue?.MetricApproximateNumberOfMessagesVisible(options ?? AlarmFactory.Max1Min);

    private List<IAlarm> CreateAlarms(ITopic? topic)
    {
        var alarms = new AlarmFactory(new Construct(this, "Alarms"), topic);
        alarms.AtLeast("PauseFailures", MetricPauseFailures(), 1, "A pause failed (the environment was left running unless the notification says otherwise).");
        alarms.AtLeast("ResumeFailures", MetricResumeFailures(), 1, "A resume failed: the environment may be missing or running without its metadata.");
        if (MetricScheduleDeadLetters() is { } deadLetters)
        {
            alarms.AtLeast("ScheduleDeadLetters", deadLetters, 1, "A scheduled pause or resume could not be started.");
        }

        foreach (var (name, function) in new[] { ("DagRunsErrors", DagRunsFunction), ("BackupCatalogErrors", BackupCatalogFunction), ("LockErrors", LockFunction) })
        {
            alarms.AtLeast(name, function.MetricErrors(AlarmFactory.Sum5Min), 1, $"{function.Node.Id} reported errors.");
        }

        return alarms.Alarms.ToList();
    }
}
