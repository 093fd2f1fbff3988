using Amazon.CDK;
using Amazon.CDK.Assertions;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.SNS;
using FluentAssertions;
using Patterns.Cdk.Core;
using Patterns.Cdk.RecursionSafeS3Processor;
using Xunit;
using static Patterns.Cdk.Tests.Synth;

namespace Patterns.Cdk.Tests;

/// <summary>Each switch and tuning prop changes exactly what it says.</summary>
public class RecursionSafeS3ProcessorSwitchTests
{
    [Fact]
    public void CreateAlarms_false_creates_none()
    {
        var (_, c, t) = Processor(new() { CreateAlarms = false });
        t.ResourceCountIs("AWS::CloudWatch::Alarm", 0);
        c.Alarms.Should().BeEmpty();
    }

    [Fact]
    public void AlarmTopic_is_notified_on_alarm_and_on_recovery()
    {
        var (_, _, t) = Processor(before: null, props: null);
        t.HasResourceProperties("AWS::CloudWatch::Alarm", Props(("AlarmActions", Match.Absent())));

        var stack = TestApp.NewStack();
        var topic = new Topic(stack, "Ops");
        _ = new RecursionSafeS3Processor.RecursionSafeS3Processor(stack, "Processor", new() { AlarmTopic = topic });
        TestApp.Template(stack).AllResourcesProperties("AWS::CloudWatch::Alarm", Props(
            ("AlarmActions", new object[] { Props(("Ref", Match.StringLikeRegexp("Ops"))) }),
            ("OKActions", new object[] { Props(("Ref", Match.StringLikeRegexp("Ops"))) })));
    }

    [Fact]
    public void DeployDeadLetterQueue_false_removes_the_dlq_and_warns()
    {
        var (stack, c, t) = Processor(new() { DeployDeadLetterQueue = false });
        c.DeadLetterQueue.Should().BeNull();
        t.ResourceCountIs("AWS::SQS::Queue", 1);
        t.HasResourceProperties("AWS::SQS::Queue", Props(("RedrivePolicy", Match.Absent())));
        Warnings(stack).Should().Contain(w => w.Contains("patterns-cdk:RecursionSafeS3Processor.noDeadLetterQueue"));
    }

    [Fact]
    public void MaxReceiveCount_and_BatchSize_and_concurrency_reach_the_queue_and_event_source()
    {
        var (_, _, t) = Processor(new() { MaxReceiveCount = 2, BatchSize = 3, ProcessorReservedConcurrency = 7, ProcessorTimeout = Duration.Seconds(60), ProcessorMemorySize = 1024 });
        t.HasResourceProperties("AWS::SQS::Queue", Props(("RedrivePolicy", Props(("maxReceiveCount", 2), ("deadLetterTargetArn", Match.AnyValue()))), ("VisibilityTimeout", 360)));
        t.HasResourceProperties("AWS::Lambda::EventSourceMapping", Props(("BatchSize", 3), ("ScalingConfig", Props(("MaximumConcurrency", 7)))));
        t.HasResourceProperties("AWS::Lambda::Function", Props(("ReservedConcurrentExecutions", 7), ("Timeout", 60), ("MemorySize", 1024)));
        t.HasResourceProperties("AWS::CloudWatch::Alarm", Props(("MetricName", "ConcurrentExecutions"), ("Threshold", 7)));
    }

    [Fact]
    public void EnableTracing_turns_on_xray_and_LogLevel_and_LogRetention_reach_the_functions()
    {
        var (_, _, t) = Processor(new() { EnableTracing = true, LogLevel = "debug", LogRetention = RetentionDays.ONE_WEEK });
        t.HasResourceProperties("AWS::Lambda::Function", Props(
            ("TracingConfig", Props(("Mode", "Active"))),
            ("LoggingConfig", Match.ObjectLike(Props(("ApplicationLogLevel", "DEBUG")))),
            ("Environment", Props(("Variables", Match.ObjectLike(Props(("LOG_LEVEL", "debug"))))))));
        t.HasResourceProperties("AWS::Logs::LogGroup", Props(("RetentionInDays", 7)));
    }

    [Fact]
    public void BucketEncryptionKey_encrypts_created_buckets_with_kms_and_lets_the_processor_use_the_key()
    {
        var stack = TestApp.NewStack();
        var key = new Key(stack, "Key", new KeyProps { EnableKeyRotation = true });
        _ = new RecursionSafeS3Processor.RecursionSafeS3Processor(stack, "Processor", new() { BucketEncryptionKey = key });
        TestApp.Template(stack).AllResourcesProperties("AWS::S3::Bucket", Props(("BucketEncryption", Props(("ServerSideEncryptionConfiguration", new object[]
        {
            Props(("BucketKeyEnabled", true), ("ServerSideEncryptionByDefault", Props(("SSEAlgorithm", "aws:kms"), ("KMSMasterKeyID", Match.AnyValue())))),
        })))));
        PolicyStatements.Of(stack, "ProcessorFunctionRole").SelectMany(s => s.Actions).Should().Contain(["kms:Decrypt", "kms:GenerateDataKey"]).And.NotContain(a => a.Contains('*'));
    }

