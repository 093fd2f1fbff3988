using Amazon.CDK.Assertions;
using FluentAssertions;
using Patterns.Cdk.RecursionSafeS3Processor;
using Xunit;
using static Patterns.Cdk.Tests.Synth;

namespace Patterns.Cdk.Tests;

/// <summary>The wiring each strategy produces: where the trigger listens and where the processor may write.</summary>
public class RecursionSafeS3ProcessorStrategyTests
{
    [Fact]
    public void KeyFilter_notifies_only_for_the_input_prefix_and_writes_only_under_the_output_prefix()
    {
        var (stack, c, template) = Processor(new() { Strategy = ProcessingStrategy.KeyFilter, InputPrefix = "incoming/", OutputPrefix = "processed/", InputSuffix = ".csv" });
        template.ResourceCountIs("AWS::S3::Bucket", 1);
        c.OutputBucket.Should().BeSameAs(c.Bucket);
        template.HasResourceProperties("Custom::S3BucketNotifications", Props(("NotificationConfiguration", Props(("QueueConfigurations", new object[]
        {
            Match.ObjectLike(Props(("Filter", Props(("Key", Props(("FilterRules", new object[]
            {
                Props(("Name", "suffix"), ("Value", ".csv")),
                Props(("Name", "prefix"), ("Value", "incoming/")),
            }))))))),
        })))));
        var statements = PolicyStatements.Of(stack, "ProcessorFunctionRole");
        statements.Single(s => s.Actions.Contains("s3:PutObject")).Resources.Single().Should().EndWith("/processed/*");
        statements.Single(s => s.Actions.Contains("s3:GetObject")).Resources.Single().Should().EndWith("/incoming/*");
        template.HasResourceProperties("AWS::Lambda::Function", Props(("Environment", Props(("Variables", Match.ObjectLike(Props(
            ("STRATEGY", "KeyFilter"), ("INPUT_PREFIX", "incoming/"), ("OUTPUT_PREFIX", "processed/"))))))));
    }

    [Fact]
    public void ObjectMetadata_puts_the_bundled_guard_between_S3_and_the_work_queue()
    {
        var (stack, c, template) = Processor(new() { Strategy = ProcessingStrategy.ObjectMetadata, MarkerKey = "source", MarkerValue = "upload" });
        c.GuardFunction.Should().NotBeNull();
        template.HasResourceProperties("AWS::Lambda::Function", Props(
            ("Handler", "ObjectMetadataGuard"),
            ("Environment", Props(("Variables", Match.ObjectLike(Props(("MARKER_KEY", "source"), ("MARKER_VALUE", "upload"),
                ("PROCESSOR_ROLE_ID", Props(("Fn::GetAtt", new object[] { Match.StringLikeRegexp("ProcessorFunctionRole"), "RoleId" })))))))),
            ("RecursiveLoop", "Terminate")));
        template.HasResourceProperties("Custom::S3BucketNotifications", Props(("NotificationConfiguration", Props(("LambdaFunctionConfigurations", Match.AnyValue())))));
        template.HasResourceProperties("AWS::Lambda::EventInvokeConfig", Props(
            ("MaximumRetryAttempts", 2),
            ("MaximumEventAgeInSeconds", 21600),
            ("DestinationConfig", Props(("OnFailure", Props(("Destination", Props(("Fn::GetAtt", new object[] { Match.StringLikeRegexp("ProcessorDeadLetterQueue"), "Arn" })))))))));
        var guard = PolicyStatements.Of(stack, "ProcessorGuardFunctionRole");
        guard.SelectMany(s => s.Actions).Should().Contain(["s3:GetObject", "sqs:SendMessage"]).And.NotContain("s3:PutObject");
        PolicyStatements.Of(stack, "ProcessorFunctionRole").Single(s => s.Actions.Contains("s3:PutObject")).Resources.Single()
            .Should().Contain("ProcessorBucket").And.EndWith("/*", "in place: the processor rewrites the object it was given");
    }

