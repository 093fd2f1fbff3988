using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.StepFunctions;
using Patterns.Cdk.MwaaScheduler;
using Snapshooter.Xunit;
using Xunit;

namespace Patterns.Cdk.Tests;

/// <summary>
/// Scrubbed template snapshots (minimal / all options / existing resources); each also feeds the cdk-nag, runtime and
/// cfn-lint checks (artifacts/nag).
/// </summary>
public class MwaaSchedulerSnapshotTests
{
    [Fact]
    public void Minimal()
    {
        var (stack, _) = MwaaSynth.Scheduler();
        TestApp.WriteForNag(stack, "mwaa-scheduler-minimal");
        Snapshot.Match(Newtonsoft.Json.Linq.JToken.Parse(TestApp.Scrubbed(stack).ToJsonString()));
    }

    [Fact]
    public void All_options()
    {
        var (stack, _) = MwaaSynth.Scheduler(AllOptions);
        TestApp.WriteForNag(stack, "mwaa-scheduler-all-options");
        Snapshot.Match(Newtonsoft.Json.Linq.JToken.Parse(TestApp.Scrubbed(stack).ToJsonString()));
    }

    [Fact]
    public void Existing_resources()
    {
        var (stack, _) = MwaaSynth.Scheduler(Existing);
        TestApp.WriteForNag(stack, "mwaa-scheduler-existing");
        Snapshot.Match(Newtonsoft.Json.Linq.JToken.Parse(TestApp.Scrubbed(stack).ToJsonString()));
    }

    /// <summary>Every prop that is not bring-your-own, away from its default.</summary>
    internal static MwaaSchedulerProps AllOptions(Stack stack)
    {
        var key = new Key(stack, "AlarmKey", new KeyProps { EnableKeyRotation = true });
        return new MwaaSchedulerProps
        {
            EnvironmentName = MwaaSynth.Environment,
            ExecutionRoleArn = MwaaSynth.ExecutionRoleArn,
            DagBucket = Bucket.FromBucketName(stack, "Dags", MwaaSynth.DagBucketName),
            BackupBucketProps = new BucketProps { BucketName = "analytics-mwaa-backups" },
            CreateAlarms = true,
            AlarmTopic = new Topic(stack, "Alarms", new TopicProps { EnforceSSL = true, MasterKey = key }),
            DeployScheduleDeadLetterQueue = true,
            NotifyOnSuccess = true,
            BackupBucketEncryptionKey = new Key(stack, "BackupKey", new KeyProps { EnableKeyRotation = true }),
            NotificationTopicEncryptionKey = new Key(stack, "TopicKey", new KeyProps { EnableKeyRotation = true }),
            LogLevel = "DEBUG",
            WorkflowLogLevel = LogLevel.ALL,
            PollInterval = Duration.Minutes(2),
            ExportTimeout = Duration.Minutes(45),
            ImportTimeout = Duration.Minutes(75),
            EnvironmentTimeout = Duration.Minutes(120),
            DagFolder = "airflow/dags",
            Windows = MwaaSynth.Windows,
            TimeZone = "Europe/Paris",
            ExportConnections = false,
            ExportVariables = false,
            AllowPauseWithoutMetadata = true,
            UpdateAfterRestore = true,
            BackupsToKeep = 14,
            EnvironmentClass = "mw1.large",
            HourlyPrice = 1.96,
        };
    }

    /// <summary>Every bring-your-own resource given.</summary>
    internal static MwaaSchedulerProps Existing(Stack stack) => new()
    {
        EnvironmentName = MwaaSynth.Environment,
        ExecutionRoleArn = MwaaSynth.ExecutionRoleArn,
        DagBucket = Bucket.FromBucketName(stack, "Dags", MwaaSynth.DagBucketName),
        ExistingBackupBucket = Bucket.FromBucketName(stack, "Backups", "analytics-backups"),
        BackupBucketEncryptionKey = Key.FromKeyArn(stack, "BackupsKey", "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"),
        ExistingNotificationTopic = Topic.FromTopicArn(stack, "Ops", "arn:aws:sns:eu-west-1:123456789012:ops"),
        ExistingLockTable = Table.FromTableName(stack, "Locks", "mwaa-locks"),
        Windows = [new PauseWindow { Name = "nights", Pause = "cron(0 22 * * ? *)", Resume = "cron(0 6 * * ? *)" }],
    };
}
