using System.Text;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Amazon.S3;
using Patterns.Cdk.Functions.PrivateUploadApi;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.Functions.AwsStandIns;
using Patterns.Cdk.IntegrationTests.Harness;
using Patterns.Cdk.IntegrationTests.Uploads.Host;

namespace Patterns.Cdk.IntegrationTests.Uploads;

/// <summary>
/// One local PrivateUploadApi: a new bucket (fauxqs behind <see cref="S3Front"/>) and session table (dynalite), the
/// fake EventBridge, and <see cref="LocalUploadApi"/> calling the three bundled entry points in-process with the
/// settings the construct would give them. Two callers, Alice and Bob, in the same account.
/// </summary>
public sealed class LocalUploadDeployment : IAsyncDisposable
{
    public static readonly ApiCaller Alice = new("AKIAALICEUPLOADS0001", "alice-secret", "111122223333", "AROAALICEROLEID00001", "alice");
    public static readonly ApiCaller Bob = new("AKIABOBUPLOADS000001", "bob-secret", "111122223333", "AROABOBROLEID0000001", "bob");

    public static readonly string[] AllowedTypes =
        ["image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf", "text/plain", "text/csv", "application/json", "application/zip", "application/octet-stream"];

    private const string FunctionsAccessKey = "AKIAUPLOADFUNCTIONS1";
    private const string FunctionsSecretKey = "functions-secret";

    private readonly EmulatorFixture _emulators;
    private readonly StringBuilder _log = new();
    private readonly IAmazonS3 _functionsS3;
    private readonly IAmazonDynamoDB _functionsDynamoDb;
    private readonly HttpClient _eventHttp;
    private readonly AmazonEventBridgeClientStandIn _eventBridge;
    private readonly UploadSessions _sessions;
    private readonly UploadCompleter _completer;
    private readonly DirectUpload _direct;

    private LocalUploadDeployment(EmulatorFixture emulators, string bucket, string table, TimeSpan urlExpiry, long maxUploadBytes, FaultInjector? faults)
    {
        _emulators = emulators;
        Bucket = bucket;
        Table = table;
        Front = new S3Front(emulators.S3Endpoint, new Dictionary<string, string> { [FunctionsAccessKey] = FunctionsSecretKey });
        Events = new FakeEventBridge();
        Settings = new UploadSettings
        {
            Bucket = bucket,
            Table = table,
            KeyPrefix = "uploads",
            AllowedContentTypes = AllowedTypes,
            MaxUploadBytes = maxUploadBytes,
            DirectMaxBytes = 4 * 1024 * 1024,
            UrlExpiry = urlExpiry,
            EventBusName = "default",
            EventBridgeEndpoint = Events.Url,
        };
        // With a fault layer, the functions' S3 and DynamoDB calls go through it (caller "upload-functions"), and their
        // SDK retries keep their count with the back-off capped, as the harness's other clients.
        _functionsS3 = new AmazonS3Client(new BasicAWSCredentials(FunctionsAccessKey, FunctionsSecretKey), new AmazonS3Config
        {
            ServiceURL = Front.Url.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = EmulatorFixture.Region,
            HttpClientFactory = faults is null ? null : new FaultyHttpClientFactory(faults, "upload-functions", "S3"),
        });
        _functionsDynamoDb = emulators.DynamoDb;
        if (faults is not null)
        {
            _functionsS3 = SdkRetryTuning.CapBackoff(_functionsS3);
            _functionsDynamoDb = emulators.CreateDynamoDb(new FaultyHttpClientFactory(faults, "upload-functions", "DynamoDB"));
        }

        _eventHttp = new HttpClient();
        _eventBridge = new AmazonEventBridgeClientStandIn(
            new AwsStandInTransport(_eventHttp, () => new BasicAWSCredentials(FunctionsAccessKey, FunctionsSecretKey), "events", EmulatorFixture.Region, Events.Url, TimeProvider.System),
            TimeSpan.FromSeconds(10));
        var log = new JsonLog(new LogSink(_log), v => v == "LOG_LEVEL" ? "INFO" : null, TimeProvider.System);
        _sessions = new UploadSessions(_functionsS3, _functionsDynamoDb, Settings, log);
        _completer = new UploadCompleter(_functionsS3, _functionsDynamoDb, _eventBridge, Settings, log);
        _direct = new DirectUpload(_functionsS3, _functionsDynamoDb, _eventBridge, Settings, log);
        Api = new LocalUploadApi([Alice, Bob], AllowedTypes.Where(t => t != "application/json"), InvokeAsync);
        Front.MintsOf = uploadId => Api.Invocations.Count(i => i.Resource == "/uploads/{id}/parts" && i.Status == 200 && i.Path.Contains(uploadId, StringComparison.Ordinal));
    }

