using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS;
using Amazon.SQS.Model;
using Patterns.Cdk.Functions.FaceBlurPipeline;
using Patterns.Cdk.Functions.FaceBlurPipeline.Detection;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace Patterns.Cdk.IntegrationTests.FaceBlur;

/// <summary>
/// FaceBlurPipeline's data path on the emulators, with real AWS SDK clients over HTTP: a source and a destination bucket,
/// a work queue whose redrive policy moves a message to the dead-letter queue after <see cref="MaxReceiveCount"/>
/// receives, the bundled <see cref="FaceBlurWorker"/> (settings read from the environment variables the construct sets)
/// driven by the harness's <see cref="SqsEventSourceMapping"/> (batch size 1, partial batch responses, as the construct
/// configures it), and the Rekognition stand-in pointed at <see cref="FakeRekognition"/>. fauxqs sends no S3
/// notifications: <see cref="UploadAsync"/> sends the one S3 would send to the work queue.
/// </summary>
public sealed class FaceBlurScenario : IDisposable
{
    public const string InputPrefix = "uploads/";
    public const string DestinationPrefix = "blurred/";
    public const int MaxReceiveCount = 3;
    private const string WorkerId = "WorkerFunction";
    private const string UploaderPrincipal = "AWS:AIDAUPLOADER";

    // S3 writes '+' and '/' in keys and payloads as they are.
    private static readonly JsonSerializerOptions AsS3Writes = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly EmulatorFixture _emulators;
    private readonly ITestOutputHelper _output;
    private readonly MemoryStream _logStream = new();
    private readonly IAmazonS3 _workerS3;
    private readonly IAmazonSQS _workerSqs;
    private readonly HttpClient _rekognitionHttp = new();
    private readonly FaceBlurWorker _worker;
    private readonly SqsEventSourceMapping _mapping;
    private long _sequencer = 0x0062E2A0B1C3D4E5;

    private FaceBlurScenario(EmulatorFixture emulators, FakeRekognition rekognition, ITestOutputHelper output, string id,
        string workQueueUrl, string workQueueArn, string deadLetterQueueUrl, FaultInjector? faults, TimeSpan? detectionAttemptTimeout, string logLevel)
    {
        _emulators = emulators;
        _output = output;
        SourceBucket = $"faceblur-src-{id}";
        DestinationBucket = $"faceblur-dst-{id}";
        WorkQueueUrl = workQueueUrl;
        DeadLetterQueueUrl = deadLetterQueueUrl;
        Environment = new Dictionary<string, string?>
        {
            ["SOURCE_BUCKET"] = SourceBucket,
            ["INPUT_PREFIX"] = InputPrefix,
            ["DESTINATION_BUCKET"] = DestinationBucket,
            ["DESTINATION_PREFIX"] = DestinationPrefix,
            ["MAX_PIXELS"] = "40000000",
            ["MAX_IMAGE_BYTES"] = "15728640",
            ["MIN_FACE_CONFIDENCE"] = "50",
            ["DEAD_LETTER_QUEUE_URL"] = deadLetterQueueUrl,
            ["MAX_RECEIVE_COUNT"] = MaxReceiveCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["REKOGNITION_ENDPOINT"] = rekognition.Endpoint.ToString(),
            ["LOG_LEVEL"] = logLevel,
        };
        FaceBlurSettings settings = FaceBlurSettings.FromEnvironment(Env);
        var log = new JsonLog(_logStream, Env, TimeProvider.System);
        _workerS3 = emulators.CreateS3(faults is null ? null : new FaultyHttpClientFactory(faults, WorkerId, "S3"));
        _workerSqs = emulators.CreateSqs(faults is null ? null : new FaultyHttpClientFactory(faults, WorkerId, "SQS"));
        var detector = FakeRekognition.Detector(_rekognitionHttp, settings, log, detectionAttemptTimeout);
        _worker = new FaceBlurWorker(_workerS3, _workerSqs, detector, settings, log);
        _mapping = new SqsEventSourceMapping(emulators.Sqs, InvokeAsync, WorkerId, workQueueUrl, workQueueArn, batchSize: 1, reportBatchItemFailures: true, EventFilter.None);
    }

    public string SourceBucket { get; }

    public string DestinationBucket { get; }

    public string WorkQueueUrl { get; }

    public string DeadLetterQueueUrl { get; }

    public IReadOnlyDictionary<string, string?> Environment { get; }

    /// <summary>Worker invocations so far, with whether each failed as a whole.</summary>
    public List<(string Payload, string? Response, Exception? Error)> Invocations { get; } = [];

    /// <summary>Whether <see cref="Dispose"/> writes the worker's log to the test output (a conservation run writes it only when it fails).</summary>
    public bool WriteLogsOnDispose { get; set; } = true;