    [Fact]
    public void ProcessedLedger_records_revisions_and_feeds_only_new_ledger_items_to_the_processor()
    {
        var (stack, c, template) = Processor(new() { Strategy = ProcessingStrategy.ProcessedLedger, LedgerTtl = Amazon.CDK.Duration.Hours(6) });
        c.LedgerTable.Should().NotBeNull();
        c.WorkQueue.Should().BeNull();
        template.HasResourceProperties("AWS::DynamoDB::Table", Props(
            ("KeySchema", new object[] { Props(("AttributeName", "objectId"), ("KeyType", "HASH")), Props(("AttributeName", "revision"), ("KeyType", "RANGE")) }),
            ("BillingMode", "PAY_PER_REQUEST"),
            ("TimeToLiveSpecification", Props(("AttributeName", "expiresAt"), ("Enabled", true))),
            ("StreamSpecification", Props(("StreamViewType", "NEW_IMAGE"))),
            ("PointInTimeRecoverySpecification", Props(("PointInTimeRecoveryEnabled", true))),
            ("SSESpecification", Props(("SSEEnabled", true)))));
        template.HasResourceProperties("AWS::Lambda::EventSourceMapping", Props(
            ("StartingPosition", "TRIM_HORIZON"),
            ("BisectBatchOnFunctionError", true),
            ("MaximumRetryAttempts", 3),
            ("FunctionResponseTypes", new[] { "ReportBatchItemFailures" }),
            ("FilterCriteria", Props(("Filters", new object[] { Props(("Pattern", "{\"eventName\":[\"INSERT\"]}")) }))),
            ("DestinationConfig", Props(("OnFailure", Props(("Destination", Match.AnyValue())))))));
        template.HasResourceProperties("AWS::Lambda::Function", Props(
            ("Handler", Match.StringLikeRegexp("LedgerRecorder")),
            ("Environment", Props(("Variables", Match.ObjectLike(Props(
                ("LEDGER_TTL_SECONDS", "21600"),
                ("PROCESSOR_ROLE_ID", Props(("Fn::GetAtt", new object[] { Match.StringLikeRegexp("ProcessorFunctionRole"), "RoleId" }))))))))));
        PolicyStatements.Of(stack, "ProcessorGuardFunctionRole").Where(s => s.Actions.Any(a => a.StartsWith("dynamodb:", StringComparison.Ordinal)))
            .SelectMany(s => s.Actions).Should().Equal("dynamodb:PutItem");
    }

    [Theory]
    [InlineData(ProcessingStrategy.SeparateBucket, 5)]
    [InlineData(ProcessingStrategy.KeyFilter, 5)]
    [InlineData(ProcessingStrategy.ObjectMetadata, 6)]
    [InlineData(ProcessingStrategy.ProcessedLedger, 6)]
    public void Every_strategy_gets_its_alarms(ProcessingStrategy strategy, int alarms) =>
        Of(strategy).ResourceCountIs("AWS::CloudWatch::Alarm", alarms);

    [Theory]
    [InlineData(ProcessingStrategy.SeparateBucket)]
    [InlineData(ProcessingStrategy.KeyFilter)]
    [InlineData(ProcessingStrategy.ObjectMetadata)]
    [InlineData(ProcessingStrategy.ProcessedLedger)]
    public void Every_function_of_every_strategy_terminates_recursive_loops_and_runs_on_arm64(ProcessingStrategy strategy)
    {
        var ours = Of(strategy).FindResources("AWS::Lambda::Function", Props(("Properties", Props(("Runtime", "provided.al2023")))));
        ours.Should().NotBeEmpty();
        foreach (var (_, resource) in ours)
        {
            var json = Newtonsoft.Json.JsonConvert.SerializeObject(resource);
            json.Should().Contain("\"RecursiveLoop\":\"Terminate\"").And.Contain("\"Architectures\":[\"arm64\"]").And.Contain("\"Runtime\":\"provided.al2023\"");
        }
    }
}
