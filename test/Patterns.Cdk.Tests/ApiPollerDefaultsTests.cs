using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.SecretsManager;
using FluentAssertions;
using Patterns.Cdk.ApiPoller;
using Orchestrator = Patterns.Cdk.ApiPoller.Orchestrator;
using Xunit;
using static Patterns.Cdk.Tests.Synth;

namespace Patterns.Cdk.Tests;

/// <summary>ApiPoller with minimal props: the secure defaults, least privilege per role, and the workflow's shape.</summary>
public class ApiPollerDefaultsTests
{
    private static readonly string[] ServiceTaskResources = ["lambda:invoke", "dynamodb:updateItem", "states:startExecution"];

    [Fact]
    public void Every_route_is_IAM_authorized_and_there_is_no_other_route()
    {
        var (stack, _, t) = ApiPollerSynth.Poller();
        var routes = ApiPollerTemplate.Resources(stack, "AWS::ApiGatewayV2::Route");
        routes.Select(r => (string)r.Properties["RouteKey"]!).Should().BeEquivalentTo(
            "POST /jobs", "GET /jobs/{id}", "GET /jobs/{id}/tasks", "GET /admin/jobs/{id}", "GET /admin/jobs/{id}/tasks");
        routes.Should().OnlyContain(r => (string)r.Properties["AuthorizationType"]! == "AWS_IAM");
        t.HasResourceProperties("AWS::ApiGatewayV2::Stage", Props(
            ("AccessLogSettings", Props(("DestinationArn", Match.AnyValue()), ("Format", Match.StringLikeRegexp("\\$context.requestId")))),
            ("DefaultRouteSettings", Props(("ThrottlingRateLimit", 50), ("ThrottlingBurstLimit", 100)))));
    }

    [Fact]
    public void Progress_table_is_on_demand_encrypted_recoverable_with_ttl_and_a_new_image_stream()
    {
        ApiPollerSynth.Poller().Template.HasResourceProperties("AWS::DynamoDB::Table", Props(
            ("KeySchema", new object[] { Props(("AttributeName", "pk"), ("KeyType", "HASH")), Props(("AttributeName", "sk"), ("KeyType", "RANGE")) }),
            ("BillingMode", "PAY_PER_REQUEST"),
            ("TimeToLiveSpecification", Props(("AttributeName", "expiresAt"), ("Enabled", true))),
            ("StreamSpecification", Props(("StreamViewType", "NEW_IMAGE"))),
            ("PointInTimeRecoverySpecification", Props(("PointInTimeRecoveryEnabled", true))),
            ("SSESpecification", Props(("SSEEnabled", true)))));
    }

    [Fact]
    public void Payload_bucket_is_encrypted_and_expires_job_objects_after_the_job_ttl()
    {
        var t = ApiPollerSynth.Poller(new() { Sources = [ApiPollerSynth.Orders()], JobTtl = Duration.Days(3) }).Template;
        t.HasResourceProperties("AWS::S3::Bucket", Props(
            ("BucketEncryption", Props(("ServerSideEncryptionConfiguration", new object[] { Props(("ServerSideEncryptionByDefault", Props(("SSEAlgorithm", "AES256")))) }))),
            ("LifecycleConfiguration", Props(("Rules", Match.ArrayWith(new object[]
            {
                Match.ObjectLike(Props(("Id", "ExpireJobObjects"), ("Prefix", "jobs/"), ("ExpirationInDays", 3), ("Status", "Enabled"))),
                Match.ObjectLike(Props(("Id", "ExpireMapResults"), ("Prefix", "map-results/"), ("ExpirationInDays", 3))),
            }))))));
    }

    [Fact]
    public void Queues_are_encrypted_and_visibility_is_six_times_the_consumer_timeout()
    {
        var (stack, _, t) = ApiPollerSynth.Poller(new() { Sources = [ApiPollerSynth.Orders()], ConsumerTimeout = Duration.Seconds(45) });
        ApiPollerTemplate.Resources(stack, "AWS::SQS::Queue").Should().OnlyContain(q => (bool)q.Properties["SqsManagedSseEnabled"]!);
        t.HasResourceProperties("AWS::SQS::Queue", Props(("VisibilityTimeout", 270), ("RedrivePolicy", Props(("maxReceiveCount", 3), ("deadLetterTargetArn", Match.AnyValue())))));
        t.HasResourceProperties("AWS::Lambda::EventSourceMapping", Props(
            ("BatchSize", 10), ("FunctionResponseTypes", new[] { "ReportBatchItemFailures" }), ("ScalingConfig", Props(("MaximumConcurrency", 10)))));
    }

