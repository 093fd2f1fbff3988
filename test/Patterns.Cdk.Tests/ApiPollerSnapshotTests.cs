using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SecretsManager;
using Amazon.CDK.AWS.SNS;
using FluentAssertions;
using Patterns.Cdk.ApiPoller;
using Snapshooter;
using Snapshooter.Xunit;
using Xunit;

namespace Patterns.Cdk.Tests;

/// <summary>Scrubbed template snapshots (defaults / all options / existing resources); the first two also feed the cdk-nag check.</summary>
public class ApiPollerSnapshotTests
{
    [Fact]
    public void Defaults()
    {
        var (stack, _, _) = ApiPollerSynth.Poller();
        TestApp.WriteForNag(stack, "api-poller-minimal");
        Snapshot.Match(Newtonsoft.Json.Linq.JToken.Parse(TestApp.Scrubbed(stack).ToJsonString()));
    }

    [Fact]
    public void All_options()
    {
        var stack = TestApp.NewStack();
        var key = new Key(stack, "Key", new KeyProps { EnableKeyRotation = true });
        var topic = new Topic(stack, "Alarms", new TopicProps { EnforceSSL = true, MasterKey = key });
        var token = new Secret(stack, "PartnerToken", new SecretProps { EncryptionKey = key });
        NagSuppressionsForTestSecret(token);
        var processor = Function.FromFunctionArn(stack, "Processor", "arn:aws:lambda:eu-west-1:123456789012:function:enrich-orders");
        _ = new ApiPoller.ApiPoller(stack, "Poller", new ApiPollerProps
        {
            ExistingProcessorFunction = processor,
            QueueProps = new Amazon.CDK.AWS.SQS.QueueProps { RetentionPeriod = Duration.Days(7) },
            MaxReceiveCount = 5,
            AlarmTopic = topic,
            BucketEncryptionKey = key,
            TableEncryptionKey = key,
            ApiMemorySize = 256,
            PlannerMemorySize = 1024,
            PlannerTimeout = Duration.Minutes(5),
            FetcherMemorySize = 1024,
            FetcherTimeout = Duration.Minutes(3),
            ConsumerMemorySize = 1024,
            ConsumerTimeout = Duration.Seconds(90),
            ConsumerMaxConcurrency = 20,
            LogLevel = "DEBUG",
            LogRetention = Amazon.CDK.AWS.Logs.RetentionDays.ONE_YEAR,
            EnableTracing = true,
            Sources =
            [
                new PartnerSource
                {
                    Name = "orders", BaseUrl = "https://partner.example.com/v1/orders", Pagination = Pagination.OffsetLimit, PageSize = 500,
                    OffsetParameter = "skip", LimitParameter = "take", TotalField = "count", MaxPages = 2_000_000, AuthSecret = token, AuthHeader = "X-Api-Key",
                    RequestTimeout = Duration.Seconds(20), MaxConcurrency = 20, RequestsPerSecond = 50, MaxPageBytes = 50 * 1024 * 1024,
                    MaxRetryAfter = Duration.Minutes(2), MaxAttempts = 7,
                    Parameters = [new SourceParameter { Name = "since", Pattern = @"^\d{4}-\d{2}-\d{2}$", MaxLength = 10, Required = true }],
                },
                new PartnerSource { Name = "events", BaseUrl = "https://partner.example.com/v1/events", Pagination = Pagination.Cursor, CursorField = "nextToken", CursorParameter = "token", AuthSecret = token },
            ],
            Schedules =
            [
                new JobSchedule { Name = "nightly-orders", Source = "orders", Expression = "cron(0 2 * * ? *)", TimeZone = "Europe/Paris", Parameters = new Dictionary<string, string> { ["since"] = "2024-01-01" } },
                new JobSchedule { Name = "hourly-events", Source = "events", Expression = "rate(1 hour)" },
            ],
            PagesPerBatch = 50,
            JobTtl = Duration.Days(30),
            JobTimeout = Duration.Hours(48),
            ApiRateLimit = 20,
            ApiBurstLimit = 40,
            StateMachineLogLevel = Amazon.CDK.AWS.StepFunctions.LogLevel.ALL,
        });
        var t = TestApp.Template(stack);
        t.ResourceCountIs("AWS::Scheduler::Schedule", 2);
        t.HasResourceProperties("AWS::Scheduler::Schedule", Synth.Props(("ScheduleExpression", "cron(0 2 * * ? *)"), ("ScheduleExpressionTimezone", "Europe/Paris"),
            ("Target", Amazon.CDK.Assertions.Match.ObjectLike(Synth.Props(
                ("Input", "{\"schedule\":{\"name\":\"nightly-orders\",\"source\":\"orders\",\"parameters\":{\"since\":\"2024-01-01\"}},\"scheduledTime\":\"<aws.scheduler.scheduled-time>\",\"trigger\":\"schedule\"}"),
                ("RetryPolicy", Synth.Props(("MaximumRetryAttempts", 10), ("MaximumEventAgeInSeconds", 3600))),
                ("DeadLetterConfig", Amazon.CDK.Assertions.Match.AnyValue()))))));
        PolicyStatements.Of(stack, "SchedulerRole").SelectMany(p => p.Actions).Order().Should().Equal("sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage", "states:StartExecution");
        PolicyStatements.Of(stack, "ConsumerFunctionRole").Should().Contain(p => p.Actions.Contains("lambda:InvokeFunction") && p.Resources.SequenceEqual(new[] { "arn:aws:lambda:eu-west-1:123456789012:function:enrich-orders" }));
        ApiPollerTemplate.Environment(stack, "ConsumerFunction")["PROCESSOR_FUNCTION_ARN"].Should().NotBeNull();
        TestApp.WriteForNag(stack, "api-poller-all-options");
        Snapshot.Match(Newtonsoft.Json.Linq.JToken.Parse(TestApp.Scrubbed(stack).ToJsonString()));
    }

