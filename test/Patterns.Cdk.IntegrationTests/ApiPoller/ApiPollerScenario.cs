using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS;
using Amazon.SQS.Model;
using Patterns.Cdk.Functions.ApiPoller;
using Patterns.Cdk.Functions.ApiPoller.Consumer;
using Patterns.Cdk.Functions.ApiPoller.Pages;
using Patterns.Cdk.Functions.ApiPoller.Partner;
using Patterns.Cdk.Functions.ApiPoller.Progress;
using Patterns.Cdk.Functions.ApiPoller.Secrets;
using Patterns.Cdk.Functions.ApiPoller.Sources;
using Patterns.Cdk.Functions.ApiPoller.Workflow;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace Patterns.Cdk.IntegrationTests.ApiPoller;

/// <summary>
/// ApiPoller's data path on the emulators with real AWS SDK clients: a payload bucket and a work queue with its
/// dead-letter queue (fauxqs), the progress table (dynalite), the bundled <see cref="JobPlanner"/>, <see cref="PageFetcher"/>,
/// <see cref="CursorFetcher"/> and <see cref="TaskConsumer"/>, and a <see cref="FakePartner"/> on loopback. The workflow's
/// own steps are played by <see cref="RunJobAsync"/> exactly as the contract describes them (plan; the Distributed Map's
/// batches of the manifest with their <c>remaining</c> loop, or the cursor loop; CompleteFetching); the workflow itself
/// runs in the Step Functions tests. The consumer is driven by the harness's SQS event source mapping.
/// </summary>
internal sealed class ApiPollerScenario : IDisposable
{
    public const int MaxReceiveCount = 3;
    public const int PagesPerBatch = 4;
    public const string ConsumerId = "TaskConsumer";

    /// <summary>The caller name of the planner's and fetchers' clients in the fault layer.</summary>
    public const string FetchersId = "Fetchers";

    private readonly EmulatorFixture _emulators;
    private readonly ITestOutputHelper _output;
    private readonly MemoryStream _logStream = new();
    private readonly IAmazonS3 _s3;
    private readonly IAmazonSQS _sqs;
    private readonly IAmazonDynamoDB _dynamoDb;
    private readonly IAmazonS3 _consumerS3;
    private readonly IAmazonSQS _consumerSqs;
    private readonly IAmazonDynamoDB _consumerDynamoDb;
    private readonly HttpClient _partnerHttp = PartnerClient.CreateHttpClient();
    private readonly SqsEventSourceMapping _mapping;
    private readonly TaskConsumer _consumer;

