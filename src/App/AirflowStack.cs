using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SNS;
using Constructs;
using Patterns.Cdk.MwaaScheduler;

namespace Patterns.Cdk.App;

/// <summary>
/// MwaaScheduler pausing an existing Amazon MWAA environment out of hours and resuming it for the working day: the
/// environment's metadata is exported, verified and kept (KMS) before it is deleted, and imported into the recreated
/// environment. The environment is not made here; name it with context values:
/// <c>-c mwaaEnvironment=my-airflow -c mwaaExecutionRole=arn:aws:iam::111122223333:role/my-airflow-execution
/// -c mwaaDagBucket=my-airflow-dags -c mwaaTimeZone=Europe/Paris</c>.
/// </summary>
public sealed class AirflowStack : Stack
{
    /// <summary>Context key of the environment's name. Default: <see cref="DefaultEnvironmentName"/>.</summary>
    public const string EnvironmentContextKey = "mwaaEnvironment";

    /// <summary>Context key of the environment's execution role ARN. Default: role <c>&lt;environment&gt;-execution</c> in the stack's account.</summary>
    public const string ExecutionRoleContextKey = "mwaaExecutionRole";

    /// <summary>Context key of the environment's DAG bucket name. Default: <c>&lt;environment&gt;-dags</c>.</summary>
    public const string DagBucketContextKey = "mwaaDagBucket";

    /// <summary>Context key of the schedules' IANA time zone. Default: <c>Europe/Paris</c>.</summary>
    public const string TimeZoneContextKey = "mwaaTimeZone";

    /// <summary>The environment paused and resumed when no context value names one.</summary>
    public const string DefaultEnvironmentName = "patterns-cdk-airflow";

    /// <summary>The scheduler.</summary>
    public MwaaScheduler.MwaaScheduler Scheduler { get; }

    /// <summary>Creates the stack; every alarm notifies <paramref name="alarmTopic"/>.</summary>
    public AirflowStack(Construct scope, string id, ITopic alarmTopic, IStackProps props) : base(scope, id, props)
    {
        var environmentName = Context(EnvironmentContextKey) ?? DefaultEnvironmentName;
        var executionRoleArn = Context(ExecutionRoleContextKey)
            ?? FormatArn(new ArnComponents { Service = "iam", Region = string.Empty, Resource = "role", ResourceName = environmentName + "-execution" });
        var dagBucket = Bucket.FromBucketName(this, "DagBucket", Context(DagBucketContextKey) ?? environmentName + "-dags");

        Scheduler = new MwaaScheduler.MwaaScheduler(this, "Scheduler", new MwaaSchedulerProps
        {
            AlarmTopic = alarmTopic,
            NotifyOnSuccess = true,
            EnvironmentName = environmentName,
            ExecutionRoleArn = executionRoleArn,
            DagBucket = dagBucket,
            TimeZone = Context(TimeZoneContextKey) ?? "Europe/Paris",
            Windows =
            [
                // Monday to Thursday nights: paused 19:00 to 07:00 the next morning.
                new PauseWindow { Name = "weeknights", Pause = "cron(0 19 ? * MON-THU *)", Resume = "cron(0 7 ? * TUE-FRI *)" },
                // The weekend: paused from Friday 19:00 to Monday 07:00.
                new PauseWindow { Name = "weekends", Pause = "cron(0 19 ? * FRI *)", Resume = "cron(0 7 ? * MON *)" },
            ],
        });

        _ = new CfnOutput(this, "PauseStateMachineArn", new CfnOutputProps
        {
            Value = Scheduler.PauseStateMachine.StateMachineArn,
            Description = "Start an execution with {\"trigger\":\"manual\"} to pause now.",
        });
        _ = new CfnOutput(this, "ResumeStateMachineArn", new CfnOutputProps
        {
            Value = Scheduler.ResumeStateMachine.StateMachineArn,
            Description = "Start an execution with {\"trigger\":\"manual\"} to resume now.",
        });
        _ = new CfnOutput(this, "BackupBucketName", new CfnOutputProps
        {
            Value = Scheduler.BackupBucket.BucketName,
            Description = "Each pause's verified backup: backups/<environment>/<backup id>/ (SSE-KMS, versioned, retained).",
        });
    }

    private string? Context(string key) => Node.TryGetContext(key) is string { Length: > 0 } value ? value : null;
}