    public IReadOnlyList<JsonNode> Logs =>
        Encoding.UTF8.GetString(_logStream.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();

    /// <param name="emulators">fauxqs and dynalite.</param>
    /// <param name="rekognition">The DetectFaces endpoint.</param>
    /// <param name="output">Where the worker's log goes when the scenario is disposed.</param>
    /// <param name="faults">The fault layer in the worker's S3 and SQS clients' HTTP pipeline; none when null.</param>
    /// <param name="detectionAttemptTimeout">One DetectFaces attempt's timeout (the default policy's 10 s when null).</param>
    /// <param name="logLevel">The worker's LOG_LEVEL.</param>
    public static async Task<FaceBlurScenario> CreateAsync(
        EmulatorFixture emulators, FakeRekognition rekognition, ITestOutputHelper output, FaultInjector? faults = null, TimeSpan? detectionAttemptTimeout = null, string logLevel = "DEBUG")
    {
        string id = Guid.NewGuid().ToString("N")[..10];
        await emulators.S3.PutBucketAsync($"faceblur-src-{id}");
        await emulators.S3.PutBucketAsync($"faceblur-dst-{id}");
        string deadLetterQueueUrl = (await emulators.Sqs.CreateQueueAsync($"faceblur-dlq-{id}")).QueueUrl;
        string deadLetterQueueArn = (await emulators.Sqs.GetQueueAttributesAsync(deadLetterQueueUrl, ["QueueArn"])).QueueARN;
        string workQueueUrl = (await emulators.Sqs.CreateQueueAsync(new CreateQueueRequest
        {
            QueueName = $"faceblur-work-{id}",
            Attributes = new Dictionary<string, string>
            {
                ["VisibilityTimeout"] = "360",
                ["RedrivePolicy"] = JsonSerializer.Serialize(new { deadLetterTargetArn = deadLetterQueueArn, maxReceiveCount = MaxReceiveCount }),
            },
        })).QueueUrl;
        string workQueueArn = (await emulators.Sqs.GetQueueAttributesAsync(workQueueUrl, ["QueueArn"])).QueueARN;
        return new FaceBlurScenario(emulators, rekognition, output, id, workQueueUrl, workQueueArn, deadLetterQueueUrl, faults, detectionAttemptTimeout, logLevel);
    }

    /// <summary>Uploads an object to the source bucket (key under <see cref="InputPrefix"/>) and sends the notification S3 would; returns that notification.</summary>
    public async Task<string> UploadAsync(string name, byte[] content, string contentType = "image/jpeg", IReadOnlyDictionary<string, string>? metadata = null)
    {
        string key = InputPrefix + name;
        var request = new PutObjectRequest { BucketName = SourceBucket, Key = key, InputStream = new MemoryStream(content), ContentType = contentType };
        foreach ((string metaKey, string value) in metadata ?? new Dictionary<string, string>())
        {
            request.Metadata.Add(metaKey, value);
        }

        PutObjectResponse put = await _emulators.S3.PutObjectAsync(request);
        string notification = Notification(key, content.Length, put.ETag.Trim('"'), put.VersionId);
        await SendAsync(notification);
        return notification;
    }

    /// <summary>Uploads an object to the source bucket and returns the notification S3 would send, without sending it.</summary>
    public async Task<string> PutAsync(string name, byte[] content, string contentType)
    {
        string key = InputPrefix + name;
        PutObjectResponse put = await _emulators.S3.PutObjectAsync(new PutObjectRequest { BucketName = SourceBucket, Key = key, InputStream = new MemoryStream(content), ContentType = contentType });
        return Notification(key, content.Length, put.ETag.Trim('"'), put.VersionId);
    }

    /// <summary>Sends a message to the work queue (a redelivered notification, for example).</summary>
    public Task SendAsync(string body) => _emulators.Sqs.SendMessageAsync(WorkQueueUrl, body);

    /// <summary>Runs the event source mapping until the work queue is empty (a message moved by the redrive policy leaves it).</summary>
    /// <param name="maxPolls">Polls allowed before the run counts as stuck (30 by default: a few messages).</param>
    /// <param name="limit">Time allowed (20 s by default).</param>
    public async Task DriveAsync(int maxPolls = 30, TimeSpan? limit = null)
    {
        var clock = Stopwatch.StartNew();
        int polls = 0;
        while (await _mapping.PollAsync())
        {
            if (++polls > maxPolls || clock.Elapsed > (limit ?? TimeSpan.FromSeconds(20)))
            {
                throw new TimeoutException($"The work queue did not drain after {polls} polls in {clock.Elapsed.TotalSeconds:0.0} s.");
            }
        }
    }

    /// <summary>Receives and deletes every message of a queue, with its attributes.</summary>
    public Task<List<Message>> DrainAsync(string queueUrl) => _emulators.DrainAsync(queueUrl);

    /// <summary>Every key in the destination bucket.</summary>
    public async Task<List<string>> DestinationKeysAsync()
    {
        var keys = new List<string>();
        string? token = null;
        do
        {
            ListObjectsV2Response page = await _emulators.S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = DestinationBucket, ContinuationToken = token });
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        return keys;
    }