    private ApiPollerScenario(EmulatorFixture emulators, ITestOutputHelper output, string id, string sourcesJson, FakePartner partner,
        string workQueueUrl, string workQueueArn, string deadLetterQueueUrl, IPageProcessor? processor, TimeSpan functionTimeout, ScenarioFaults? faults)
    {
        _emulators = emulators;
        _output = output;
        Partner = partner;
        Bucket = $"poller-{id}";
        TableName = $"poller-{id}";
        WorkQueueUrl = workQueueUrl;
        DeadLetterQueueUrl = deadLetterQueueUrl;
        Log = new JsonLog(_logStream, name => name == "LOG_LEVEL" ? "Debug" : null, TimeProvider.System);
        FaultInjector? injector = faults?.Injector;
        _s3 = emulators.CreateS3(Faulted(injector, FetchersId, "S3"));
        _sqs = emulators.CreateSqs(Faulted(injector, FetchersId, "SQS"));
        _dynamoDb = emulators.CreateDynamoDb(Faulted(injector, FetchersId, "DynamoDB"));
        _consumerS3 = injector is null ? _s3 : emulators.CreateS3(Faulted(injector, ConsumerId, "S3"));
        _consumerSqs = injector is null ? _sqs : emulators.CreateSqs(Faulted(injector, ConsumerId, "SQS"));
        _consumerDynamoDb = injector is null ? _dynamoDb : emulators.CreateDynamoDb(Faulted(injector, ConsumerId, "DynamoDB"));
        var progressSettings = new ProgressSettings(TableName, 7);
        Progress = new ProgressStore(_dynamoDb, progressSettings);
        WorkflowProgress = injector is null ? Progress : new ProgressStore(emulators.DynamoDb, progressSettings);
        Catalog = SourceCatalog.Parse(sourcesJson);
        var timing = new PartnerTiming
        {
            Delay = (wait, cancellationToken) =>
            {
                lock (Waits)
                {
                    Waits.Add(wait);
                }

                return Task.Delay(faults is null ? wait : wait / faults.TimeCompression, cancellationToken);
            },
        };
        Services = new FetchServices
        {
            Catalog = Catalog,
            Progress = Progress,
            Store = new PageStore(_s3, Bucket),
            Queue = new PagePointerQueue(_sqs, workQueueUrl),
            Partners = new PartnerClientFactory(_partnerHttp, new CachedSecretReader(new StaticSecrets(), TimeProvider.System), timing, Log),
            Clock = TimeProvider.System,
            FunctionTimeout = functionTimeout,
            PagesPerBatch = PagesPerBatch,
        };
        Planner = new JobPlanner(Services, Log);
        Fetcher = new PageFetcher(Services, Log);
        CursorFetcher = new CursorFetcher(Services, Log);
        var consumerSettings = new ConsumerSettings
        {
            Progress = progressSettings,
            PayloadBucket = Bucket,
            MaxReceiveCount = MaxReceiveCount,
            DeadLetterQueueUrl = deadLetterQueueUrl,
            Region = EmulatorFixture.Region,
        };
        IPageProcessor counting = new ItemCountingProcessor(_consumerS3, Log);
        _consumer = new TaskConsumer(
            injector is null ? Progress : new ProgressStore(_consumerDynamoDb, progressSettings),
            _consumerSqs,
            processor ?? faults?.Processor?.Invoke(counting) ?? counting,
            consumerSettings,
            Log);
        _mapping = new SqsEventSourceMapping(emulators.Sqs, InvokeConsumerAsync, ConsumerId, workQueueUrl, workQueueArn, batchSize: 10, reportBatchItemFailures: true, EventFilter.None);
    }

    /// <summary>The auth header value every source's secret holds in these tests.</summary>
    public const string SecretValue = "Bearer test-s3cr3t";

    public FakePartner Partner { get; }

    /// <summary>The emulators, with their plain clients (the workflow's own steps and the assertions use them).</summary>
    public EmulatorFixture Emulators => _emulators;

    public string Bucket { get; }

    public string TableName { get; }

    public string WorkQueueUrl { get; }

    public string DeadLetterQueueUrl { get; }

    public JsonLog Log { get; }

    public ProgressStore Progress { get; }

    /// <summary>The progress store of the workflow's own DynamoDB steps (CompleteFetching, RecordJobFailure): no faults, Step Functions retries them.</summary>
    public ProgressStore WorkflowProgress { get; }

    /// <summary>Every consumer invocation: its payload, its response, or the error it failed with.</summary>
    public List<(string Payload, string? Response, Exception? Error)> ConsumerInvocations { get; } = [];

    /// <summary>Whether <see cref="Dispose"/> writes the last log lines to the test output (a conservation run writes them only when it fails).</summary>
    public bool WriteLogsOnDispose { get; set; } = true;

    public SourceCatalog Catalog { get; }

    public FetchServices Services { get; }

    public JobPlanner Planner { get; }

    public PageFetcher Fetcher { get; }

    public CursorFetcher CursorFetcher { get; }

    /// <summary>Every wait of the partner clients (backoff, Retry-After, pacing).</summary>
    public List<TimeSpan> Waits { get; } = [];

    public string LogText => Encoding.UTF8.GetString(_logStream.ToArray());