    [Fact]
    public void Existing_resources()
    {
        var stack = TestApp.NewStack();
        var table = Table.FromTableAttributes(stack, "Jobs", new TableAttributes
        {
            TableArn = "arn:aws:dynamodb:eu-west-1:123456789012:table/partner-jobs",
            TableStreamArn = "arn:aws:dynamodb:eu-west-1:123456789012:table/partner-jobs/stream/2024-01-01T00:00:00.000",
        });
        var bucket = Bucket.FromBucketName(stack, "Pages", "partner-pages");
        var processor = Amazon.CDK.AWS.Lambda.Function.FromFunctionArn(stack, "Processor", "arn:aws:lambda:eu-west-1:123456789012:function:process-page");
        var poller = new ApiPoller.ApiPoller(stack, "Poller", new ApiPollerProps
        {
            ExistingTable = table, ExistingBucket = bucket, ExistingProcessorFunction = processor, Sources = [ApiPollerSynth.Orders()],
        });
        var t = TestApp.Template(stack);
        t.ResourceCountIs("AWS::DynamoDB::Table", 0);
        t.ResourceCountIs("AWS::S3::Bucket", 0);
        poller.Table.Should().BeSameAs(table);
        poller.Bucket.Should().BeSameAs(bucket);
        poller.ProcessorFunction.Should().BeSameAs(processor);
        t.HasResourceProperties("AWS::Pipes::Pipe", Synth.Props(("Source", "arn:aws:dynamodb:eu-west-1:123456789012:table/partner-jobs/stream/2024-01-01T00:00:00.000")));
        PolicyStatements.Of(stack, "PlannerFunctionRole").Single(p => p.Actions.Contains("s3:PutObject")).Resources.Single().Should().Be("arn:aws:s3:::partner-pages/jobs/*");
        ApiPollerTemplate.Environment(stack, "ConsumerFunction")["PROCESSOR_FUNCTION_ARN"]!.GetValue<string>().Should().Be("arn:aws:lambda:eu-west-1:123456789012:function:process-page");
        TestApp.WriteForNag(stack, "api-poller-existing");
        Snapshot.Match(Newtonsoft.Json.Linq.JToken.Parse(TestApp.Scrubbed(stack).ToJsonString()));
    }

    [Fact]
    public void Demo_partner_is_a_public_http_api_on_the_bundled_handler()
    {
        var stack = TestApp.NewStack();
        var partner = new DemoPartnerApi(stack, "Partner", new DemoPartnerApiProps { TotalItems = 1000, ErrorRate = 0.1, MaxDelay = Duration.Millis(200) });
        var t = TestApp.Template(stack);
        t.HasResourceProperties("AWS::Lambda::Function", Synth.Props(
            ("Handler", "DemoPartner"),
            ("Environment", Synth.Props(("Variables", Amazon.CDK.Assertions.Match.ObjectLike(Synth.Props(
                ("DEMO_TOTAL_ITEMS", "1000"), ("DEMO_ERROR_RATE", "0.1"), ("DEMO_MAX_DELAY_MS", "200"))))))));
        t.HasResourceProperties("AWS::ApiGatewayV2::Route", Synth.Props(("RouteKey", "$default"), ("AuthorizationType", "NONE")));
        partner.Url.Should().NotBeNullOrEmpty();
        TestApp.WriteForNag(stack, "api-poller-demo-partner");
        new Action(() => _ = new DemoPartnerApi(TestApp.NewStack(), "P", new DemoPartnerApiProps { ErrorRate = 1 }))
            .Should().Throw<ArgumentException>().Which.Message.Should().Contain("ErrorRate: must be between 0 and 0.9 (got 1); the default is 0.05");
    }

    /// <summary>The test's own secret (not a construct resource) has no rotation; say so for the nag check.</summary>
    private static void NagSuppressionsForTestSecret(Secret secret) =>
        ((CfnResource)secret.Node.DefaultChild!).AddMetadata("cdk_nag", new Dictionary<string, object>
        {
            ["rules_to_suppress"] = new object[] { new Dictionary<string, object> { ["id"] = "AwsSolutions-SMG4", ["reason"] = "Test fixture: the partner token is rotated by the partner, not by AWS." } },
        });
}
