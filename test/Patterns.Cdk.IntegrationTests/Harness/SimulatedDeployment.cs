using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS.Model;
using Patterns.Cdk.RecursionSafeS3Processor;
using Xunit.Abstractions;

namespace Patterns.Cdk.IntegrationTests.Harness;

/// <summary>
/// The synthesized template of one strategy "deployed" in-process: its buckets, queues and table created in the
/// emulators, its S3 notifications emulated, its functions' handlers hosted by a small Lambda service, every request
/// counted. Tests upload through <see cref="Uploader"/>, call <see cref="DriveAsync"/>, and inspect the result with the
/// plain (uncounted) clients.
/// </summary>
public sealed class SimulatedDeployment : IDisposable
{
    private readonly EmulatorFixture _emulators;
    private readonly List<ClientSet> _clients = [];
    private readonly ConcurrentQueue<string> _logs = new();

    private SimulatedDeployment(EmulatorFixture emulators, SynthesizedPattern pattern, CfnTemplate template, ProvisionedResources resources)
    {
        _emulators = emulators;
        Pattern = pattern;
        Template = template;
        Resources = resources;
    }

    public SynthesizedPattern Pattern { get; }

    public ProcessingStrategy Strategy => Pattern.Strategy;

    public CfnTemplate Template { get; }

    public ProvisionedResources Resources { get; }

    public RequestCounter Counter { get; } = new();

    /// <summary>The fault layer of the functions' clients, when the deployment was created with one.</summary>
    public FaultInjector? Faults { get; private init; }

    public S3NotificationEmulator Notifications { get; private set; } = null!;

    public LambdaServiceEmulator Lambda { get; private set; } = null!;

    /// <summary>The test's uploader (principal <see cref="S3NotificationEmulator.UploaderPrincipal"/>): its writes notify, its requests are counted as "uploader".</summary>
    public IAmazonS3 Uploader { get; private set; } = null!;

    public FunctionHost Processor { get; private set; } = null!;

    public FunctionHost? Guard { get; private set; }

    public string SourceBucket => Resources[Pattern.SourceBucketId].Name;

    public string OutputBucket => Resources[Pattern.OutputBucketId].Name;

    public string? WorkQueueUrl => Pattern.WorkQueueId is { } id ? Resources[id].Ref : null;

    public string DeadLetterQueueUrl => Resources[Pattern.DeadLetterQueueId ?? throw new InvalidOperationException("No dead-letter queue.")].Ref;

    public string? LedgerTable => Pattern.LedgerTableId is { } id ? Resources[id].Name : null;

    /// <summary>Everything the functions logged, one JSON line each, prefixed with the function's logical id.</summary>
    public IReadOnlyCollection<string> Logs => _logs;

    /// <summary>
    /// Deploys the pattern of <paramref name="strategy"/> into <paramref name="emulators"/>; function logs go to
    /// <paramref name="output"/>. <paramref name="mutateTemplate"/> changes a copy of the template first (harness self-tests only).
    /// <paramref name="faults"/> puts a fault layer in every counted client's pipeline (its plan chooses which callers it faults).
    /// </summary>
    public static async Task<SimulatedDeployment> CreateAsync(EmulatorFixture emulators, ProcessingStrategy strategy, ITestOutputHelper? output = null,
        Action<JsonObject>? mutateTemplate = null, FaultInjector? faults = null)
    {
        SynthesizedPattern pattern = SynthesizedPattern.For(strategy);
        var json = pattern.Template.DeepClone().AsObject();
        mutateTemplate?.Invoke(json);
        var template = new CfnTemplate(json);
        ProvisionedResources resources = await ProvisionedResources.CreateAsync(template, emulators);
        var deployment = new SimulatedDeployment(emulators, pattern, template, resources) { Faults = faults };
        deployment.Wire(output);
        return deployment;
    }

    private void Wire(ITestOutputHelper? output)
    {
        Lambda = new LambdaServiceEmulator(_emulators.Sqs, Counter);
        Notifications = new S3NotificationEmulator(Template, Resources, _emulators.S3, _emulators.Sqs, Lambda);
        Uploader = Clients(new ClientIdentity("uploader", S3NotificationEmulator.UploaderPrincipal)).S3;

        // Host the functions that receive events: S3 notification targets and event source mapping targets.
        foreach (string functionId in Notifications.FunctionTargets.Concat(LambdaServiceEmulator.MappedFunctions(Template)).Distinct())
        {
            Lambda.Register(FunctionHost.Create(functionId, Template.PropertiesOf(functionId), Resources, Clients, line =>
            {
                _logs.Enqueue(line);
                output?.WriteLine(line);
            }));
        }

        Lambda.Configure(Template, Resources, _emulators.DynamoDb);
        Processor = Function(Pattern.ProcessorId);
        Guard = Pattern.GuardId is { } guardId ? Function(guardId) : null;
    }

