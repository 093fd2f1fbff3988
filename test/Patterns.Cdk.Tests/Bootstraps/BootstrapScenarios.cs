using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using FluentAssertions;
using Patterns.Cdk.Core;
using Patterns.Cdk.Testing;

namespace Patterns.Cdk.Tests.Bootstraps;

/// <summary>
/// What each bundled handler is given and must answer when its real <c>bootstrap</c> runs under qemu: the settings it
/// requires, the AWS state the fakes hold, one invocation that succeeds (checked on the <c>/response</c> body and on
/// the AWS calls it made), one that fails with a handler error, and the settings that make its init fail.
/// </summary>
/// <param name="Handler">The bundled handler (zip and handler string).</param>
/// <param name="Settings">The function's own environment (the construct sets these), given the fake AWS endpoint.</param>
/// <param name="Arrange">AWS state before the process starts (S3 objects, DynamoDB items, partner pages, Rekognition's answer).</param>
/// <param name="Success">The payload of the invocation that succeeds.</param>
/// <param name="AssertSuccess">Checks its <c>/response</c> body and the AWS requests made.</param>
/// <param name="Failure">The payload of the invocation that fails.</param>
/// <param name="FailureType">The <c>errorType</c> of that failure.</param>
/// <param name="FailureMessage">A wildcard pattern its <c>errorMessage</c> matches.</param>
/// <param name="BreakSettings">The change of settings that fails init: a required variable removed (null), or an invalid value.</param>
/// <param name="InitMessage">A wildcard pattern the <c>/init/error</c> message matches.</param>
internal sealed record BootstrapScenario(
    BundledHandler Handler,
    Func<FakeAwsEndpoint, Dictionary<string, string>> Settings,
    Action<FakeAwsEndpoint> Arrange,
    string Success,
    Action<RuntimeApiCall, FakeAwsEndpoint> AssertSuccess,
    string Failure,
    string FailureType,
    string FailureMessage,
    (string Name, string? Value) BreakSettings,
    string InitMessage)
{
    public const string Region = "eu-west-1";
    public const string Account = "111122223333";
    private const string SourcesJsonBase = "http://127.0.0.1:1"; // replaced by the fake's URL

    public override string ToString() => Handler.Handler;

    /// <summary>
    /// The failure is expected bad input (<c>BadInputException</c>, MwaaScheduler's <c>BadInput</c>), reported without
    /// frames; any other failure type is an unexpected exception, reported with its frames.
    /// </summary>
    public bool FailsWithExpectedBadInput => FailureType is "BadInputException" or "BadInput";

    /// <summary>Every bundled handler's scenario, by handler string.</summary>
    public static IReadOnlyDictionary<string, BootstrapScenario> All => Scenarios.Value;

    // ---- RecursionSafeS3Processor ----

    private const string Uploads = "uploads";
    private const string UserPrincipal = "AWS:AIDAINPONIXQXHT3IKHL2";
    private const string ProcessorRoleId = "AROA3XFRBF535PLBIFPI4";
    private const string WorkQueueUrl = "https://sqs.eu-west-1.amazonaws.com/111122223333/work";

    private static BootstrapScenario ObjectMetadataGuard() => new(
        BundledHandlers.ObjectMetadataGuard,
        _ => new() { ["SOURCE_BUCKET"] = Uploads, ["INPUT_PREFIX"] = "incoming/", ["WORK_QUEUE_URL"] = WorkQueueUrl },
        aws => aws.PutObject(Uploads, "incoming/photo.jpg", "not really a photo"u8.ToArray(), "image/jpeg", new Dictionary<string, string> { ["original"] = "true" }),
        S3Event(S3Record(Uploads, "incoming/photo.jpg", 18)),
        (response, aws) =>
        {
            response.Body.Should().BeEmpty("the guard answers nothing");
            aws.Of("S3.HeadObject").Should().ContainSingle().Which.Path.Should().Be("/uploads/incoming/photo.jpg");
            AwsRequest forwarded = aws.Of("SQS.SendMessage").Should().ContainSingle("the original is forwarded to the work queue").Subject;
            ((string?)forwarded.Json!["QueueUrl"]).Should().Be(WorkQueueUrl);
            ((string?)forwarded.Json["MessageBody"]).Should().Contain("incoming/photo.jpg");
        },
        """{"Records":[]}""",
        "BadInputException",
        "*empty Records array*",
        ("WORK_QUEUE_URL", null),
        "*WORK_QUEUE_URL*");

    private static BootstrapScenario LedgerRecorder() => new(
        BundledHandlers.LedgerRecorder,
        _ => new()
        {
            ["SOURCE_BUCKET"] = Uploads, ["INPUT_PREFIX"] = "incoming/", ["LEDGER_TABLE"] = "ledger",
            ["LEDGER_TTL_SECONDS"] = "3600", ["PROCESSOR_ROLE_ID"] = ProcessorRoleId,
        },
        _ => { },
        S3Event(S3Record(Uploads, "incoming/report.csv", 42)),
        (response, aws) =>
        {
            response.Body.Should().BeEmpty();
            AwsRequest put = aws.Of("DynamoDB.PutItem").Should().ContainSingle("each new revision is recorded once").Subject;
            ((string?)put.Json!["TableName"]).Should().Be("ledger");
            put.Text.Should().Contain("incoming/report.csv");
            ((string?)put.Json["ConditionExpression"]).Should().StartWith("attribute_not_exists(");
        },
        "this is not JSON",
        "BadInputException",
        "*not valid*JSON*",
        ("LEDGER_TABLE", null),
        "*LEDGER_TABLE*");

    private static readonly byte[] Pdf = "%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"u8.ToArray();

    private static BootstrapScenario ContentStampProcessor() => new(
        BundledHandlers.ContentStampProcessor,
        _ => new() { ["SOURCE_BUCKET"] = Uploads, ["INPUT_PREFIX"] = "incoming/", ["STRATEGY"] = "KeyFilter", ["OUTPUT_PREFIX"] = "processed/" },
        aws => aws.PutObject(Uploads, "incoming/doc.bin", Pdf, "application/octet-stream"),
        SqsEvent(S3Event(S3Record(Uploads, "incoming/doc.bin", Pdf.Length))),
        (response, aws) =>
        {
            response.Text.Should().Be("""{"batchItemFailures":[]}""");
            aws.Of("S3.CopyObject").Should().ContainSingle("the output is a server-side copy");
            aws.GetObject(Uploads, "processed/doc.bin").Should().Equal(Pdf);
            IReadOnlyDictionary<string, string> metadata = aws.GetMetadata(Uploads, "processed/doc.bin")!;
            metadata["sha256"].Should().Be(Convert.ToHexStringLower(SHA256.HashData(Pdf)));
            metadata["detected-type"].Should().Be("application/pdf");
        },
        """{"Records":[{"eventSource":"aws:dynamodb","eventName":"INSERT","dynamodb":{}}]}""",
        "BadInputException",
        "*STRATEGY=KeyFilter does not consume events from 'aws:dynamodb'*",
        ("STRATEGY", null),
        "*STRATEGY*");

    // ---- FaceBlurPipeline ----

    private static BootstrapScenario FaceBlurWorker() => new(
        BundledHandlers.FaceBlurWorker,
        aws => new()
        {
            ["SOURCE_BUCKET"] = "photos", ["INPUT_PREFIX"] = "uploads/", ["DESTINATION_BUCKET"] = "blurred",
            ["REKOGNITION_ENDPOINT"] = aws.Url + "/",
        },
        aws =>
        {
            aws.PutObject("photos", "uploads/face.png", FaceImage.Checkerboard(), "image/png");
            aws.DetectFacesAnswer = FaceImage.DetectFacesAnswer;
        },
        SqsEvent(S3Event(S3Record("photos", "uploads/face.png", FaceImage.Checkerboard().Length))),
        (response, aws) =>
        {
            response.Text.Should().Be("""{"batchItemFailures":[]}""");
            AwsRequest detect = aws.Of("Rekognition.DetectFaces").Should().ContainSingle().Subject;
            ((string?)detect.Json!["Image"]!["S3Object"]!["Name"]).Should().Be("uploads/face.png");
            detect.Headers["Authorization"].Should().StartWith("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/", "the stand-in signs with the function's credentials");
            AwsRequest put = aws.Of("S3.PutObject").Should().ContainSingle().Subject;
            put.Path.Should().Be("/blurred/face.png");
            put.Headers["Content-Type"].Should().Be("image/png");
            FaceImage.AssertFaceIsPixelated(aws.GetObject("blurred", "face.png")!);
        },
        """{"Records":[{"messageId":"m1","body":"{}"}],""",
        "BadInputException",
        "*not valid*JSON*",
        ("DESTINATION_BUCKET", null),
        "*DESTINATION_BUCKET*");

    // ---- ApiPoller ----

    private const string Table = "progress";
    private const string PayloadBucket = "payloads";
    private const string PollerQueueUrl = "https://sqs.eu-west-1.amazonaws.com/111122223333/poller-work";
    private const string JobId = "0123456789abcdef0123456789abcdef";
    private const string CursorJobId = "fedcba9876543210fedcba9876543210";
    private const string ExecutionId = "arn:aws:states:eu-west-1:111122223333:execution:Orchestrator:run-1";
    private static readonly string OrdersPage = """{"total":2,"items":[{"id":1},{"id":2}]}""";
    private static readonly string FeedPage = """{"items":[{"id":"a"},{"id":"b"},{"id":"c"}],"next":null}""";

    private static Dictionary<string, string> PollerSettings(FakeAwsEndpoint aws, bool queue = true)
    {
        var settings = new Dictionary<string, string>
        {
            ["TABLE_NAME"] = Table,
            ["JOB_TTL_DAYS"] = "7",
            ["PAYLOAD_BUCKET"] = PayloadBucket,
            ["API_POLLER_SOURCES"] = Sources.Replace(SourcesJsonBase, aws.Url, StringComparison.Ordinal),
            ["FUNCTION_TIMEOUT_SECONDS"] = "120",
        };
        if (queue)
        {
            settings["QUEUE_URL"] = PollerQueueUrl;
        }

        return settings;
    }

    private static readonly string Sources = $$"""
        [{"name":"orders","baseUrl":"{{SourcesJsonBase}}/partner/orders","allowInsecureHttp":true,"pagination":"PageNumber","pageSize":2,
          "pageSizeParameter":"pageSize","requestTimeoutSeconds":5,"requestsPerSecond":100,"maxAttempts":1},
         {"name":"feed","baseUrl":"{{SourcesJsonBase}}/partner/feed","allowInsecureHttp":true,"pagination":"Cursor","pageSize":3,
          "requestTimeoutSeconds":5,"requestsPerSecond":100,"maxAttempts":1}]
        """;

    private static string JobItem(string jobId, string source) => $$$"""
        {"pk":{"S":"JOB#{{{jobId}}}"},"sk":{"S":"JOB"},"jobId":{"S":"{{{jobId}}}"},"source":{"S":"{{{source}}}"},"parameters":{"S":"{}"},
         "status":{"S":"FETCHING"},"trigger":{"S":"api"},"requestHash":{"S":"h"},"requestedAt":{"S":"2024-01-01T00:00:00.000Z"},
         "plannedBy":{"S":"{{{ExecutionId}}}"},"expiresAt":{"N":"1893456000"}}
        """;

    private static BootstrapScenario JobApi() => new(
        BundledHandlers.ApiPollerJobApi,
        aws => PollerSettings(aws, queue: false),
        aws => aws.Items["JOB#" + JobId] = JobItem(JobId, "orders"),
        HttpApiRequest("GET", $"/admin/jobs/{JobId}", "GET /admin/jobs/{id}", new JsonObject { ["id"] = JobId }),
        (response, aws) =>
        {
            JsonNode answer = JsonNode.Parse(response.Body)!;
            ((int)answer["statusCode"]!).Should().Be(200, response.Text);
            JsonNode job = JsonNode.Parse((string)answer["body"]!)!;
            ((string?)job["jobId"]).Should().Be(JobId);
            ((string?)job["source"]).Should().Be("orders");
            ((string?)job["status"]).Should().Be("FETCHING");
            ((string?)aws.Of("DynamoDB.GetItem").Should().ContainSingle().Subject.Json!["TableName"]).Should().Be(Table);
            aws.Of("DynamoDB.Query").Should().NotBeEmpty("the job's counters are summed from its page groups");
        },
        """{"version":"2.0","rawPath":"/jobs"}""",
        "BadInputException",
        "*requestContext*",
        ("TABLE_NAME", null),
        "*TABLE_NAME*");

    private static BootstrapScenario JobPlanner() => new(
        BundledHandlers.ApiPollerJobPlanner,
        aws => PollerSettings(aws, queue: false),
        _ => { },
        $$$"""{"input":{"schedule":{"name":"nightly","source":"feed","parameters":{}},"scheduledTime":"2024-06-01T02:00:00Z","trigger":"schedule"},"executionId":"{{{ExecutionId}}}"}""",
        (response, aws) =>
        {
            JsonNode plan = JsonNode.Parse(response.Body)!;
            ((string?)plan["mode"]).Should().Be("cursor", response.Text);
            ((string?)plan["source"]).Should().Be("feed");
            ((string?)plan["jobId"]).Should().MatchRegex("^[0-9a-f]{32}$");
            aws.Of("DynamoDB.PutItem").Should().ContainSingle("the scheduled job is created");
            aws.Of("DynamoDB.UpdateItem").Should().HaveCount(2, "the job moves to PLANNING, then FETCHING");
        },
        $$"""{"input":{"jobId":"{{JobId}}","trigger":"api"},"executionId":"{{ExecutionId}}"}""",
        "BadInputException",
        $"*unknown job {JobId}*",
        ("PAYLOAD_BUCKET", null),
        "*PAYLOAD_BUCKET*");

    private static BootstrapScenario PageFetcher() => new(
        BundledHandlers.ApiPollerPageFetcher,
        aws => PollerSettings(aws),
        aws =>
        {
            aws.Items["JOB#" + JobId] = JobItem(JobId, "orders");
            aws.PartnerPages["/partner/orders"] = OrdersPage;
        },
        $$$"""{"Items":[{"page":1}],"BatchInput":{"jobId":"{{{JobId}}}","source":"orders"}}""",
        (response, aws) =>
        {
            JsonNode result = JsonNode.Parse(response.Body)!;
            ((int)result["fetched"]!).Should().Be(1, response.Text);
            ((int)result["failed"]!).Should().Be(0);
            result["remaining"]!.AsArray().Should().BeEmpty();
            aws.Of("Partner.Get").Should().ContainSingle().Which.Query.Should().Contain("page=1").And.Contain("pageSize=2");
            Encoding.UTF8.GetString(aws.GetObject(PayloadBucket, $"jobs/{JobId}/pages/000000001.json")!).Should().Be(OrdersPage);
            AwsRequest batch = aws.Of("SQS.SendMessageBatch").Should().ContainSingle().Subject;
            ((string?)batch.Json!["QueueUrl"]).Should().Be(PollerQueueUrl);
            ((string?)batch.Json["Entries"]![0]!["MessageBody"]).Should().Contain($"jobs/{JobId}/pages/000000001.json");
        },
        """{"Items":[{"page":1}],"BatchInput":{"jobId":"not-a-job-id","source":"orders"}}""",
        "BadInputException",
        "*jobId is not 32 lowercase hex characters*",
        ("QUEUE_URL", null),
        "*QUEUE_URL*");

    private static BootstrapScenario CursorFetcher() => new(
        BundledHandlers.ApiPollerCursorFetcher,
        aws => PollerSettings(aws),
        aws =>
        {
            aws.Items["JOB#" + CursorJobId] = JobItem(CursorJobId, "feed");
            aws.PartnerPages["/partner/feed"] = FeedPage;
        },
        $$$"""{"plan":{"jobId":"{{{CursorJobId}}}","source":"feed","mode":"cursor","maxConcurrency":1,"pagesPerBatch":25}}""",
        (response, aws) =>
        {
            JsonNode progress = JsonNode.Parse(response.Body)!;
            ((bool)progress["done"]!).Should().BeTrue(response.Text);
            ((int)progress["nextPage"]!).Should().Be(2);
            Encoding.UTF8.GetString(aws.GetObject(PayloadBucket, $"jobs/{CursorJobId}/pages/000000001.json")!).Should().Be(FeedPage);
            aws.Of("SQS.SendMessageBatch").Should().ContainSingle();
            aws.Of("DynamoDB.UpdateItem").Should().Contain(r => r.Text.Contains("totalPages", StringComparison.Ordinal), "the last page's number is recorded");
        },
        $$$"""{"plan":{"jobId":"{{{CursorJobId}}}","source":"orders","mode":"cursor"}}""",
        "BadInputException",
        "*is of source 'feed', not 'orders'*",
        ("QUEUE_URL", null),
        "*QUEUE_URL*");

    private static BootstrapScenario TaskConsumer() => new(
        BundledHandlers.ApiPollerTaskConsumer,
        aws => new()
        {
            ["TABLE_NAME"] = Table, ["JOB_TTL_DAYS"] = "7", ["PAYLOAD_BUCKET"] = PayloadBucket, ["MAX_RECEIVE_COUNT"] = "3",
        },
        aws => aws.PutObject(PayloadBucket, $"jobs/{JobId}/pages/000000001.json", Encoding.UTF8.GetBytes(OrdersPage), "application/json"),
        SqsEvent($$"""{"jobId":"{{JobId}}","source":"orders","page":1,"bucket":"{{PayloadBucket}}","key":"jobs/{{JobId}}/pages/000000001.json","bytes":{{OrdersPage.Length}}}"""),
        (response, aws) =>
        {
            response.Text.Should().Be("""{"batchItemFailures":[]}""");
            aws.Of("S3.GetObject").Should().ContainSingle().Which.Path.Should().Be($"/{PayloadBucket}/jobs/{JobId}/pages/000000001.json");
            aws.Of("DynamoDB.UpdateItem").Should().HaveCount(2, "the page is marked ENQUEUED (at least), then COMPLETED");
        },
        """{"Records":"none"}""",
        "BadInputException",
        "*not valid*JSON*",
        ("MAX_RECEIVE_COUNT", null),
        "*MAX_RECEIVE_COUNT*");

    private static BootstrapScenario DemoPartner() => new(
        BundledHandlers.ApiPollerDemoPartner,
        _ => new() { ["DEMO_TOTAL_ITEMS"] = "5", ["DEMO_MAX_DELAY_MS"] = "0", ["DEMO_ERROR_RATE"] = "0" },
        _ => { },
        HttpApiRequest("GET", "/items", "GET /items", null, new JsonObject { ["page"] = "2", ["pageSize"] = "2" }),
        (response, _) =>
        {
            JsonNode answer = JsonNode.Parse(response.Body)!;
            ((int)answer["statusCode"]!).Should().Be(200, response.Text);
            JsonNode page = JsonNode.Parse((string)answer["body"]!)!;
            ((int)page["total"]!).Should().Be(5);
            page["items"]!.AsArray().Should().HaveCount(2);
        },
        "[1,2,3]",
        "BadInputException",
        "*not valid*JSON*",
        // DemoPartner has no required setting: an invalid one fails its init the same way.
        ("DEMO_ERROR_RATE", "2"),
        "*DEMO_ERROR_RATE must be a number from 0 to 1*");

    // ---- Events ----

    // ---- EventDrivenSettlement ----

    private const string SettlementTable = "settlements";
    private const string SettlementRules = """{"currency":"EUR","deductibles":[{"documentType":"CAR","damageLevel":"MODERATE","amount":"500.00"}]}""";
    private const string ClaimDetail = """{"customerId":"customer-1","claimId":"claim-42","documentType":"CAR","fraudType":"CLAIMS","damage":{"level":"MODERATE","part":"bumper","estimatedCost":2500}}""";

    private static Dictionary<string, string> SettlementSettings() => new()
    {
        ["SETTLEMENT_TABLE"] = SettlementTable,
        ["SETTLEMENT_RULES"] = SettlementRules,
        ["DEAD_LETTER_QUEUE_URL"] = $"https://sqs.{Region}.amazonaws.com/{Account}/settlement-dlq",
    };

    private static BootstrapScenario SettlementConsumer() => new(
        BundledHandlers.SettlementConsumer,
        _ => SettlementSettings(),
        _ => { },
        SqsEvent($$"""{"version":"0","id":"evt-42","detail-type":"Fraud.Not.Detected","source":"fraud.service","account":"{{Account}}","time":"2026-12-05T08:00:00Z","region":"{{Region}}","resources":[],"detail":{{ClaimDetail}}}"""),
        (response, aws) =>
        {
            JsonNode.Parse(response.Text)!["batchItemFailures"]!.AsArray().Should().BeEmpty(response.Text);
            AwsRequest put = aws.Of("DynamoDB.PutItem").Should().ContainSingle("the settlement is written once, conditionally").Subject;
            ((string?)put.Json!["TableName"]).Should().Be(SettlementTable);
            ((string?)put.Json["ConditionExpression"]).Should().Contain("attribute_not_exists(");
            ((string?)put.Json["Item"]!["payoutAmount"]!["S"]).Should().Be("2000.00");
            ((string?)put.Json["Item"]!["currency"]!["S"]).Should().Be("EUR");
            ((string?)put.Json["Item"]!["correlationId"]!["S"]).Should().Be("evt-42");
            aws.Of("SQS.SendMessage").Should().BeEmpty("nothing is parked");
        },
        "this is not JSON",
        "BadInputException",
        "*JSON*",
        ("SETTLEMENT_TABLE", null),
        "*SETTLEMENT_TABLE*");

    private static BootstrapScenario SettlementApi() => new(
        BundledHandlers.SettlementApi,
        _ => SettlementSettings(),
        _ => { },
        new JsonObject
        {
            ["resource"] = "/settlements",
            ["path"] = "/settlements",
            ["httpMethod"] = "POST",
            ["headers"] = new JsonObject { ["Content-Type"] = "application/json", ["X-Correlation-Id"] = "rest-42" },
            ["requestContext"] = new JsonObject { ["accountId"] = Account, ["requestId"] = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", ["stage"] = "prod" },
            ["body"] = ClaimDetail,
            ["isBase64Encoded"] = false,
        }.ToJsonString(),
        (response, aws) =>
        {
            JsonNode answer = JsonNode.Parse(response.Text)!;
            ((int)answer["statusCode"]!).Should().Be(201, response.Text);
            JsonNode settlement = JsonNode.Parse((string)answer["body"]!)!;
            ((string?)settlement["claimId"]).Should().Be("claim-42");
            ((string?)settlement["payoutAmount"]).Should().Be("2000.00");
            ((string?)settlement["correlationId"]).Should().Be("rest-42");
            ((string?)aws.Of("DynamoDB.PutItem").Should().ContainSingle().Subject.Json!["TableName"]).Should().Be(SettlementTable);
        },
        "this is not JSON",
        "BadInputException",
        "*JSON*",
        ("SETTLEMENT_RULES", """{"currency":"EUR","deductibles":[]}"""),
        "*SETTLEMENT_RULES*");

    // ---- MwaaScheduler ----

    private const string MwaaEnvironment = "analytics-prod";
    private const string MwaaBackupId = "20261205T200000Z";
    private const string MwaaKeyArn = $"arn:aws:kms:{Region}:{Account}:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    private static BootstrapScenario MwaaDagRuns() => new(
        BundledHandlers.MwaaDagRuns,
        aws => new() { ["ENVIRONMENT_NAME"] = MwaaEnvironment, ["MWAA_ENDPOINT"] = aws.Url + "/" },
        aws =>
        {
            aws.RestApiAnswers["PATCH /dags/pcdk_export"] = (200, """{"dag_id":"pcdk_export","is_paused":false}""");
            aws.RestApiAnswers["POST /dags/pcdk_export/dagRuns"] = (200, """{"dag_id":"pcdk_export","dag_run_id":"pcdk-20261205T200000Z","state":"queued"}""");
        },
        """{"action":"trigger","dagId":"pcdk_export","runId":"pcdk-20261205T200000Z","conf":{"bucket":"b","prefix":"p/"}}""",
        (response, aws) =>
        {
            response.Text.Should().Be("""{"dagId":"pcdk_export","runId":"pcdk-20261205T200000Z","state":"queued"}""");
            // The failure invocation's call follows; the success made the first two.
            var calls = aws.Of("MWAA.InvokeRestApi").Take(2).ToList();
            calls.Select(c => $"{(string?)c.Json!["Method"]} {(string?)c.Json["Path"]}").Should().Equal("PATCH /dags/pcdk_export", "POST /dags/pcdk_export/dagRuns");
            calls.Should().OnlyContain(c => c.Path == "/restapi/" + MwaaEnvironment);
            calls[0].Headers["Authorization"].Should().Contain($"/{Region}/airflow/aws4_request", "the stand-in signs for MWAA");
            ((string?)calls[1].Json!["Body"]!["conf"]!["prefix"]).Should().Be("p/");
        },
        """{"action":"status","dagId":"pcdk_import","runId":"pcdk-i-20261205T200000Z"}""",
        "DagNotFound",
        "*GET /dags/pcdk_import/dagRuns/pcdk-i-20261205T200000Z*Airflow answered 404*",
        ("ENVIRONMENT_NAME", null),
        "*ENVIRONMENT_NAME*");

    private static Dictionary<string, string> CatalogSettings() => new()
    {
        ["BACKUP_BUCKET"] = "mwaa-backups",
        ["BACKUP_KEY_ARN"] = MwaaKeyArn,
        ["ENVIRONMENT_NAME"] = MwaaEnvironment,
        ["BACKUPS_TO_KEEP"] = "7",
        ["EXPORT_CONNECTIONS"] = "true",
        ["EXPORT_VARIABLES"] = "true",
    };

    private static BootstrapScenario MwaaBackupCatalog() => new(
        BundledHandlers.MwaaBackupCatalog,
        _ => CatalogSettings(),
        _ => { },
        new JsonObject
        {
            ["action"] = "saveConfiguration",
            ["backupId"] = MwaaBackupId,
            ["environment"] = new JsonObject
            {
                ["Name"] = MwaaEnvironment, ["Arn"] = $"arn:aws:airflow:{Region}:{Account}:environment/{MwaaEnvironment}", ["Status"] = "AVAILABLE",
                ["AirflowVersion"] = "2.10.3", ["ExecutionRoleArn"] = $"arn:aws:iam::{Account}:role/mwaa-exec", ["SourceBucketArn"] = "arn:aws:s3:::dags",
                ["DagS3Path"] = "dags", ["MaxWorkers"] = 5,
                ["NetworkConfiguration"] = new JsonObject { ["SubnetIds"] = new JsonArray("subnet-1", "subnet-2"), ["SecurityGroupIds"] = new JsonArray("sg-1") },
                ["LoggingConfiguration"] = new JsonObject
                {
                    ["TaskLogs"] = new JsonObject { ["CloudWatchLogGroupArn"] = $"arn:aws:logs:{Region}:{Account}:log-group:airflow-Task", ["Enabled"] = true, ["LogLevel"] = "INFO" },
                },
                ["Tags"] = new JsonObject { ["team"] = "data", ["aws:cloudformation:stack-name"] = "stack" },
            },
        }.ToJsonString(),
        (response, aws) =>
        {
            JsonNode saved = JsonNode.Parse(response.Body)!;
            ((string?)saved["metadataExport"]).Should().Be("supported", response.Text);
            ((string?)saved["runId"]).Should().Be("pcdk-" + MwaaBackupId);
            ((string?)saved["exportConf"]!["kmsKeyArn"]).Should().Be(MwaaKeyArn);
            AwsRequest put = aws.Of("S3.PutObject").Should().ContainSingle().Subject;
            put.Path.Should().Be($"/mwaa-backups/backups/{MwaaEnvironment}/{MwaaBackupId}/environment.json");
            put.Headers["x-amz-server-side-encryption"].Should().Be("aws:kms");
            put.Headers["x-amz-server-side-encryption-aws-kms-key-id"].Should().Be(MwaaKeyArn);
            JsonNode request = JsonNode.Parse(aws.GetObject("mwaa-backups", $"backups/{MwaaEnvironment}/{MwaaBackupId}/environment.json")!)!;
            request["Arn"].Should().BeNull();
            request["Tags"]!.ToJsonString().Should().Be("""{"team":"data"}""");
            request["LoggingConfiguration"]!.ToJsonString().Should().Be("""{"TaskLogs":{"Enabled":true,"LogLevel":"INFO"}}""");
        },
        // The backup just saved, without its export: it cannot be verified.
        $$"""{"action":"verify","prefix":"backups/{{MwaaEnvironment}}/{{MwaaBackupId}}/","metadata":true}""",
        "BackupVerificationFailed",
        "*manifest.json is missing*",
        ("BACKUPS_TO_KEEP", "0"),
        "*BACKUPS_TO_KEEP*");

    private static BootstrapScenario MwaaLock() => new(
        BundledHandlers.MwaaLock,
        _ => new() { ["LOCK_TABLE"] = "mwaa-locks" },
        _ => { },
        $$"""{"action":"acquire","lockName":"{{MwaaEnvironment}}","owner":"arn:aws:states:{{Region}}:{{Account}}:execution:PauseWorkflow:run-1","operation":"pause","ttlSeconds":3600}""",
        (response, aws) =>
        {
            JsonNode acquired = JsonNode.Parse(response.Body)!;
            ((bool)acquired["acquired"]!).Should().BeTrue(response.Text);
            ((long)acquired["expiresAt"]!).Should().BeCloseTo(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 3600, 600);
            AwsRequest put = aws.Of("DynamoDB.PutItem").Should().ContainSingle().Subject;
            ((string?)put.Json!["TableName"]).Should().Be("mwaa-locks");
            ((string?)put.Json["ConditionExpression"]).Should().Be("attribute_not_exists(pk) OR expiresAt < :now OR #owner = :owner");
            ((string?)put.Json["Item"]!["pk"]!["S"]).Should().Be(MwaaEnvironment);
        },
        """{"action":"steal","lockName":"x","owner":"y"}""",
        "BadInput",
        "*action must be acquire or release*",
        ("LOCK_TABLE", null),
        "*LOCK_TABLE*");

    // ---- PrivateUploadApi ----

    private const string UploadBucket = "private-uploads";
    private const string UploadTable = "upload-sessions";
    private const string UploaderRoleId = "AROA3XFRBF535PLBIFPI4";
    private const string UploadId = "0123456789abcdef0123456789abcdef";
    private static readonly string UploadKey = $"uploads/{Account}/{UploaderRoleId}/{UploadId}/photo.png";

    private static Dictionary<string, string> UploadSettings(FakeAwsEndpoint aws) => new()
    {
        ["UPLOAD_BUCKET"] = UploadBucket,
        ["SESSION_TABLE"] = UploadTable,
        ["KEY_PREFIX"] = "uploads",
        ["ALLOWED_CONTENT_TYPES"] = "image/png,application/pdf",
        ["MAX_UPLOAD_BYTES"] = "5368709120",
        ["DIRECT_MAX_BYTES"] = "4194304",
        ["URL_EXPIRY_SECONDS"] = "900",
        ["SESSION_TTL_SECONDS"] = "87300",
        ["EVENT_BUS_NAME"] = "uploads-bus",
        ["EVENTBRIDGE_ENDPOINT"] = aws.Url + "/",
    };

    private static string UploadRequest(string method, string resource, string path, JsonObject? pathParameters, string? body, bool base64 = false, string contentType = "application/json") => new JsonObject
    {
        ["resource"] = resource,
        ["path"] = path,
        ["httpMethod"] = method,
        ["headers"] = new JsonObject { ["Content-Type"] = contentType },
        ["pathParameters"] = pathParameters,
        ["requestContext"] = new JsonObject
        {
            ["accountId"] = Account, ["requestId"] = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", ["stage"] = "v1",
            ["identity"] = new JsonObject { ["accountId"] = Account, ["user"] = UploaderRoleId + ":session-1", ["caller"] = UploaderRoleId + ":session-1" },
        },
        ["body"] = body,
        ["isBase64Encoded"] = base64,
    }.ToJsonString();

    private static BootstrapScenario UploadSessions() => new(
        BundledHandlers.PrivateUploadSessions,
        UploadSettings,
        _ => { },
        UploadRequest("POST", "/uploads", "/uploads", null, """{"fileName":"photo.png","contentType":"image/png","size":1234}"""),
        (response, aws) =>
        {
            JsonNode answer = JsonNode.Parse(response.Text)!;
            ((int)answer["statusCode"]!).Should().Be(201, response.Text);
            JsonNode session = JsonNode.Parse((string)answer["body"]!)!;
            ((string?)session["mode"]).Should().Be("single");
            ((string?)session["key"]).Should().StartWith($"uploads/{Account}/{UploaderRoleId}/");
            ((string?)session["post"]!["url"]).Should().StartWith(aws.Url, "the form goes to the S3 endpoint the SDK was given, over http");
            ((string?)session["post"]!["fields"]!["Content-Type"]).Should().Be("image/png");
            ((string?)session["post"]!["fields"]!["Policy"]).Should().NotBeNullOrEmpty();
            AwsRequest put = aws.Of("DynamoDB.PutItem").Should().ContainSingle().Subject;
            ((string?)put.Json!["TableName"]).Should().Be(UploadTable);
            ((string?)put.Json["ConditionExpression"]).Should().Be("attribute_not_exists(#pk)");
            ((string?)put.Json["Item"]!["owner"]!["S"]).Should().Be($"{Account}/{UploaderRoleId}");
            aws.Requests.Should().NotContain(r => r.Operation.StartsWith("S3.", StringComparison.Ordinal), "a POST form is signed locally");
        },
        "this is not JSON",
        "BadInputException",
        "*JSON*",
        ("ALLOWED_CONTENT_TYPES", null),
        "*ALLOWED_CONTENT_TYPES*");

    private static BootstrapScenario UploadCompleter() => new(
        BundledHandlers.PrivateUploadCompleter,
        UploadSettings,
        aws =>
        {
            aws.Items[UploadId] = new JsonObject
            {
                ["pk"] = new JsonObject { ["S"] = UploadId }, ["owner"] = new JsonObject { ["S"] = $"{Account}/{UploaderRoleId}" },
                ["key"] = new JsonObject { ["S"] = UploadKey }, ["mode"] = new JsonObject { ["S"] = "single" }, ["state"] = new JsonObject { ["S"] = "open" },
                ["fileName"] = new JsonObject { ["S"] = "photo.png" }, ["contentType"] = new JsonObject { ["S"] = "image/png" },
                ["size"] = new JsonObject { ["N"] = "18" }, ["partSize"] = new JsonObject { ["N"] = "18" }, ["partCount"] = new JsonObject { ["N"] = "1" },
                ["createdAt"] = new JsonObject { ["S"] = "2026-12-05T18:00:00Z" }, ["expiresAt"] = new JsonObject { ["S"] = "2026-12-06T18:15:00Z" },
                ["ttl"] = new JsonObject { ["N"] = "1796580900" },
            }.ToJsonString();
            aws.PutObject(UploadBucket, UploadKey, "not really a photo"u8.ToArray(), "image/png");
        },
        UploadRequest("POST", "/uploads/{id}/complete", $"/uploads/{UploadId}/complete", new JsonObject { ["id"] = UploadId }, null),
        (response, aws) =>
        {
            JsonNode answer = JsonNode.Parse(response.Text)!;
            ((int)answer["statusCode"]!).Should().Be(200, response.Text);
            JsonNode completed = JsonNode.Parse((string)answer["body"]!)!;
            ((string?)completed["key"]).Should().Be(UploadKey);
            ((long)completed["size"]!).Should().Be(18);
            aws.Of("S3.HeadObject").Should().ContainSingle().Which.Path.Should().Be($"/{UploadBucket}/{UploadKey}");
            AwsRequest published = aws.Of("Events.PutEvents").Should().ContainSingle().Subject;
            published.Headers["Authorization"].Should().Contain($"/{Region}/events/aws4_request");
            JsonNode entry = published.Json!["Entries"]![0]!;
            ((string?)entry["DetailType"]).Should().Be("Upload.Completed");
            ((string?)entry["EventBusName"]).Should().Be("uploads-bus");
            ((string?)JsonNode.Parse((string)entry["Detail"]!)!["key"]).Should().Be(UploadKey);
            aws.Of("DynamoDB.UpdateItem").Should().HaveCount(2, "the completion claims the session, then marks it completed");
            AwsRequest claim = aws.Of("DynamoDB.UpdateItem")[0];
            ((string?)claim.Json!["ConditionExpression"]).Should().Be("#state = :from0");
            ((string?)claim.Json["ExpressionAttributeValues"]![":from0"]!["S"]).Should().Be("open");
            ((string?)claim.Json["ExpressionAttributeValues"]![":next"]!["S"]).Should().Be("completing");
            AwsRequest done = aws.Of("DynamoDB.UpdateItem")[1];
            ((string?)done.Json!["ConditionExpression"]).Should().Be("#state IN (:from0, :from1)");
            ((string?)done.Json["UpdateExpression"]).Should().EndWith("REMOVE #ttl");
        },
        "[1,2,3]",
        "BadInputException",
        "*JSON*",
        ("SESSION_TABLE", null),
        "*SESSION_TABLE*");

    private static readonly byte[] DirectPng = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D];

    private static BootstrapScenario DirectUpload() => new(
        BundledHandlers.PrivateUploadDirect,
        UploadSettings,
        _ => { },
        UploadRequest("PUT", "/files/{fileName}", "/files/logo.png", new JsonObject { ["fileName"] = "logo.png" }, Convert.ToBase64String(DirectPng), base64: true, contentType: "image/png"),
        (response, aws) =>
        {
            JsonNode answer = JsonNode.Parse(response.Text)!;
            ((int)answer["statusCode"]!).Should().Be(201, response.Text);
            JsonNode stored = JsonNode.Parse((string)answer["body"]!)!;
            string key = (string)stored["key"]!;
            key.Should().StartWith($"uploads/{Account}/{UploaderRoleId}/").And.EndWith("/logo.png");
            ((string?)stored["sha256"]).Should().Be(Convert.ToBase64String(SHA256.HashData(DirectPng)));
            aws.GetObject(UploadBucket, key).Should().Equal(DirectPng);
            aws.Of("S3.PutObject").Should().ContainSingle();
            ((string?)aws.Of("DynamoDB.PutItem").Should().ContainSingle().Subject.Json!["Item"]!["state"]!["S"]).Should().Be("completed");
            aws.Of("Events.PutEvents").Should().ContainSingle();
        },
        "{\"httpMethod\":",
        "BadInputException",
        "*JSON*",
        ("DIRECT_MAX_BYTES", "10485760"),
        "*DIRECT_MAX_BYTES*");

    private static string S3Record(string bucket, string key, long size) => new JsonObject
    {
        ["eventVersion"] = "2.1",
        ["eventSource"] = "aws:s3",
        ["awsRegion"] = Region,
        ["eventTime"] = "2024-06-01T12:00:00.000Z",
        ["eventName"] = "ObjectCreated:Put",
        ["userIdentity"] = new JsonObject { ["principalId"] = UserPrincipal },
        ["s3"] = new JsonObject
        {
            ["s3SchemaVersion"] = "1.0",
            ["bucket"] = new JsonObject { ["name"] = bucket, ["arn"] = "arn:aws:s3:::" + bucket },
            ["object"] = new JsonObject { ["key"] = key, ["size"] = size, ["eTag"] = "0123456789abcdef0123456789abcdef", ["sequencer"] = "0A1B2C3D4E5F678901" },
        },
    }.ToJsonString();

    private static string S3Event(params string[] records) => $$"""{"Records":[{{string.Join(",", records)}}]}""";

    private static string SqsEvent(string body) => new JsonObject
    {
        ["Records"] = new JsonArray(new JsonObject
        {
            ["messageId"] = "059f36b4-87a3-44ab-83d2-661975830a7d",
            ["receiptHandle"] = "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
            ["body"] = body,
            ["attributes"] = new JsonObject { ["ApproximateReceiveCount"] = "1", ["SentTimestamp"] = "1717243200000" },
            ["messageAttributes"] = new JsonObject(),
            ["eventSource"] = "aws:sqs",
            ["eventSourceARN"] = $"arn:aws:sqs:{Region}:{Account}:work",
            ["awsRegion"] = Region,
        }),
    }.ToJsonString();

    private static string HttpApiRequest(string method, string path, string routeKey, JsonObject? pathParameters, JsonObject? query = null) => new JsonObject
    {
        ["version"] = "2.0",
        ["routeKey"] = routeKey,
        ["rawPath"] = path,
        ["rawQueryString"] = query is null ? "" : string.Join("&", query.Select(p => $"{p.Key}={(string?)p.Value}")),
        ["headers"] = new JsonObject { ["host"] = "api.example.com" },
        ["queryStringParameters"] = query,
        ["pathParameters"] = pathParameters,
        ["requestContext"] = new JsonObject
        {
            ["accountId"] = Account,
            ["apiId"] = "api1234567",
            ["http"] = new JsonObject { ["method"] = method, ["path"] = path, ["protocol"] = "HTTP/1.1", ["sourceIp"] = "192.0.2.1" },
            ["requestId"] = "JKJaXmPLvHcESHA=",
            ["routeKey"] = routeKey,
            ["stage"] = "$default",
            ["authorizer"] = new JsonObject
            {
                ["iam"] = new JsonObject { ["accountId"] = Account, ["userArn"] = $"arn:aws:iam::{Account}:user/admin", ["userId"] = "AIDAEXAMPLE" },
            },
        },
        ["isBase64Encoded"] = false,
    }.ToJsonString();

    // Last: static fields are initialized in order, and the scenarios use the ones above.
    private static readonly Lazy<IReadOnlyDictionary<string, BootstrapScenario>> Scenarios = new(() => new[]
    {
        ObjectMetadataGuard(), LedgerRecorder(), ContentStampProcessor(), FaceBlurWorker(),
        JobApi(), JobPlanner(), PageFetcher(), CursorFetcher(), TaskConsumer(), DemoPartner(),
        SettlementConsumer(), SettlementApi(),
        MwaaDagRuns(), MwaaBackupCatalog(), MwaaLock(),
        UploadSessions(), UploadCompleter(), DirectUpload(),
    }.ToDictionary(s => s.Handler.Handler, StringComparer.Ordinal));
}
