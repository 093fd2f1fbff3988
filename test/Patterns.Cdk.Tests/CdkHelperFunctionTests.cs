using System.Globalization;
using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.S3.Notifications;
using Amazon.CDK.AWS.SQS;
using FluentAssertions;
using Patterns.Cdk.FaceBlurPipeline;
using Patterns.Cdk.RecursionSafeS3Processor;
using Xunit;

namespace Patterns.Cdk.Tests;

/// <summary>
/// The Lambda functions aws-cdk-lib creates for itself (custom-resource handlers) run on runtimes Lambda accepts and
/// log to log groups with retention, whichever of our constructs made them and in whatever order.
/// </summary>
public class CdkHelperFunctionTests
{
    private const string NotificationsHandler = "BucketNotificationsHandler050a0587b7544547bf325f094a3db834";

    [Fact]
    public void The_S3_notifications_handler_runs_on_python313_and_logs_with_retention()
    {
        var stack = TestApp.NewStack();
        _ = new FaceBlurPipeline.FaceBlurPipeline(stack, "Blur", new FaceBlurPipelineProps());
        var template = Parse(stack);

        var (_, handler) = Functions(template).Single(f => f.Id.StartsWith(NotificationsHandler, StringComparison.Ordinal));
        handler["Runtime"]!.GetValue<string>().Should().Be("python3.13");
        LogGroupOf(template, handler)["RetentionInDays"]!.GetValue<double>().Should().Be(90);
    }

    [Fact]
    public void Hardening_applies_to_a_notification_added_after_the_construct()
    {
        // ApiPoller adds no S3 notification itself; the user's bucket gets one after the construct exists.
        var stack = TestApp.NewStack();
        _ = new ApiPoller.ApiPoller(stack, "Poller", ApiPollerSynth.Minimal());
        var bucket = new Bucket(stack, "UserBucket");
        bucket.AddEventNotification(EventType.OBJECT_CREATED, new SqsDestination(new Queue(stack, "UserQueue")));

        var (_, handler) = Functions(Parse(stack)).Single(f => f.Id.StartsWith(NotificationsHandler, StringComparison.Ordinal));
        handler["Runtime"]!.GetValue<string>().Should().Be("python3.13");
    }

    [Fact]
    public void The_auto_delete_objects_helper_runs_on_a_current_nodejs_and_logs_with_retention()
    {
        var stack = TestApp.NewStack();
        _ = new RecursionSafeS3Processor.RecursionSafeS3Processor(stack, "Processor", new RecursionSafeS3ProcessorProps
        {
            Strategy = ProcessingStrategy.ObjectMetadata,
            BucketProps = new BucketProps { AutoDeleteObjects = true, RemovalPolicy = RemovalPolicy.DESTROY },
        });
        var template = Parse(stack);

        var (_, helper) = Functions(template).Single(f => f.Id.StartsWith("CustomS3AutoDeleteObjectsCustomResourceProviderHandler", StringComparison.Ordinal));
        helper["Runtime"]!.GetValue<string>().Should().Be("nodejs22.x");
        LogGroupOf(template, helper)["RetentionInDays"]!.GetValue<double>().Should().Be(90);
    }

    [Fact]
    public void The_dynamodb_replica_provider_functions_run_on_a_current_nodejs()
    {
        var stack = TestApp.NewStack();
        _ = new RecursionSafeS3Processor.RecursionSafeS3Processor(stack, "Processor", new RecursionSafeS3ProcessorProps
        {
            Strategy = ProcessingStrategy.ProcessedLedger,
            LedgerTableProps = new TableProps { ReplicationRegions = ["eu-central-1"], Stream = StreamViewType.NEW_AND_OLD_IMAGES },
        });
        var nested = (NestedStack)stack.Node.FindChild("@aws-cdk--aws-dynamodb.ReplicaProvider");

        var functions = Functions(Parse(nested));
        functions.Should().HaveCountGreaterThanOrEqualTo(2);
        functions.Select(f => f.Properties["Runtime"]!.GetValue<string>()).Should().OnlyContain(r => r == "nodejs22.x");
        functions.Should().OnlyContain(f => f.Properties["LoggingConfig"] != null);
    }

    public static TheoryData<string> Constructs() => ["RecursionSafeS3Processor", "FaceBlurPipeline", "ApiPoller", "ApiPollerDemoPartner"];

    [Theory]
    [MemberData(nameof(Constructs))]
    public void No_function_uses_python311_or_a_runtime_Lambda_blocks_within_90_days(string construct)
    {
        var stack = TestApp.NewStack();
        _ = construct switch
        {
            "RecursionSafeS3Processor" => new RecursionSafeS3Processor.RecursionSafeS3Processor(stack, "P", new RecursionSafeS3ProcessorProps()),
            "FaceBlurPipeline" => new FaceBlurPipeline.FaceBlurPipeline(stack, "P", new FaceBlurPipelineProps()),
            "ApiPoller" => new ApiPoller.ApiPoller(stack, "P", ApiPollerSynth.Minimal()),
            _ => (Constructs.Construct)new ApiPoller.DemoPartnerApi(stack, "P", new ApiPoller.DemoPartnerApiProps()),
        };

        var runtimes = Functions(Parse(stack)).Select(f => f.Properties["Runtime"]!.GetValue<string>()).ToList();
        runtimes.Should().NotBeEmpty().And.NotContain("python3.11");
        var table = JsonNode.Parse(File.ReadAllText(Path.Combine(TestApp.RepoRoot(), "tools", "runtimes", "lambda-runtimes.json")))!;
        var horizon = DateTime.UtcNow.Date.AddDays(table["marginDays"]!.GetValue<int>());
        foreach (var runtime in runtimes.Distinct())
        {
            var entry = table["runtimes"]![runtime];
            entry.Should().NotBeNull($"{runtime} must be in tools/runtimes/lambda-runtimes.json");
            foreach (var block in new[] { "createBlock", "updateBlock" })
            {
                DateTime.Parse(entry![block]!.GetValue<string>(), CultureInfo.InvariantCulture)
                    .Should().BeAfter(horizon, $"{runtime}'s {block} date must be more than 90 days away");
            }
        }
    }

    private static JsonNode Parse(Stack stack) => JsonNode.Parse(TestApp.Json(stack))!;

    private static List<(string Id, JsonNode Properties)> Functions(JsonNode template) =>
        template["Resources"]!.AsObject()
            .Where(r => r.Value!["Type"]!.GetValue<string>() == "AWS::Lambda::Function")
            .Select(r => (r.Key, r.Value!["Properties"]!))
            .ToList();

    private static JsonNode LogGroupOf(JsonNode template, JsonNode function)
    {
        var logicalId = function["LoggingConfig"]!["LogGroup"]!["Ref"]!.GetValue<string>();
        var logGroup = template["Resources"]![logicalId]!;
        logGroup["Type"]!.GetValue<string>().Should().Be("AWS::Logs::LogGroup");
        return logGroup["Properties"]!;
    }
}