    [Fact]
    public void ProcessorFunctionProps_deploys_the_users_code_with_our_secure_defaults()
    {
        var (_, c, t) = Processor(new()
        {
            ProcessorFunctionProps = new FunctionProps
            {
                Code = Code.FromInline("exports.handler = async () => ({ batchItemFailures: [] });"),
                Handler = "index.handler",
                Runtime = TestRuntimes.NodeJs22,
                Environment = new Dictionary<string, string> { ["MY_SETTING"] = "1" },
            },
        });
        t.HasResourceProperties("AWS::Lambda::Function", Props(
            ("Handler", "index.handler"),
            ("Runtime", "nodejs22.x"),
            ("Architectures", new[] { "arm64" }),
            ("ReservedConcurrentExecutions", 5),
            ("RecursiveLoop", "Terminate"),
            ("Environment", Props(("Variables", Match.ObjectLike(Props(("MY_SETTING", "1"), ("STRATEGY", "SeparateBucket"))))))));
        c.ProcessorFunction.Should().BeOfType<Function>();
    }

    [Fact]
    public void InvocationsAlarmThreshold_sets_the_spike_alarm()
    {
        Processor(new() { InvocationsAlarmThreshold = 50 }).Template
            .HasResourceProperties("AWS::CloudWatch::Alarm", Props(("MetricName", "Invocations"), ("Threshold", 50)));
    }

    [Fact]
    public void GrantUpload_allows_puts_under_the_input_prefix_only()
    {
        var stack = TestApp.NewStack();
        var c = new RecursionSafeS3Processor.RecursionSafeS3Processor(stack, "Processor", new() { Strategy = ProcessingStrategy.KeyFilter, InputPrefix = "in/", OutputPrefix = "out/" });
        var uploader = new Amazon.CDK.AWS.IAM.Role(stack, "Uploader", new Amazon.CDK.AWS.IAM.RoleProps { AssumedBy = new Amazon.CDK.AWS.IAM.AccountRootPrincipal() });
        c.GrantUpload(uploader);
        c.GrantReadOutput(uploader);
        var statements = PolicyStatements.Of(stack, "Uploader");
        statements.Where(s => s.Actions.Any(a => a.StartsWith("s3:PutObject", StringComparison.Ordinal))).SelectMany(s => s.Resources)
            .Should().OnlyContain(r => r.EndsWith("/in/*", StringComparison.Ordinal));
        statements.Where(s => s.Actions.Any(a => a.StartsWith("s3:GetObject", StringComparison.Ordinal))).SelectMany(s => s.Resources)
            .Should().Contain(r => r.EndsWith("/out/*", StringComparison.Ordinal));
    }

    internal static List<string> Warnings(Stack stack) =>
        Amazon.CDK.Assertions.Annotations.FromStack(stack).FindWarning("*", Match.AnyValue())
            .Select(m => Newtonsoft.Json.JsonConvert.SerializeObject(m.Entry.Data)).ToList();
}

/// <summary>Logical ids are API: tuning a prop must not rename (and so replace) unrelated resources.</summary>
public class RecursionSafeS3ProcessorStableIdTests
{
    [Fact]
    public void Tuning_props_keeps_the_logical_ids_of_the_core_resources()
    {
        static HashSet<string> Ids(RecursionSafeS3ProcessorProps props) =>
            Synth.Processor(props).Template.ToJSON()["Resources"] is IDictionary<string, object> resources
                ? resources.Keys.Where(k => !k.Contains("Alarm", StringComparison.Ordinal)).ToHashSet()
                : throw new InvalidOperationException("no resources");

        var plain = Ids(new());
        var tuned = Ids(new()
        {
            EnableTracing = true,
            LogLevel = "DEBUG",
            CreateAlarms = false,
            MaxReceiveCount = 2,
            BatchSize = 3,
            ProcessorMemorySize = 1024,
            ProcessorReservedConcurrency = 9,
            InputPrefix = "in/",
            OutputPrefix = "out/",
        });
        tuned.Should().BeEquivalentTo(plain);
        plain.Should().Contain(id => id.StartsWith("ProcessorBucket", StringComparison.Ordinal))
            .And.Contain(id => id.StartsWith("ProcessorProcessorFunction", StringComparison.Ordinal))
            .And.Contain(id => id.StartsWith("ProcessorWorkQueue", StringComparison.Ordinal));
    }
}
