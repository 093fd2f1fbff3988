using Amazon.CDK.Assertions;
using FluentAssertions;
using Patterns.Cdk.RecursionSafeS3Processor;
using Xunit;
using static Patterns.Cdk.Tests.Synth;

namespace Patterns.Cdk.Tests;

/// <summary>Every documented default, asserted on the synthesized template.</summary>
public class RecursionSafeS3ProcessorDefaultsTests
{
    private static readonly Template Default = Processor().Template;

    [Fact]
    public void Default_strategy_is_SeparateBucket_with_two_private_encrypted_versioned_tls_only_buckets()
    {
        Default.ResourceCountIs("AWS::S3::Bucket", 2);
        Default.AllResourcesProperties("AWS::S3::Bucket", Props(
            ("PublicAccessBlockConfiguration", Props(("BlockPublicAcls", true), ("BlockPublicPolicy", true), ("IgnorePublicAcls", true), ("RestrictPublicBuckets", true))),
            ("BucketEncryption", Props(("ServerSideEncryptionConfiguration", new object[] { Props(("ServerSideEncryptionByDefault", Props(("SSEAlgorithm", "AES256")))) }))),
            ("VersioningConfiguration", Props(("Status", "Enabled"))),
            ("OwnershipControls", Props(("Rules", new object[] { Props(("ObjectOwnership", "BucketOwnerEnforced")) })))));
        Default.AllResourcesProperties("AWS::S3::BucketPolicy", Props(("PolicyDocument", Props(("Statement", Match.ArrayWith(new object[]
        {
            Match.ObjectLike(Props(("Effect", "Deny"), ("Condition", Props(("Bool", Props(("aws:SecureTransport", "false"))))))),
        }))))));
    }

    [Fact]
    public void Buckets_abort_incomplete_uploads_and_expire_old_versions()
    {
        Default.AllResourcesProperties("AWS::S3::Bucket", Props(("LifecycleConfiguration", Props(("Rules", Match.ArrayWith(new object[]
        {
            Match.ObjectLike(Props(("AbortIncompleteMultipartUpload", Props(("DaysAfterInitiation", 7))), ("Status", "Enabled"))),
            Match.ObjectLike(Props(("NoncurrentVersionExpiration", Props(("NoncurrentDays", 30))), ("Status", "Enabled"))),
        }))))));
    }

    [Fact]
    public void Only_the_source_bucket_notifies_and_only_for_created_objects_into_the_work_queue()
    {
        var notifications = Default.FindResources("Custom::S3BucketNotifications");
        notifications.Should().HaveCount(1);
        Default.HasResourceProperties("Custom::S3BucketNotifications", Props(
            ("BucketName", Props(("Ref", Match.StringLikeRegexp("ProcessorBucket")))),
            ("NotificationConfiguration", Props(("QueueConfigurations", new object[]
            {
                Props(("Events", new[] { "s3:ObjectCreated:*" }), ("QueueArn", Props(("Fn::GetAtt", new object[] { Match.StringLikeRegexp("ProcessorWorkQueue"), "Arn" })))),
            })))));
    }

    [Fact]
    public void Work_queue_is_encrypted_redrives_after_five_receives_and_hides_messages_for_six_processor_timeouts()
    {
        Default.HasResourceProperties("AWS::SQS::Queue", Props(
            ("SqsManagedSseEnabled", true),
            ("VisibilityTimeout", 180),
            ("RedrivePolicy", Props(("maxReceiveCount", 5), ("deadLetterTargetArn", Match.AnyValue())))));
        Default.HasResourceProperties("AWS::SQS::Queue", Props(("SqsManagedSseEnabled", true), ("MessageRetentionPeriod", 1209600)));
        Default.AllResourcesProperties("AWS::SQS::QueuePolicy", Props(("PolicyDocument", Props(("Statement", Match.ArrayWith(new object[]
        {
            Match.ObjectLike(Props(("Effect", "Deny"), ("Condition", Props(("Bool", Props(("aws:SecureTransport", "false"))))))),
        }))))));
    }

    [Fact]
    public void Processor_is_the_bundled_example_on_arm64_provided_al2023_with_json_logs_reserved_concurrency_and_loop_termination()
    {
        Default.HasResourceProperties("AWS::Lambda::Function", Props(
            ("Runtime", "provided.al2023"),
            ("Architectures", new[] { "arm64" }),
            ("Handler", "ContentStampProcessor"),
            ("MemorySize", 512),
            ("Timeout", 30),
            ("ReservedConcurrentExecutions", 5),
            ("RecursiveLoop", "Terminate"),
            ("LoggingConfig", Props(("LogFormat", "JSON"), ("ApplicationLogLevel", "INFO"), ("SystemLogLevel", "WARN"), ("LogGroup", Match.AnyValue())))));
        Default.HasResourceProperties("AWS::Logs::LogGroup", Props(("RetentionInDays", 90)));
    }