    /// <summary>The object written for <paramref name="name"/>: its bytes, Content-Type and user metadata.</summary>
    public async Task<(byte[] Content, string ContentType, MetadataCollection Metadata)> OutputAsync(string name)
    {
        using GetObjectResponse response = await _emulators.S3.GetObjectAsync(DestinationBucket, DestinationPrefix + name);
        using var copy = new MemoryStream();
        await response.ResponseStream.CopyToAsync(copy);
        return (copy.ToArray(), response.Headers.ContentType, response.Metadata);
    }

    /// <summary>Sends many messages to the work queue, ten per SendMessageBatch.</summary>
    public async Task SendAllAsync(IEnumerable<string> bodies)
    {
        foreach (string[] chunk in bodies.Chunk(10))
        {
            SendMessageBatchResponse response = await _emulators.Sqs.SendMessageBatchAsync(
                WorkQueueUrl, chunk.Select((body, i) => new SendMessageBatchRequestEntry(i.ToString(CultureInfo.InvariantCulture), body)).ToList());
            if (response.Failed is { Count: > 0 } failed)
            {
                throw new InvalidOperationException($"fauxqs refused {failed.Count} notification(s): {failed[0].Code}");
            }
        }
    }

    /// <summary>The worker's log lines, the last <paramref name="count"/>.</summary>
    public void WriteLogs(int count)
    {
        foreach (JsonNode line in Logs.TakeLast(count))
        {
            _output.WriteLine(line.ToJsonString());
        }
    }

    public void Dispose()
    {
        if (WriteLogsOnDispose)
        {
            foreach (JsonNode line in Logs)
            {
                _output.WriteLine(line.ToJsonString());
            }
        }

        _workerS3.Dispose();
        _workerSqs.Dispose();
        _rekognitionHttp.Dispose();
        _logStream.Dispose();
    }

    private string? Env(string name) => Environment.TryGetValue(name, out string? value) ? value : null;

    private async Task<(string? Response, Exception? Error)> InvokeAsync(string functionId, InvocationSource source, Cause cause, int records, string payload)
    {
        try
        {
            using var input = new MemoryStream(Encoding.UTF8.GetBytes(payload));
            using Stream output = await _worker.HandleAsync(input);
            string response = await new StreamReader(output).ReadToEndAsync();
            Invocations.Add((payload, response, null));
            return (response, null);
        }
        catch (Exception e)
        {
            Invocations.Add((payload, null, e));
            return (null, e);
        }
    }

    // The notification S3 sends for a PutObject, as documented: URL-encoded key, size, ETag without quotes, sequencer.
    private string Notification(string key, long size, string eTag, string? versionId)
    {
        var @object = new JsonObject
        {
            ["key"] = S3EventKey.Encode(key),
            ["size"] = size,
            ["eTag"] = eTag,
            ["sequencer"] = (++_sequencer).ToString("X16", CultureInfo.InvariantCulture),
        };
        if (versionId is not null)
        {
            @object["versionId"] = versionId;
        }

        var record = new JsonObject
        {
            ["eventVersion"] = "2.1",
            ["eventSource"] = "aws:s3",
            ["awsRegion"] = EmulatorFixture.Region,
            ["eventTime"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["eventName"] = "ObjectCreated:Put",
            ["userIdentity"] = new JsonObject { ["principalId"] = UploaderPrincipal },
            ["requestParameters"] = new JsonObject { ["sourceIPAddress"] = "127.0.0.1" },
            ["responseElements"] = new JsonObject { ["x-amz-request-id"] = "C3D13FE58DE4C810", ["x-amz-id-2"] = "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD" },
            ["s3"] = new JsonObject
            {
                ["s3SchemaVersion"] = "1.0",
                ["configurationId"] = "FaceBlurUploads",
                ["bucket"] = new JsonObject
                {
                    ["name"] = SourceBucket,
                    ["ownerIdentity"] = new JsonObject { ["principalId"] = "A3NL1KOZZKExample" },
                    ["arn"] = $"arn:aws:s3:::{SourceBucket}",
                },
                ["object"] = @object,
            },
        };
        return new JsonObject { ["Records"] = new JsonArray(record) }.ToJsonString(AsS3Writes);
    }
}