    /// <summary>Uploads an object as the uploader and returns its ETag (without quotes).</summary>
    public async Task<string> UploadAsync(string key, byte[] content, string contentType = "application/octet-stream", IDictionary<string, string>? metadata = null)
    {
        var request = new PutObjectRequest
        {
            BucketName = SourceBucket,
            Key = key,
            InputStream = new MemoryStream(content),
            ContentType = contentType,
        };
        foreach ((string name, string value) in metadata ?? new Dictionary<string, string>())
        {
            request.Metadata.Add(name, value);
        }

        return (await Uploader.PutObjectAsync(request)).ETag.Trim('"');
    }

    /// <summary>The metadata an original needs for this strategy to process it (the marker for ObjectMetadata).</summary>
    public IDictionary<string, string> OriginalMetadata() =>
        Strategy == ProcessingStrategy.ObjectMetadata
            ? new Dictionary<string, string> { [Guard!.Environment["MARKER_KEY"]] = Guard.Environment["MARKER_VALUE"] }
            : new Dictionary<string, string>();

    /// <summary>Where the processor's output for <paramref name="sourceKey"/> goes (from the processor's environment).</summary>
    public (string Bucket, string Key) OutputLocationOf(string sourceKey)
    {
        string inputPrefix = Processor.Environment["INPUT_PREFIX"];
        return Strategy switch
        {
            ProcessingStrategy.SeparateBucket => (Processor.Environment["OUTPUT_BUCKET"], Processor.Environment["OUTPUT_PREFIX"] + sourceKey[inputPrefix.Length..]),
            ProcessingStrategy.KeyFilter => (SourceBucket, Processor.Environment["OUTPUT_PREFIX"] + sourceKey[inputPrefix.Length..]),
            _ => (SourceBucket, sourceKey),
        };
    }

    public Task DriveAsync(int maxInvocations = 20) => Lambda.DriveAsync(maxInvocations);

    public FunctionHost Function(string logicalId) =>
        Lambda.Functions.TryGetValue(logicalId, out FunctionHost? function) ? function : throw new InvalidOperationException($"{logicalId} is not a simulated function.");

    /// <summary>Invocations of the processor (optionally only those with <paramref name="cause"/>).</summary>
    public int ProcessorInvocations(Cause? cause = null) => Lambda.InvocationsOf(Processor.LogicalId, cause);

    public int GuardInvocations(Cause? cause = null) => Guard is null ? 0 : Lambda.InvocationsOf(Guard.LogicalId, cause);

    /// <summary>S3 requests the functions (not the uploader) made, optionally of one verb.</summary>
    public int FunctionS3Requests(string? verb = null) =>
        Counter.Count(r => r.Caller != "uploader" && r.Service == "S3" && (verb is null || r.Verb == verb));

    // Inspection through the plain clients: nothing here is counted or notifies.

    public async Task<GetObjectMetadataResponse?> HeadAsync(string bucket, string key)
    {
        try
        {
            return await _emulators.S3.GetObjectMetadataAsync(bucket, key);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<byte[]> ReadAsync(string bucket, string key)
    {
        using GetObjectResponse response = await _emulators.S3.GetObjectAsync(bucket, key);
        using var copy = new MemoryStream();
        await response.ResponseStream.CopyToAsync(copy);
        return copy.ToArray();
    }

    public async Task<List<string>> KeysAsync(string bucket) =>
        (await _emulators.S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket })).S3Objects?.Select(o => o.Key).ToList() ?? [];

    public Task DeleteAsync(string bucket, string key) => _emulators.S3.DeleteObjectAsync(bucket, key);

    /// <summary>Sends a raw message to the work queue, as a test (not S3) would.</summary>
    public Task SendToWorkQueueAsync(string body) =>
        _emulators.Sqs.SendMessageAsync(WorkQueueUrl ?? throw new InvalidOperationException($"{Strategy} has no work queue."), body);

    /// <summary>Receives (and removes) every message of a queue, with its message attributes.</summary>
    public Task<List<Message>> DrainAsync(string queueUrl) => _emulators.DrainAsync(queueUrl);

    public async Task<List<Dictionary<string, AttributeValue>>> LedgerItemsAsync() =>
        (await _emulators.DynamoDb.ScanAsync(new ScanRequest { TableName = LedgerTable ?? throw new InvalidOperationException($"{Strategy} has no ledger.") })).Items ?? [];

    public void Dispose()
    {
        foreach (ClientSet clients in _clients)
        {
            clients.Dispose();
        }
    }

    private ClientSet Clients(ClientIdentity identity)
    {
        CountingHttpClientFactory Http(string service, S3NotificationEmulator? notifications) =>
            new(() => new CountingHandler(identity, service, Counter, notifications, Faults));
        var clients = new ClientSet(
            _emulators.CreateS3(Http("S3", Notifications)),
            _emulators.CreateSqs(Http("SQS", null)),
            _emulators.CreateDynamoDb(Http("DynamoDB", null)));
        _clients.Add(clients);
        return clients;
    }
}
