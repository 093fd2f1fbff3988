namespace Patterns.Cdk.ColdStart;

/// <summary>How a run must end for its timing to count: the Runtime API call, and what its body must contain.</summary>
/// <param name="Call"><c>response</c> or <c>error</c>.</param>
/// <param name="BodyContains">A substring of the posted body (for <c>error</c>: of the <c>{"errorType",...}</c> report).</param>
internal sealed record Expectation(string Call, string BodyContains);

/// <summary>
/// One handler as the harness starts it: which published project serves it, the handler string (<c>_HANDLER</c>), the
/// settings its constructor reads (as the construct sets them; see each handler's settings class), the invocation
/// payload (<c>Payloads/</c>) and the outcome that proves the payload took the intended path.
/// </summary>
internal sealed record Scenario(
    string Handler,
    string Project,
    string Executable,
    IReadOnlyDictionary<string, string> Settings,
    string Payload,
    Expectation Expect);

internal static class Scenarios
{
    private const string SourcesJson =
        """[{"name":"orders","baseUrl":"https://partner.example.com/v1/orders","pagination":"PageNumber","pageSize":100,"pageSizeParameter":"pageSize","parameters":[{"name":"since","pattern":"\\d{4}-\\d{2}-\\d{2}","required":true}]},{"name":"feed","baseUrl":"https://partner.example.com/v1/feed","pagination":"Cursor","pageSize":50,"cursorParameter":"cursor","cursorField":"next"}]""";

    private const string DeadLetterQueue = "https://sqs.eu-west-1.amazonaws.com/123456789012/coldstart-dlq";

    /// <summary>The AOT hello world: the floor every handler is compared with.</summary>
    public static Scenario Hello { get; } = new(
        "Hello", "Hello", "Hello.Handlers", new Dictionary<string, string>(), "hello.json",
        new Expectation("response", "\"hello\":\"world\""));