    [Fact]
    public void Processor_consumes_with_partial_batch_failures_and_a_maximum_concurrency_equal_to_its_reservation()
    {
        Default.HasResourceProperties("AWS::Lambda::EventSourceMapping", Props(
            ("BatchSize", 10),
            ("FunctionResponseTypes", new[] { "ReportBatchItemFailures" }),
            ("ScalingConfig", Props(("MaximumConcurrency", 5)))));
    }

    [Fact]
    public void Processor_role_has_no_managed_policies_and_logs_only_to_its_own_log_group()
    {
        var ours = Default.FindResources("AWS::IAM::Role").Where(r => r.Key.StartsWith("Processor", StringComparison.Ordinal)).ToList();
        ours.Should().NotBeEmpty();
        ours.Select(r => Newtonsoft.Json.JsonConvert.SerializeObject(r.Value)).Should()
            .OnlyContain(json => !json.Contains("ManagedPolicyArns"), "our functions get an inline policy for their own log group instead");
        PolicyStatements.Of(Processor().Stack, "ProcessorFunctionRole").Where(s => s.Actions.Any(a => a.StartsWith("logs:", StringComparison.Ordinal)))
            .SelectMany(s => s.Resources).Should().OnlyContain(r => r.Contains("ProcessorProcessorFunctionLogs"));
    }

    [Fact]
    public void Processor_reads_only_the_source_bucket_and_writes_only_the_output_bucket()
    {
        var statements = PolicyStatements.Of(Processor().Stack, "ProcessorFunctionRole");
        statements.Should().ContainSingle(s => s.Actions.Contains("s3:PutObject"))
            .Which.Resources.Should().ContainSingle().Which.Should().Contain("ProcessorOutputBucket").And.EndWith("/*");
        statements.Should().ContainSingle(s => s.Actions.Contains("s3:GetObject"))
            .Which.Resources.Should().ContainSingle().Which.Should().Contain("ProcessorBucket").And.NotContain("OutputBucket");
        statements.SelectMany(s => s.Actions).Should().NotContain(a => a.Contains('*'), "no wildcard actions");
        statements.SelectMany(s => s.Resources).Should().NotContain("*");
    }

    [Fact]
    public void Alarms_cover_errors_throttles_invocation_spikes_concurrency_at_cap_and_dead_letters()
    {
        var (_, construct, template) = Processor();
        template.ResourceCountIs("AWS::CloudWatch::Alarm", 5);
        construct.Alarms.Should().HaveCount(5);
        template.HasResourceProperties("AWS::CloudWatch::Alarm", Props(("MetricName", "ConcurrentExecutions"), ("Threshold", 5), ("Statistic", "Maximum")));
        template.HasResourceProperties("AWS::CloudWatch::Alarm", Props(("MetricName", "Invocations"), ("Threshold", 1000)));
        template.HasResourceProperties("AWS::CloudWatch::Alarm", Props(("MetricName", "ApproximateNumberOfMessagesVisible"), ("Threshold", 1)));
        template.HasResourceProperties("AWS::CloudWatch::Alarm", Props(("MetricName", "Errors"), ("Threshold", 1)));
        template.HasResourceProperties("AWS::CloudWatch::Alarm", Props(("MetricName", "Throttles"), ("Threshold", 1)));
    }

    [Fact]
    public void Exposes_every_resource_it_made()
    {
        var (_, c, _) = Processor();
        c.Strategy.Should().Be(ProcessingStrategy.SeparateBucket);
        c.Bucket.Should().NotBeNull();
        c.OutputBucket.Should().NotBeSameAs(c.Bucket);
        c.WorkQueue.Should().NotBeNull();
        c.DeadLetterQueue.Should().NotBeNull();
        c.GuardFunction.Should().BeNull();
        c.LedgerTable.Should().BeNull();
        c.MetricDeadLetterMessages().Should().NotBeNull();
        c.MetricProcessorConcurrency().MetricName.Should().Be("ConcurrentExecutions");
    }

    [Fact]
    public void Bundled_functions_carry_nag_suppressions_with_reasons()
    {
        var json = TestApp.Json(Processor().Stack);
        json.Should().Contain("rules_to_suppress").And.Contain("AwsSolutions-IAM5").And.Contain("Serverless-LambdaTracing");
    }
}