    /// <summary>A source JSON object for the fake partner, with test-sized politeness; <paramref name="extra"/> overrides members.</summary>
    public static string Source(FakePartner partner, string name, string pagination, int pageSize, string extra = "") => $$"""
        {"name":"{{name}}","baseUrl":"{{partner.ItemsUrl}}","allowInsecureHttp":true,"pagination":"{{pagination}}","pageSize":{{pageSize}},
         "pageSizeParameter":"pageSize","requestTimeoutSeconds":2,"maxConcurrency":1,"requestsPerSecond":1000,"maxAttempts":3,
         "authSecretArn":"arn:aws:secretsmanager:us-east-1:111122223333:secret:partner-AbCdEf","authHeader":"Authorization",
         "parameters":[{"name":"since","pattern":"^\\d{4}-\\d{2}-\\d{2}$","maxLength":10}]{{extra}}}
        """;

    public static async Task<ApiPollerScenario> CreateAsync(
        EmulatorFixture emulators, ITestOutputHelper output, FakePartner partner, string sourcesJson, IPageProcessor? processor = null, TimeSpan? functionTimeout = null,
        ScenarioFaults? faults = null)
    {
        string id = Guid.NewGuid().ToString("N")[..10];
        await emulators.S3.PutBucketAsync($"poller-{id}");
        await emulators.DynamoDb.CreateTableAsync(new CreateTableRequest
        {
            TableName = $"poller-{id}",
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new("pk", ScalarAttributeType.S), new("sk", ScalarAttributeType.S)],
            KeySchema = [new("pk", KeyType.HASH), new("sk", KeyType.RANGE)],
        });
        string deadLetterQueueUrl = (await emulators.Sqs.CreateQueueAsync($"poller-dlq-{id}")).QueueUrl;
        string deadLetterQueueArn = (await emulators.Sqs.GetQueueAttributesAsync(deadLetterQueueUrl, ["QueueArn"])).QueueARN;
        string workQueueUrl = (await emulators.Sqs.CreateQueueAsync(new CreateQueueRequest
        {
            QueueName = $"poller-work-{id}",
            Attributes = new Dictionary<string, string>
            {
                ["VisibilityTimeout"] = "360",
                ["RedrivePolicy"] = JsonSerializer.Serialize(new { deadLetterTargetArn = deadLetterQueueArn, maxReceiveCount = MaxReceiveCount }),
            },
        })).QueueUrl;
        string workQueueArn = (await emulators.Sqs.GetQueueAttributesAsync(workQueueUrl, ["QueueArn"])).QueueARN;
        return new ApiPollerScenario(emulators, output, id, sourcesJson, partner, workQueueUrl, workQueueArn, deadLetterQueueUrl, processor, functionTimeout ?? TimeSpan.FromSeconds(120), faults);
    }

    /// <summary>Creates a job as POST /jobs does (status REQUESTED) and returns its id.</summary>
    public async Task<string> RequestJobAsync(string source, IReadOnlyDictionary<string, string>? parameters = null)
    {
        SourceDefinition definition = Catalog.Get(source);
        ParameterValidation validation = JobParameters.Validate(definition, parameters);
        string jobId = JobIds.New();
        await Progress.CreateJobAsync(NewJob.Create(jobId, definition, validation.Parameters!, ProgressTable.TriggerApi));
        return jobId;
    }

    /// <summary>Plays the workflow for a job started by the Pipe: PlanJob, then the fan-out or the cursor loop, then CompleteFetching.</summary>
    public Task<JobRun> RunJobAsync(string jobId) =>
        RunAsync($$"""{"input":{"jobId":"{{jobId}}","trigger":"api"},"executionId":"arn:aws:states:us-east-1:111122223333:execution:Orchestrator:{{jobId}}"}""");

    /// <summary>Plays the workflow for a scheduled run (the Scheduler's input).</summary>
    public Task<JobRun> RunScheduleAsync(string scheduleName, string source, string scheduledTime, string parametersJson = "{}") =>
        RunAsync($$"""{"input":{"schedule":{"name":"{{scheduleName}}","source":"{{source}}","parameters":{{parametersJson}}},"scheduledTime":"{{scheduledTime}}","trigger":"schedule"},"executionId":"arn:aws:states:us-east-1:111122223333:execution:Orchestrator:s"}""");

    /// <summary>Plans a job started by the Pipe (PlanJob alone).</summary>
    public Task<JobPlan> PlanJobAsync(string jobId) =>
        PlanAsync($$"""{"input":{"jobId":"{{jobId}}","trigger":"api"},"executionId":"arn:aws:states:us-east-1:111122223333:execution:Orchestrator:{{jobId}}"}""");

    /// <summary>One FetchBatch call, through the handler's entry point.</summary>
    public Task<FetchBatchResult> FetchBatchAsync(FetchBatchRequest request) =>
        InvokeAsync(Fetcher.HandleAsync, JsonSerializer.Serialize(request, FetchJsonContext.Default.FetchBatchRequest), FetchJsonContext.Default.FetchBatchResult);

    /// <summary>Invokes the planner alone with a raw payload.</summary>
    public Task<JobPlan> PlanAsync(string payload) => InvokeAsync(Planner.HandleAsync, payload, FetchJsonContext.Default.JobPlan);

    private async Task<JobRun> RunAsync(string planPayload)
    {
        JobPlan plan = await PlanAsync(planPayload);
        string jobId = plan.JobId;
        var run = new JobRun(plan);
        if (plan.Mode == PlanModes.Fanout)
        {
            await RunFanoutAsync(plan, run);
        }
        else if (plan.Mode == PlanModes.Cursor)
        {
            CursorProgress? cursor = null;
            do
            {
                string payload = JsonSerializer.Serialize(new CursorRequest { Plan = plan, Cursor = cursor }, FetchJsonContext.Default.CursorRequest);
                cursor = await InvokeAsync(CursorFetcher.HandleAsync, payload, FetchJsonContext.Default.CursorProgress);
                run.Invocations++;
            }
            while (!cursor.Done && run.Invocations < 100);
            run.Cursor = cursor;
        }

        if (plan.Mode is PlanModes.Fanout or PlanModes.Cursor or PlanModes.Empty)
        {
            await Progress.MoveJobAsync(jobId, JobStatus.Fetched); // CompleteFetching
        }

        return run;
    }

    /// <summary>One poll of the consumer's event source mapping; false when the work queue had nothing.</summary>
    public Task<bool> PollConsumerAsync() => _mapping.PollAsync();

    /// <summary>Runs the consumer's event source mapping until the work queue is empty.</summary>
    public async Task DriveConsumerAsync(int maxPolls = 60, TimeSpan? limit = null)
    {
        var clock = Stopwatch.StartNew();
        int polls = 0;
        while (await _mapping.PollAsync())
        {
            if (++polls > maxPolls || clock.Elapsed > (limit ?? TimeSpan.FromSeconds(30)))
            {
                throw new TimeoutException($"The work queue did not drain after {polls} polls in {clock.Elapsed.TotalSeconds:0.0} s.");
            }
        }
    }

    public Task<JobSummary?> SummaryAsync(string jobId) => Progress.GetSummaryAsync(jobId);

    public async Task<IReadOnlyList<TaskEntry>> TasksAsync(string jobId)
    {
        JobRecord job = (await Progress.GetJobAsync(jobId))!;
        return (await Progress.ListTasksAsync(job, 1, 500)).Tasks;
    }

    public async Task<List<string>> PageKeysAsync(string jobId) =>
        ((await _emulators.S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket, Prefix = $"jobs/{jobId}/pages/" })).S3Objects ?? []).Select(o => o.Key).ToList();

    public async Task<string> ObjectTextAsync(string key)
    {
        using GetObjectResponse response = await _emulators.S3.GetObjectAsync(Bucket, key);
        return await new StreamReader(response.ResponseStream).ReadToEndAsync();
    }

    public async Task<long> ObjectLengthAsync(string key) =>
        (await _emulators.S3.GetObjectMetadataAsync(Bucket, key)).ContentLength;

    public Task<List<Message>> DrainAsync(string queueUrl) => _emulators.DrainAsync(queueUrl);

    /// <summary>Sends a message to the work queue (a duplicate delivery, for example).</summary>
    public Task SendAsync(string body) => _emulators.Sqs.SendMessageAsync(WorkQueueUrl, body);

    /// <summary>Writes the last <paramref name="count"/> log lines to the test output.</summary>
    public void WriteLogs(int count)
    {
        foreach (string line in LogText.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(count))
        {
            _output.WriteLine(line);
        }
    }

    public void Dispose()
    {
        if (WriteLogsOnDispose)
        {
            WriteLogs(200);
        }

        foreach (IDisposable client in new IDisposable[] { _s3, _sqs, _dynamoDb, _consumerS3, _consumerSqs, _consumerDynamoDb }.Distinct())
        {
            client.Dispose();
        }

        _partnerHttp.Dispose();
        _logStream.Dispose();
    }

    private async Task RunFanoutAsync(JobPlan plan, JobRun run)
    {
        JsonArray manifest = JsonNode.Parse(await ObjectTextAsync(plan.ManifestKey!))!.AsArray();
        foreach (JsonNode?[] batch in manifest.Chunk(plan.PagesPerBatch))
        {
            IReadOnlyList<PageItem> items = batch.Select(item => new PageItem { Page = (int)item!["page"]! }).ToList();
            var input = new BatchInput { JobId = plan.JobId, Source = plan.Source };
            while (items.Count > 0)
            {
                string payload = JsonSerializer.Serialize(new FetchBatchRequest { Items = items, BatchInput = input }, FetchJsonContext.Default.FetchBatchRequest);
                FetchBatchResult result = await InvokeAsync(Fetcher.HandleAsync, payload, FetchJsonContext.Default.FetchBatchResult);
                run.Invocations++;
                run.Remaining.Add(result.Remaining.Count);
                run.Fetched += result.Fetched;
                run.Failed += result.Failed;
                items = result.Remaining;
            }
        }
    }

    private static async Task<T> InvokeAsync<T>(Func<Stream, Task<Stream>> handler, string payload, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        using var input = new MemoryStream(Encoding.UTF8.GetBytes(payload));
        using Stream output = await handler(input);
        return JsonSerializer.Deserialize(output, type)!;
    }

    private async Task<(string? Response, Exception? Error)> InvokeConsumerAsync(string functionId, InvocationSource source, Cause cause, int records, string payload)
    {
        try
        {
            using var input = new MemoryStream(Encoding.UTF8.GetBytes(payload));
            using Stream output = await _consumer.HandleAsync(input);
            string response = await new StreamReader(output).ReadToEndAsync();
            ConsumerInvocations.Add((payload, response, null));
            return (response, null);
        }
        catch (Exception e)
        {
            ConsumerInvocations.Add((payload, null, e));
            return (null, e);
        }
    }

    private static FaultyHttpClientFactory? Faulted(FaultInjector? injector, string caller, string service) =>
        injector is null ? null : new FaultyHttpClientFactory(injector, caller, service);

    /// <summary>Stands in for Secrets Manager: every secret holds <see cref="SecretValue"/>; counts the reads.</summary>
    private sealed class StaticSecrets : ISecretReader
    {
        public Task<string> GetSecretStringAsync(string secretId, CancellationToken cancellationToken) => Task.FromResult(SecretValue);
    }
}

/// <summary>What playing the workflow for one job produced.</summary>
internal sealed class JobRun(JobPlan plan)
{
    internal JobPlan Plan { get; } = plan;

    public int Invocations { get; set; }

    public int Fetched { get; set; }

    public int Failed { get; set; }

    /// <summary>How many pages each fetcher invocation handed back.</summary>
    public List<int> Remaining { get; } = [];

    internal CursorProgress? Cursor { get; set; }
}

/// <summary>
/// A conservation run's settings for the scenario: the fault layer in the fetchers' and the consumer's S3, SQS and
/// DynamoDB clients (callers <see cref="ApiPollerScenario.FetchersId"/> and <see cref="ApiPollerScenario.ConsumerId"/>),
/// the partner clients' waits divided by <see cref="TimeCompression"/> (the asked waits are still recorded), and a
/// wrapper around the bundled item-counting processor.
/// </summary>
internal sealed record ScenarioFaults(FaultInjector Injector)
{
    public double TimeCompression { get; init; } = 50;

    public Func<IPageProcessor, IPageProcessor>? Processor { get; init; }
}