    /// <summary>Every bundled handler, in the order of the table.</summary>
    public static IReadOnlyList<Scenario> Handlers { get; } =
    [
        // RecursionSafeS3Processor
        new("ObjectMetadataGuard", "RecursionSafeS3Processor", "RecursionSafeS3Processor.Handlers",
            new Dictionary<string, string>
            {
                ["SOURCE_BUCKET"] = "uploads",
                ["INPUT_PREFIX"] = "incoming/",
                ["WORK_QUEUE_URL"] = "https://sqs.eu-west-1.amazonaws.com/123456789012/coldstart-work",
                ["PROCESSOR_ROLE_ID"] = "AROAEXAMPLEPROCESSOR01",
            },
            "s3-written-by-processor.json", new Expectation("response", "")),
        new("LedgerRecorder", "RecursionSafeS3Processor", "RecursionSafeS3Processor.Handlers",
            new Dictionary<string, string>
            {
                ["SOURCE_BUCKET"] = "uploads",
                ["INPUT_PREFIX"] = "incoming/",
                ["LEDGER_TABLE"] = "coldstart-ledger",
                ["LEDGER_TTL_SECONDS"] = "604800",
                ["PROCESSOR_ROLE_ID"] = "AROAEXAMPLEPROCESSOR01",
            },
            "s3-written-by-processor.json", new Expectation("response", "")),
        new("ContentStampProcessor", "RecursionSafeS3Processor", "RecursionSafeS3Processor.Handlers",
            new Dictionary<string, string>
            {
                ["STRATEGY"] = "SeparateBucket",
                ["SOURCE_BUCKET"] = "uploads",
                ["INPUT_PREFIX"] = "incoming/",
                ["OUTPUT_BUCKET"] = "results",
                ["OUTPUT_PREFIX"] = "",
                ["DEAD_LETTER_QUEUE_URL"] = DeadLetterQueue,
            },
            "sqs-s3-folder-marker.json", new Expectation("response", "\"batchItemFailures\":[]")),

        // FaceBlurPipeline
        new("FaceBlurWorker", "FaceBlurPipeline", "FaceBlurPipeline.Handlers",
            new Dictionary<string, string>
            {
                ["SOURCE_BUCKET"] = "uploads",
                ["INPUT_PREFIX"] = "incoming/",
                ["DESTINATION_BUCKET"] = "blurred",
                ["DESTINATION_PREFIX"] = "",
                ["DEAD_LETTER_QUEUE_URL"] = DeadLetterQueue,
                ["REKOGNITION_ENDPOINT"] = Guard.UnreachableEndpoint,
            },
            "sqs-s3-folder-marker.json", new Expectation("response", "\"batchItemFailures\":[]")),

        // ApiPoller
        new("JobApi", "ApiPoller", "ApiPoller.Handlers",
            new Dictionary<string, string>
            {
                ["API_POLLER_SOURCES"] = SourcesJson,
                ["TABLE_NAME"] = "coldstart-progress",
                ["JOB_TTL_DAYS"] = "7",
            },
            "http-post-jobs-invalid-parameter.json", new Expectation("response", "\"statusCode\":400")),
        new("JobPlanner", "ApiPoller", "ApiPoller.Handlers", FetchSettings(queue: false),
            "sfn-plan-schedule-invalid-parameter.json", new Expectation("error", "\"errorType\":\"BadInputException\"")),
        new("PageFetcher", "ApiPoller", "ApiPoller.Handlers", FetchSettings(queue: true),
            "sfn-fetch-batch-malformed-job.json", new Expectation("error", "\"errorType\":\"BadInputException\"")),
        new("CursorFetcher", "ApiPoller", "ApiPoller.Handlers", FetchSettings(queue: true),
            "sfn-cursor-done.json", new Expectation("response", "\"iteration\":8")),
        new("TaskConsumer", "ApiPoller", "ApiPoller.Handlers",
            new Dictionary<string, string>
            {
                ["TABLE_NAME"] = "coldstart-progress",
                ["JOB_TTL_DAYS"] = "7",
                ["PAYLOAD_BUCKET"] = "coldstart-payloads",
                ["MAX_RECEIVE_COUNT"] = "5",

                // No DEAD_LETTER_QUEUE_URL: bad input is then reported as a batch item failure instead of being sent to SQS.
            },
            "sqs-page-pointer-wrong-bucket.json", new Expectation("response", "\"itemIdentifier\":\"9f8e7d6c-0001-4a5b-8c9d-0123456789ab\"")),
        new("DemoPartner", "ApiPoller", "ApiPoller.Handlers",
            new Dictionary<string, string>
            {
                ["DEMO_TOTAL_ITEMS"] = "1000",
                ["DEMO_SEED"] = "42",
                ["DEMO_MAX_DELAY_MS"] = "0",
                ["DEMO_ERROR_RATE"] = "0",
            },
            "http-get-items-page.json", new Expectation("response", "\"statusCode\":200")),

        // EventDrivenSettlement: a claim that breaks the contract (parsed and validated, no table write; without a
        // dead-letter queue URL it is a batch item failure, so no network call either).
        new("SettlementConsumer", "EventDrivenSettlement", "EventDrivenSettlement.Handlers", SettlementSettings(),
            "sqs-claim-breaking-contract.json", new Expectation("response", "batchItemFailures\":[{")),
        new("SettlementApi", "EventDrivenSettlement", "EventDrivenSettlement.Handlers", SettlementSettings(),
            "rest-post-settlement-breaking-contract.json", new Expectation("response", "\"statusCode\":400")),

        // MwaaScheduler: workflow task inputs refused before any AWS call (MWAA_ENDPOINT also points at the refused port).
        new("MwaaDagRuns", "MwaaScheduler", "MwaaScheduler.Handlers",
            new Dictionary<string, string> { ["ENVIRONMENT_NAME"] = "coldstart-env", ["MWAA_ENDPOINT"] = Guard.UnreachableEndpoint },
            "sfn-dagrun-path-too-long.json", new Expectation("error", "\"errorType\":\"BadInput\"")),
        new("MwaaBackupCatalog", "MwaaScheduler", "MwaaScheduler.Handlers",
            new Dictionary<string, string>
            {
                ["BACKUP_BUCKET"] = "coldstart-backups",
                ["BACKUP_KEY_ARN"] = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                ["ENVIRONMENT_NAME"] = "coldstart-env",
                ["BACKUPS_TO_KEEP"] = "7",
                ["EXPORT_CONNECTIONS"] = "true",
                ["EXPORT_VARIABLES"] = "true",
            },
            "sfn-save-configuration-other-environment.json", new Expectation("error", "\"errorType\":\"BadInput\"")),
        new("MwaaLock", "MwaaScheduler", "MwaaScheduler.Handlers",
            new Dictionary<string, string> { ["LOCK_TABLE"] = "coldstart-locks" },
            "sfn-lock-acquire-ttl-out-of-range.json", new Expectation("error", "\"errorType\":\"BadInput\"")),

        // PrivateUploadApi: REST proxy requests refused before any AWS call (EVENTBRIDGE_ENDPOINT also points at the refused port).
        new("UploadSessions", "PrivateUploadApi", "PrivateUploadApi.Handlers", UploadSettings(),
            "rest-post-upload-path-in-file-name.json", new Expectation("response", "\"statusCode\":400")),
        new("UploadCompleter", "PrivateUploadApi", "PrivateUploadApi.Handlers", UploadSettings(),
            "rest-complete-malformed-upload-id.json", new Expectation("response", "\"statusCode\":404")),
        new("DirectUpload", "PrivateUploadApi", "PrivateUploadApi.Handlers", UploadSettings(),
            "rest-put-file-type-not-allowed.json", new Expectation("response", "\"statusCode\":415")),
    ];

