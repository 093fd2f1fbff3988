using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.StepFunctions;

namespace Patterns.Cdk.MwaaScheduler;

/// <summary>
/// Properties of a <see cref="MwaaScheduler"/>. Required: <see cref="EnvironmentName"/>, <see cref="ExecutionRoleArn"/>
/// and <see cref="DagBucket"/>; everything else has a secure default.
/// </summary>
public sealed class MwaaSchedulerProps
{
    // 1. Bring your own resources.

    /// <summary>
    /// The bucket backups are written to (under <c>backups/&lt;environment&gt;/</c>). It must be encrypted with
    /// <see cref="BackupBucketEncryptionKey"/>, which must then be given too. The construct cannot add its bucket policy
    /// to an imported bucket: give the execution role access yourself (docs/MwaaScheduler.md shows the statements).
    /// Default: a new versioned, SSE-KMS, TLS-only bucket, retained on stack deletion.
    /// </summary>
    public IBucket? ExistingBackupBucket { get; init; }

    /// <summary>The topic failure (and, with <see cref="NotifyOnSuccess"/>, success) notifications go to. Default: a new topic encrypted with <see cref="NotificationTopicEncryptionKey"/>.</summary>
    public ITopic? ExistingNotificationTopic { get; init; }

    /// <summary>The lock table: partition key <c>pk</c> (string), TTL on <c>ttl</c>. Default: a new on-demand table.</summary>
    public ITable? ExistingLockTable { get; init; }

    // 2. Overrides of created resources.

    /// <summary>Overrides for the created backup bucket (not with <see cref="ExistingBackupBucket"/>). Default: see <see cref="ExistingBackupBucket"/>.</summary>
    public BucketProps? BackupBucketProps { get; init; }

    // 3. Safety switches.

    /// <summary>Whether to create CloudWatch alarms (failed executions, schedule dead letters, function errors). Default: true.</summary>
    public bool? CreateAlarms { get; init; }

    /// <summary>Topic the alarms notify on ALARM and OK. Default: none (the alarms only change state).</summary>
    public ITopic? AlarmTopic { get; init; }

    /// <summary>Whether schedules send the starts they could not deliver to a dead-letter queue. Default: true.</summary>
    public bool? DeployScheduleDeadLetterQueue { get; init; }

    /// <summary>Whether a successful pause or resume is notified as well. Default: false (failures only).</summary>
    public bool? NotifyOnSuccess { get; init; }

    // 4. Encryption keys.

    /// <summary>
    /// The key of the backup bucket (required with <see cref="ExistingBackupBucket"/>). Default: a new customer-managed
    /// key with rotation on, retained on stack deletion.
    /// </summary>
    public IKey? BackupBucketEncryptionKey { get; init; }

    /// <summary>The key of the created notification topic. Default: a new customer-managed key with rotation on.</summary>
    public IKey? NotificationTopicEncryptionKey { get; init; }

    // 5. Handler and workflow tuning.

    /// <summary>Log level of the bundled functions (TRACE, DEBUG, INFO, WARN, ERROR, FATAL). Default: INFO.</summary>
    public string? LogLevel { get; init; }

    /// <summary>Log level of the two workflows (without execution data). Default: <c>LogLevel.ERROR</c>.</summary>
    public LogLevel? WorkflowLogLevel { get; init; }

    /// <summary>How long the workflows wait between two status checks (30 seconds to 10 minutes). Default: 1 minute.</summary>
    public Duration? PollInterval { get; init; }

    /// <summary>How long the export DAG may run before the pause gives up (nothing is deleted). Default: 60 minutes.</summary>
    public Duration? ExportTimeout { get; init; }

    /// <summary>How long the import DAG may run before the resume fails and notifies. Default: 60 minutes.</summary>
    public Duration? ImportTimeout { get; init; }

    /// <summary>How long creating, deleting or updating the environment may take (at least 30 minutes). Default: 90 minutes.</summary>
    public Duration? EnvironmentTimeout { get; init; }

    // 6. Semantics.

    /// <summary>Name of the existing MWAA environment to pause and resume (<c>^[a-zA-Z][0-9a-zA-Z_-]{0,79}$</c>). Required.</summary>
    public required string EnvironmentName { get; init; }

    /// <summary>
    /// ARN of the environment's execution role (<c>arn:&lt;partition&gt;:iam::&lt;account&gt;:role/...</c>): the only role
    /// the resume workflow may pass to MWAA, and the role the DAGs export and import with. Required.
    /// </summary>
    public required string ExecutionRoleArn { get; init; }

    /// <summary>The environment's source (DAG) bucket; the bundled DAGs are uploaded to it. Required.</summary>
    public required IBucket DagBucket { get; init; }

    /// <summary>The environment's DAG folder in <see cref="DagBucket"/> (no leading or trailing <c>/</c>). Default: <c>dags</c>.</summary>
    public string? DagFolder { get; init; }

    /// <summary>The pause windows. Default: none (pause and resume only on demand, by starting the state machines).</summary>
    public IReadOnlyList<PauseWindow>? Windows { get; init; }

    /// <summary>IANA time zone of every window's expressions (DST-aware). Default: <c>UTC</c>.</summary>
    public string? TimeZone { get; init; }

    /// <summary>Whether connections are exported (turn off when they live in Secrets Manager). Default: true.</summary>
    public bool? ExportConnections { get; init; }

    /// <summary>Whether variables are exported (turn off when they live in Secrets Manager). Default: true.</summary>
    public bool? ExportVariables { get; init; }

    /// <summary>
    /// Whether an environment whose Airflow version the DAGs cannot export (e.g. 3.x) may still be paused with its
    /// configuration only; its run history, variables and connections are then lost. Default: false (such a pause refuses
    /// before deleting anything).
    /// </summary>
    public bool? AllowPauseWithoutMetadata { get; init; }

    /// <summary>Whether the resume ends with an UpdateEnvironment that reloads plugins after the import. Default: false.</summary>
    public bool? UpdateAfterRestore { get; init; }

    /// <summary>How many verified backups to keep (1 to 100); older ones are pruned after each verified pause. Default: 7.</summary>
    public double? BackupsToKeep { get; init; }

    /// <summary>The environment class, for the savings estimate only (the workflows read the real one at run time). Default: <c>mw1.small</c>.</summary>
    public string? EnvironmentClass { get; init; }

    /// <summary>Hourly price of the environment in USD, for the savings estimate. Default: the list price of <see cref="EnvironmentClass"/> (required when the class has none).</summary>
    public double? HourlyPrice { get; init; }
}