    [Fact]
    public void Each_function_gets_exactly_the_environment_of_its_role()
    {
        var (stack, _, _) = ApiPollerSynth.Poller();
        static IEnumerable<string> Keys(JsonObject env) => env.Select(e => e.Key);
        string[] common = ["LOG_LEVEL", "TABLE_NAME", "API_POLLER_SOURCES", "JOB_TTL_DAYS"];
        Keys(ApiPollerTemplate.Environment(stack, "JobApiFunction")).Should().BeEquivalentTo(common);
        Keys(ApiPollerTemplate.Environment(stack, "PlannerFunction")).Should().BeEquivalentTo([.. common, "PAYLOAD_BUCKET", "PAGES_PER_BATCH", "FUNCTION_TIMEOUT_SECONDS"]);
        Keys(ApiPollerTemplate.Environment(stack, "PageFetcherFunction")).Should().BeEquivalentTo(
            [.. common, "PAYLOAD_BUCKET", "QUEUE_URL", "PAGES_PER_BATCH", "FUNCTION_TIMEOUT_SECONDS"]);
        Keys(ApiPollerTemplate.Environment(stack, "CursorFetcherFunction")).Should().BeEquivalentTo(
            [.. common, "PAYLOAD_BUCKET", "QUEUE_URL", "PAGES_PER_BATCH", "FUNCTION_TIMEOUT_SECONDS"]);
        Keys(ApiPollerTemplate.Environment(stack, "ConsumerFunction")).Should().BeEquivalentTo([.. common, "PAYLOAD_BUCKET", "MAX_RECEIVE_COUNT", "DEAD_LETTER_QUEUE_URL"]);

        var sources = JsonNode.Parse((string)ApiPollerTemplate.Environment(stack, "JobApiFunction")["API_POLLER_SOURCES"]!)!.AsArray();
        // Defaults take no space: only what differs from the handlers' documented defaults is written.
        sources.Single()!.ToJsonString().Should().Be(
            "{\"name\":\"orders\",\"baseUrl\":\"https://partner.example.com/v1/orders\",\"pagination\":\"PageNumber\",\"pageSize\":100,\"pageSizeParameter\":\"pageSize\"}");
    }

    [Fact]
    public void A_secret_reaches_the_functions_by_arn_only_and_only_the_fetchers_may_read_it()
    {
        const string secretValue = "Bearer super-secret-value";
        var s = TestApp.NewStack();
        var secret = new Secret(s, "PartnerToken", new SecretProps { SecretStringValue = SecretValue.UnsafePlainText(secretValue) });
        _ = new ApiPoller.ApiPoller(s, "Poller", new() { Sources = [ApiPollerSynth.Orders(o => new PartnerSource
        {
            Name = o.Name, BaseUrl = o.BaseUrl, TotalField = o.TotalField, AuthSecret = secret, AuthHeader = "X-Api-Key",
        })] });
        foreach (var (id, properties) in ApiPollerTemplate.Resources(s, "AWS::Lambda::Function"))
        {
            properties["Environment"]!.ToJsonString().Should().NotContain(secretValue, id);
        }

        var env = ApiPollerTemplate.Environment(s, "PageFetcherFunction")["API_POLLER_SOURCES"]!.ToJsonString();
        env.Should().Contain("authSecretArn").And.Contain("PartnerToken").And.Contain("X-Api-Key");
        foreach (var reader in new[] { "PlannerFunctionRole", "PageFetcherFunctionRole", "CursorFetcherFunctionRole" })
        {
            PolicyStatements.Of(s, reader).Should().Contain(p => p.Actions.Contains("secretsmanager:GetSecretValue"), reader);
        }

        foreach (var other in new[] { "JobApiFunctionRole", "ConsumerFunctionRole" })
        {
            PolicyStatements.Of(s, other).SelectMany(p => p.Actions).Should().NotContain(a => a.StartsWith("secretsmanager:", StringComparison.Ordinal), other);
        }
    }