    private static Dictionary<string, string> UploadSettings() => new()
    {
        ["UPLOAD_BUCKET"] = "coldstart-uploads",
        ["SESSION_TABLE"] = "coldstart-upload-sessions",
        ["KEY_PREFIX"] = "uploads",
        ["ALLOWED_CONTENT_TYPES"] = "image/jpeg,image/png,image/gif,image/webp,application/pdf,text/plain,text/csv,application/json,application/zip",
        ["MAX_UPLOAD_BYTES"] = "5368709120",
        ["DIRECT_MAX_BYTES"] = "4194304",
        ["URL_EXPIRY_SECONDS"] = "900",
        ["SESSION_TTL_SECONDS"] = "87300",
        ["EVENTBRIDGE_ENDPOINT"] = Guard.UnreachableEndpoint,
    };

    private static Dictionary<string, string> SettlementSettings() => new()
    {
        ["SETTLEMENT_TABLE"] = "coldstart-settlements",
        ["SETTLEMENT_RULES"] = """{"currency":"USD","deductibles":[{"documentType":"CAR","damageLevel":"MODERATE","amount":"500.00"}]}""",
    };

    private static Dictionary<string, string> FetchSettings(bool queue)
    {
        var settings = new Dictionary<string, string>
        {
            ["API_POLLER_SOURCES"] = SourcesJson,
            ["TABLE_NAME"] = "coldstart-progress",
            ["JOB_TTL_DAYS"] = "7",
            ["PAYLOAD_BUCKET"] = "coldstart-payloads",
            ["FUNCTION_TIMEOUT_SECONDS"] = "900",
            ["PAGES_PER_BATCH"] = "25",
        };
        if (queue)
        {
            settings["QUEUE_URL"] = "https://sqs.eu-west-1.amazonaws.com/123456789012/coldstart-pages";
        }

        return settings;
    }
}

/// <summary>The environment every bootstrap gets besides its own settings: Lambda's variables, and guards so nothing leaves the machine.</summary>
internal static class Guard
{
    /// <summary>The discard port on the loopback: a connection is refused at once, nothing is sent anywhere.</summary>
    public const string UnreachableEndpoint = "http://127.0.0.1:9/";

    public static Dictionary<string, string> LambdaEnvironment(Scenario scenario, string runtimeApi, string taskRoot, string dotnetRoot) => new()
    {
        // What Lambda sets for a provided.al2023 function.
        ["AWS_LAMBDA_RUNTIME_API"] = runtimeApi,
        ["_HANDLER"] = scenario.Handler,
        ["LAMBDA_TASK_ROOT"] = taskRoot,
        ["AWS_REGION"] = "eu-west-1",
        ["AWS_DEFAULT_REGION"] = "eu-west-1",
        ["AWS_LAMBDA_FUNCTION_NAME"] = "coldstart-" + scenario.Handler,
        ["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST",
        ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = "1024",
        ["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/coldstart-" + scenario.Handler,
        ["AWS_LAMBDA_LOG_STREAM_NAME"] = "2026/01/05/[$LATEST]coldstart",
        ["TZ"] = ":UTC",
        ["LANG"] = "en_US.UTF-8",
        ["PATH"] = "/usr/local/bin:/usr/bin:/bin",

        // The function role's credentials (AWS's documented example keys: they sign nothing that is sent).
        ["AWS_ACCESS_KEY_ID"] = "AKIAIOSFODNN7EXAMPLE",
        ["AWS_SECRET_ACCESS_KEY"] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ["AWS_SESSION_TOKEN"] = "coldstart-example-session-token",

        // Guards: every AWS SDK client and any proxied HTTP request go to a refused loopback port, no instance metadata,
        // no shared config files (as in Lambda, where there are none).
        ["AWS_ENDPOINT_URL"] = UnreachableEndpoint,
        ["HTTP_PROXY"] = UnreachableEndpoint,
        ["HTTPS_PROXY"] = UnreachableEndpoint,
        ["NO_PROXY"] = "127.0.0.1",
        ["AWS_EC2_METADATA_DISABLED"] = "true",
        ["AWS_CONFIG_FILE"] = "/nonexistent/coldstart/config",
        ["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/coldstart/credentials",

        // The framework-dependent (ReadyToRun) apphost finds the shared runtime here; the AOT executable ignores it.
        ["DOTNET_ROOT"] = dotnetRoot,
    };
}
