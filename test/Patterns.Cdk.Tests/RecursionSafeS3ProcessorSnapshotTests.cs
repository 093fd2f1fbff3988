using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SNS;
using Patterns.Cdk.RecursionSafeS3Processor;
using Snapshooter;
using Snapshooter.Xunit;
using Xunit;

namespace Patterns.Cdk.Tests;

/// <summary>
/// Scrubbed template snapshots: anything not asserted finely elsewhere still cannot change unnoticed.
/// Each also writes its template for the cdk-nag check run by the test command.
/// </summary>
public class RecursionSafeS3ProcessorSnapshotTests
{
    [Theory]
    [InlineData(ProcessingStrategy.SeparateBucket)]
    [InlineData(ProcessingStrategy.KeyFilter)]
    [InlineData(ProcessingStrategy.ObjectMetadata)]
    [InlineData(ProcessingStrategy.ProcessedLedger)]
    public void Defaults(ProcessingStrategy strategy)
    {
        var (stack, _, _) = Synth.Processor(Synth.Minimal(strategy));
        TestApp.WriteForNag(stack, $"recursion-safe-{strategy}-minimal");
        Snapshot.Match(Newtonsoft.Json.Linq.JToken.Parse(TestApp.Scrubbed(stack).ToJsonString()), SnapshotNameExtension.Create(strategy.ToString()));
    }

    [Theory]
    [InlineData(ProcessingStrategy.SeparateBucket)]
    [InlineData(ProcessingStrategy.KeyFilter)]
    [InlineData(ProcessingStrategy.ObjectMetadata)]
    [InlineData(ProcessingStrategy.ProcessedLedger)]
    public void Fully_customised(ProcessingStrategy strategy)
    {
        var stack = TestApp.NewStack();
        var key = new Key(stack, "BucketKey", new KeyProps { EnableKeyRotation = true });
        var topic = new Topic(stack, "Alarms", new TopicProps { EnforceSSL = true, MasterKey = key });
        var logs = new Bucket(stack, "AccessLogs", new BucketProps
        {
            EnforceSSL = true,
            Encryption = BucketEncryption.S3_MANAGED,
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            Versioned = true,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_PREFERRED,
        });
        var props = new RecursionSafeS3ProcessorProps
        {
            Strategy = strategy,
            BucketProps = new BucketProps { ServerAccessLogsBucket = logs, ServerAccessLogsPrefix = "source/" },
            OutputBucketProps = strategy == ProcessingStrategy.SeparateBucket ? new BucketProps { ServerAccessLogsBucket = logs, ServerAccessLogsPrefix = "output/" } : null,
            MaxReceiveCount = 3,
            AlarmTopic = topic,
            InvocationsAlarmThreshold = 200,
            BucketEncryptionKey = key,
            ProcessorMemorySize = 1024,
            ProcessorTimeout = Duration.Seconds(60),
            ProcessorReservedConcurrency = 3,
            BatchSize = 5,
            LogLevel = "DEBUG",
            EnableTracing = true,
            LogRetention = Amazon.CDK.AWS.Logs.RetentionDays.ONE_MONTH,
            InputPrefix = "incoming/",
            InputSuffix = ".json",
            OutputPrefix = strategy is ProcessingStrategy.SeparateBucket or ProcessingStrategy.KeyFilter ? "processed/" : null,
            MarkerKey = strategy == ProcessingStrategy.ObjectMetadata ? "source" : null,
            MarkerValue = strategy == ProcessingStrategy.ObjectMetadata ? "upload" : null,
            LedgerTtl = strategy == ProcessingStrategy.ProcessedLedger ? Duration.Days(3) : null,
        };
        _ = new RecursionSafeS3Processor.RecursionSafeS3Processor(stack, "Processor", props);
        TestApp.WriteForNag(stack, $"recursion-safe-{strategy}-all-options");
        Snapshot.Match(Newtonsoft.Json.Linq.JToken.Parse(TestApp.Scrubbed(stack).ToJsonString()), SnapshotNameExtension.Create(strategy.ToString()));
    }

    [Fact]
    public void Existing_resources()
    {
        var stack = TestApp.NewStack();
        var role = Role.FromRoleArn(stack, "R", "arn:aws:iam::123456789012:role/processor", new FromRoleArnOptions { Mutable = true });
        _ = new RecursionSafeS3Processor.RecursionSafeS3Processor(stack, "Processor", new()
        {
            ExistingBucket = Bucket.FromBucketName(stack, "In", "team-uploads"),
            ExistingOutputBucket = Bucket.FromBucketName(stack, "Out", "team-results"),
            ExistingProcessorFunction = Function.FromFunctionAttributes(stack, "F", new FunctionAttributes
            {
                FunctionArn = "arn:aws:lambda:eu-west-1:123456789012:function:processor",
                Role = role,
                SameEnvironment = true,
            }),
        });
        Snapshot.Match(Newtonsoft.Json.Linq.JToken.Parse(TestApp.Scrubbed(stack).ToJsonString()));
    }
}