    [Fact]
    public void Each_role_has_only_the_item_object_and_queue_actions_it_needs()
    {
        var (stack, _, _) = ApiPollerSynth.Poller();
        List<string> Actions(string role) => PolicyStatements.Of(stack, role).SelectMany(p => p.Actions).Where(a => !a.StartsWith("logs:", StringComparison.Ordinal)).Order().ToList();

        Actions("JobApiFunctionRole").Should().Equal("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query");
        Actions("PlannerFunctionRole").Should().Equal("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem", "s3:PutObject");
        PolicyStatements.Of(stack, "PlannerFunctionRole").Single(p => p.Actions.Contains("s3:PutObject")).Resources.Single().Should().EndWith("/jobs/*");
        foreach (var fetcher in new[] { "PageFetcherFunctionRole", "CursorFetcherFunctionRole" })
        {
            Actions(fetcher).Should().Equal("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem", "s3:PutObject",
                "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage");
            PolicyStatements.Of(stack, fetcher).Single(p => p.Actions.Contains("s3:PutObject")).Resources.Single().Should().EndWith("/jobs/*/pages/*");
        }

        var consumer = PolicyStatements.Of(stack, "ConsumerFunctionRole");
        consumer.Single(p => p.Actions.Contains("s3:GetObject")).Resources.Single().Should().EndWith("/jobs/*/pages/*");
        consumer.SelectMany(p => p.Actions).Should().Contain(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:SendMessage"]).And.NotContain("s3:PutObject");
        foreach (var role in new[] { "JobApiFunctionRole", "PlannerFunctionRole", "PageFetcherFunctionRole", "CursorFetcherFunctionRole", "ConsumerFunctionRole" })
        {
            PolicyStatements.Of(stack, role).SelectMany(p => p.Actions).Should().NotContain(a => a.EndsWith('*'), role);
            PolicyStatements.Of(stack, role).SelectMany(p => p.Resources).Should().NotContain("*", role);
        }
    }

    [Fact]
    public void The_workflow_logs_errors_only_without_execution_data_to_its_own_log_group()
    {
        var (stack, _, t) = ApiPollerSynth.Poller();
        t.HasResourceProperties("AWS::StepFunctions::StateMachine", Props(
            ("StateMachineType", "STANDARD"),
            ("LoggingConfiguration", Props(("Level", "ERROR"), ("IncludeExecutionData", false), ("Destinations", Match.AnyValue())))));
        ApiPollerTemplate.Definition(stack)["TimeoutSeconds"]!.GetValue<int>().Should().Be(86400);
    }

    [Fact]
    public void Every_task_retries_with_full_jitter_and_every_service_call_is_caught()
    {
        var (stack, _, _) = ApiPollerSynth.Poller();
        var tasks = ApiPollerTemplate.States(ApiPollerTemplate.Definition(stack)).Where(s => (string?)s.State["Type"] == "Task").ToList();
        tasks.Select(s => s.Name).Should().BeEquivalentTo("PlanJob", "FetchBatch", "RecordBatchFailure", "FetchCursorPages", "ContinueAsNew", "CompleteFetching", "RecordJobFailure");
        foreach (var (name, state) in tasks)
        {
            var retries = state["Retry"]!.AsArray();
            retries.Should().NotBeEmpty(name);
            retries.Should().OnlyContain(r => (string)r!["JitterStrategy"]! == "FULL" && (double)r["BackoffRate"]! == 2 && r["MaxDelaySeconds"] != null, name);
            ((string)state["Resource"]!).Should().ContainAny(ServiceTaskResources);
            state["Catch"]!.AsArray().Should().NotBeEmpty(name);
        }

        var lambdaRetry = tasks.Single(s => s.Name == "PlanJob").State["Retry"]![0]!["ErrorEquals"]!.AsArray().Select(e => (string)e!);
        lambdaRetry.Should().BeEquivalentTo("Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException");
    }

    [Fact]
    public void The_fan_out_is_a_distributed_map_of_express_children_reading_the_manifest_in_batches()
    {
        var (stack, _, _) = ApiPollerSynth.Poller();
        var map = ApiPollerTemplate.Definition(stack)["States"]!["FetchPages"]!;
        map["ItemProcessor"]!["ProcessorConfig"]!.ToJsonString().Should().Be("{\"Mode\":\"DISTRIBUTED\",\"ExecutionType\":\"EXPRESS\"}");
        map["ItemReader"]!["ReaderConfig"]!["InputType"]!.GetValue<string>().Should().Be("JSON");
        map["ItemReader"]!["Parameters"]!["Key.$"]!.GetValue<string>().Should().Be("$.plan.manifestKey");
        map["ItemBatcher"]!.ToJsonString().Should().Be("{\"MaxItemsPerBatch\":25,\"BatchInput\":{\"jobId.$\":\"$.plan.jobId\",\"source.$\":\"$.plan.source\"}}");
        map["MaxConcurrencyPath"]!.GetValue<string>().Should().Be("$.plan.maxConcurrency");
        map["ToleratedFailurePercentage"]!.GetValue<int>().Should().Be(100);
        map["ResultWriter"]!["Parameters"]!["Prefix"]!.GetValue<string>().Should().Be("map-results/");
        map["ResultPath"].Should().BeNull();
    }

    [Fact]
    public void ContinueAsNew_starts_this_state_machine_through_a_separate_policy()
    {
        var (stack, _, _) = ApiPollerSynth.Poller();
        var state = ApiPollerTemplate.Definition(stack)["States"]!["ContinueAsNew"]!;
        state["Parameters"]!["StateMachineArn.$"]!.GetValue<string>().Should().Be("$$.StateMachine.Id");
        state["Catch"]![0]!["ErrorEquals"]![0]!.GetValue<string>().Should().Be("StepFunctions.ExecutionAlreadyExistsException");
        var policy = ApiPollerTemplate.Resources(stack, "AWS::IAM::Policy").Single(p => p.Id.StartsWith("PollerContinueAsNewPolicy", StringComparison.Ordinal)).Properties;
        policy["PolicyDocument"]!["Statement"]!.ToJsonString().Should().Be("[{\"Action\":\"states:StartExecution\",\"Effect\":\"Allow\",\"Resource\":{\"Ref\":\"PollerStateMachineFE4D36AE\"}}]");
    }

    [Fact]
    public void A_job_of_a_million_pages_stays_within_every_step_functions_quota()
    {
        // Fan-out: the parent's history is a constant handful of events whatever the page count (children run in their
        // own Express executions), each child's input is one batch, and the Distributed Map runs any number of items.
        const double pages = 1_000_000;
        var children = Math.Ceiling(pages / ApiPoller.ApiPoller.DefaultPagesPerBatch);
        children.Should().Be(40_000);
        var batchInputBytes = System.Text.Encoding.UTF8.GetByteCount(
            "{\"Items\":[" + string.Join(",", Enumerable.Repeat("{\"page\":1000000}", 1000)) + "],\"BatchInput\":{\"jobId\":\"0123456789abcdef0123456789abcdef\",\"source\":\"" + new string('s', 63) + "\"}}");
        batchInputBytes.Should().BeLessThan(256 * 1024, "even the largest batch (PagesPerBatch 1,000) fits Step Functions' 256 KiB payload limit");

        // Cursor: each iteration is a Task (5 history events) and a Choice (2); an execution hands over after 500.
        const int eventsPerIteration = 7;
        (Orchestrator.ContinueAsNewAfter * eventsPerIteration + 50).Should().BeLessThan(25_000);
    }

    [Fact]
    public void The_pipe_starts_the_workflow_only_for_new_requested_job_items()
    {
        var (stack, _, t) = ApiPollerSynth.Poller();
        var pipe = ApiPollerTemplate.Resources(stack, "AWS::Pipes::Pipe").Single().Properties;
        var pattern = JsonNode.Parse((string)pipe["SourceParameters"]!["FilterCriteria"]!["Filters"]![0]!["Pattern"]!)!;
        pattern.ToJsonString().Should().Be("{\"eventName\":[\"INSERT\"],\"dynamodb\":{\"NewImage\":{\"sk\":{\"S\":[\"JOB\"]},\"status\":{\"S\":[\"REQUESTED\"]}}}}");
        pipe["TargetParameters"]!["InputTemplate"]!.GetValue<string>().Should().Be("{\"jobId\": <$.dynamodb.NewImage.jobId.S>, \"trigger\": \"api\"}");
        pipe["TargetParameters"]!["StepFunctionStateMachineParameters"]!["InvocationType"]!.GetValue<string>().Should().Be("FIRE_AND_FORGET");
        pipe["SourceParameters"]!["DynamoDBStreamParameters"]!["DeadLetterConfig"].Should().NotBeNull();
        var actions = PolicyStatements.Of(stack, "PipeRole").SelectMany(p => p.Actions).Order().ToList();
        actions.Should().Equal("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams",
            "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage", "states:StartExecution");
        t.ResourceCountIs("AWS::Scheduler::Schedule", 0);
    }

    [Fact]
    public void Grants_give_execute_api_invoke_on_the_intended_routes_only()
    {
        var stack = TestApp.NewStack();
        var poller = new ApiPoller.ApiPoller(stack, "Poller", ApiPollerSynth.Minimal());
        var starter = new Role(stack, "Starter", new RoleProps { AssumedBy = new AccountRootPrincipal() });
        var reader = new Role(stack, "Reader", new RoleProps { AssumedBy = new AccountRootPrincipal() });
        poller.GrantStartJobs(starter);
        poller.GrantReadJobs(reader);
        PolicyStatements.Of(stack, "Starter").Single().Resources.Single().Should().EndWith("/$default/POST/jobs");
        PolicyStatements.Of(stack, "Reader").Single().Resources.Single().Should().EndWith("/$default/GET/jobs/*");
        PolicyStatements.Of(stack, "Reader").Single().Actions.Should().Equal("execute-api:Invoke");
    }

    [Fact]
    public void Reading_every_job_is_a_separate_grant_on_the_admin_routes_only()
    {
        var stack = TestApp.NewStack();
        var poller = new ApiPoller.ApiPoller(stack, "Poller", ApiPollerSynth.Minimal());
        var reader = new Role(stack, "Reader", new RoleProps { AssumedBy = new AccountRootPrincipal() });
        var operators = new Role(stack, "Operators", new RoleProps { AssumedBy = new AccountRootPrincipal() });
        poller.GrantReadJobs(reader);
        poller.GrantReadAllJobs(operators);

        var all = PolicyStatements.Of(stack, "Operators").Single();
        all.Actions.Should().Equal("execute-api:Invoke");
        all.Resources.Single().Should().EndWith("/$default/GET/admin/jobs/*");
        var own = PolicyStatements.Of(stack, "Reader").Single().Resources.Single();
        own.Should().EndWith("/$default/GET/jobs/*");
        own.Should().NotContain("admin", "the creator-only grant must not reach the routes that read every job");
    }

    [Fact]
    public void Alarms_cover_failed_and_timed_out_jobs_dead_letters_consumer_errors_and_throttles()
    {
        var (_, poller, t) = ApiPollerSynth.Poller();
        poller.Alarms.Should().HaveCount(6);
        t.HasResourceProperties("AWS::CloudWatch::Alarm", Props(("MetricName", "ExecutionsFailed")));
        t.HasResourceProperties("AWS::CloudWatch::Alarm", Props(("MetricName", "ExecutionsTimedOut")));
        t.HasResourceProperties("AWS::CloudWatch::Alarm", Props(("MetricName", "Errors")));
        t.HasResourceProperties("AWS::CloudWatch::Alarm", Props(("Metrics", Match.ArrayWith(new object[] { Match.ObjectLike(Props(("Expression", "api + planner + pages + cursor + consumer"))) }))));
        poller.MetricDeadLetterMessages().Should().NotBeNull();
        ApiPollerSynth.Poller(new() { Sources = [ApiPollerSynth.Orders()], CreateAlarms = false }).Template.ResourceCountIs("AWS::CloudWatch::Alarm", 0);
    }
}