    public string Bucket { get; }

    public string Table { get; }

    public UploadSettings Settings { get; }

    public S3Front Front { get; }

    public FakeEventBridge Events { get; }

    public LocalUploadApi Api { get; }

    /// <summary>The functions' log lines so far (for failure messages).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <param name="emulators">The shared emulators.</param>
    /// <param name="urlExpiry">How long presigned URLs live. Default: 15 minutes.</param>
    /// <param name="maxUploadBytes">The largest upload the API accepts. Default: 1 GiB.</param>
    /// <param name="faults">A fault layer for the functions' S3 and DynamoDB calls. Default: none.</param>
    public static async Task<LocalUploadDeployment> StartAsync(EmulatorFixture emulators, TimeSpan? urlExpiry = null, long maxUploadBytes = 1L << 30, FaultInjector? faults = null)
    {
        string suffix = Guid.NewGuid().ToString("N")[..12];
        string bucket = "uploads-" + suffix;
        string table = "upload-sessions-" + suffix;
        await emulators.S3.PutBucketAsync(bucket);
        await emulators.DynamoDb.CreateTableAsync(new CreateTableRequest
        {
            TableName = table,
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
            AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S)],
            BillingMode = BillingMode.PAY_PER_REQUEST,
        });
        return new LocalUploadDeployment(emulators, bucket, table, urlExpiry ?? TimeSpan.FromMinutes(15), maxUploadBytes, faults);
    }

    /// <summary>The session item of an upload (DynamoDB attributes), or null.</summary>
    public async Task<Dictionary<string, AttributeValue>?> SessionAsync(string uploadId)
    {
        GetItemResponse item = await _emulators.DynamoDb.GetItemAsync(Table, new Dictionary<string, AttributeValue> { ["pk"] = new(uploadId) });
        return item.IsItemSet ? item.Item : null;
    }

    /// <summary>Every object key in the bucket.</summary>
    public async Task<List<string>> KeysAsync()
    {
        var response = await _emulators.S3.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = Bucket });
        return response.S3Objects?.Select(o => o.Key).ToList() ?? [];
    }

    /// <summary>Every session item in the table (all pages of a Scan).</summary>
    public async Task<List<Dictionary<string, AttributeValue>>> SessionsAsync()
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            ScanResponse page = await _emulators.DynamoDb.ScanAsync(new ScanRequest { TableName = Table, ExclusiveStartKey = start });
            items.AddRange(page.Items ?? []);
            start = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null);
        return items;
    }

    /// <summary>Every object in the bucket with its size (all pages).</summary>
    public async Task<List<Amazon.S3.Model.S3Object>> ObjectsAsync()
    {
        var objects = new List<Amazon.S3.Model.S3Object>();
        string? token = null;
        do
        {
            var page = await _emulators.S3.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = Bucket, ContinuationToken = token });
            objects.AddRange(page.S3Objects ?? []);
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        return objects;
    }

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        Front.Dispose();
        Events.Dispose();
        _functionsS3.Dispose();
        if (!ReferenceEquals(_functionsDynamoDb, _emulators.DynamoDb))
        {
            _functionsDynamoDb.Dispose();
        }

        _eventHttp.Dispose();
        await Task.CompletedTask;
    }

    private async Task<string> InvokeAsync(string function, string payload)
    {
        using var input = new MemoryStream(Encoding.UTF8.GetBytes(payload));
        Stream output = function switch
        {
            "UploadSessions" => await _sessions.HandleAsync(input),
            "UploadCompleter" => await _completer.HandleAsync(input),
            "DirectUpload" => await _direct.HandleAsync(input),
            _ => throw new InvalidOperationException($"no function {function}"),
        };
        using var reader = new StreamReader(output);
        return await reader.ReadToEndAsync();
    }

    private sealed class LogSink(StringBuilder log) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count)
        {
            lock (log)
            {
                log.Append(Encoding.UTF8.GetString(buffer, offset, count));
            }
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
