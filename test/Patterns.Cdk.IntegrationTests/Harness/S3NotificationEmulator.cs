using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Amazon.S3;
using Amazon.SQS;

namespace Patterns.Cdk.IntegrationTests.Harness;

/// <summary>Where S3 sends the events of one notification configuration entry.</summary>
public enum DestinationKind
{
    Queue,
    Lambda,
}

/// <summary>
/// One entry of a bucket's notification configuration, as the template's Custom::S3BucketNotifications declares it.
/// Destination is the queue URL, or the logical id of the function; Prefix and Suffix are the key filter ("" for none).
/// </summary>
public sealed record NotificationTarget(string ConfigurationId, DestinationKind Kind, string Destination, IReadOnlyList<string> Events, string Prefix, string Suffix)
{
    /// <summary>Whether an event <paramref name="eventName"/> (<c>ObjectCreated:Put</c>) for <paramref name="key"/> passes this entry's event types and key filter.</summary>
    public bool Matches(string eventName, string key) =>
        Events.Any(e => e.EndsWith('*') ? ("s3:" + eventName).StartsWith(e[..^1], StringComparison.Ordinal) : e == "s3:" + eventName)
        && key.StartsWith(Prefix, StringComparison.Ordinal)
        && key.EndsWith(Suffix, StringComparison.Ordinal);
}

/// <summary>A notification the simulated S3 sent (or re-sent).</summary>
public sealed record EmittedNotification(string Bucket, string Key, string Payload, NotificationTarget Target, Cause Cause);

/// <summary>A successful PutObject or CopyObject, as sent by a counted client.</summary>
public sealed record ObjectWrite(string Caller, string PrincipalId, string Verb, string Bucket, string Key, string? ContentType, IReadOnlyDictionary<string, string> Metadata, string ETag);

/// <summary>
/// S3 event notifications, which fauxqs does not emit. Every successful PutObject/CopyObject of a counted client becomes
/// the ObjectCreated record S3 would send (URL-encoded key, ETag, size, sequencer, the writer's principal id), routed by
/// the bucket's notification configuration from the template: to an SQS queue (SendMessage of the notification) or to
/// an asynchronous invocation of a function.
/// </summary>
public sealed class S3NotificationEmulator
{
    /// <summary>The principal id S3 records for the test's uploader (an IAM user).</summary>
    public const string UploaderPrincipal = "AWS:AIDAUPLOADER";

    // S3 writes '+' (a space in a key) and base64 as they are, not as \u002B.
    private static readonly JsonSerializerOptions AsS3Writes = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static long _sequencer = 0x0055AED6DCD90281;

    private readonly Dictionary<string, List<NotificationTarget>> _byBucket = new(StringComparer.Ordinal);
    private readonly List<EmittedNotification> _emitted = [];
    private readonly List<ObjectWrite> _writes = [];
    private readonly IAmazonS3 _s3;
    private readonly IAmazonSQS _sqs;
    private readonly LambdaServiceEmulator _lambda;

    public S3NotificationEmulator(CfnTemplate template, ProvisionedResources resources, IAmazonS3 s3, IAmazonSQS sqs, LambdaServiceEmulator lambda)
    {
        _s3 = s3;
        _sqs = sqs;
        _lambda = lambda;
        foreach ((string id, JsonObject properties) in template.OfType("Custom::S3BucketNotifications"))
        {
            string bucket = resources.Resolve(properties["BucketName"]);
            JsonObject configuration = properties["NotificationConfiguration"]?.AsObject() ?? new JsonObject();
            if (configuration["TopicConfigurations"] is JsonArray { Count: > 0 })
            {
                throw new NotSupportedException("The simulation does not deliver S3 notifications to SNS topics.");
            }

            var targets = new List<NotificationTarget>();
            int index = 0;
            foreach (JsonNode? entry in configuration["QueueConfigurations"]?.AsArray() ?? [])
            {
                targets.Add(Target(id, index++, DestinationKind.Queue, resources[CfnTemplate.ReferencedId(entry!["QueueArn"])].Attributes["QueueUrl"], entry!));
            }

            foreach (JsonNode? entry in configuration["LambdaFunctionConfigurations"]?.AsArray() ?? [])
            {
                targets.Add(Target(id, index++, DestinationKind.Lambda, CfnTemplate.ReferencedId(entry!["LambdaFunctionArn"]), entry!));
            }

            _byBucket[bucket] = targets;
        }
    }

    /// <summary>Functions that receive S3 events (logical ids).</summary>
    public IEnumerable<string> FunctionTargets =>
        _byBucket.Values.SelectMany(t => t).Where(t => t.Kind == DestinationKind.Lambda).Select(t => t.Destination).Distinct();

    public IReadOnlyList<EmittedNotification> Emitted => _emitted;

    public IReadOnlyList<ObjectWrite> Writes => _writes;

    public IReadOnlyList<NotificationTarget> TargetsOf(string bucket) => _byBucket.GetValueOrDefault(bucket) ?? [];

    /// <summary>What <paramref name="principalId"/> says about why an object was written.</summary>
    public static Cause CauseOf(string? principalId) => principalId switch
    {
        UploaderPrincipal => Cause.Original,
        not null when principalId.StartsWith("AWS:AROA", StringComparison.Ordinal) => Cause.Output,
        _ => Cause.Injected,
    };

    /// <summary>The cause of an S3 notification payload: the writer of its first record (Injected when it is not a parsable notification).</summary>
    public static Cause CauseOfPayload(string payload)
    {
        try
        {
            return JsonNode.Parse(payload)?["Records"]?[0]?["userIdentity"]?["principalId"] is JsonValue principal
                ? CauseOf((string?)principal)
                : Cause.Injected;
        }
        catch (JsonException)
        {
            return Cause.Injected;
        }
    }

    /// <summary>Called by a counted S3 client after a successful PutObject or CopyObject.</summary>
    public async Task OnObjectCreatedAsync(ClientIdentity writer, S3Request request, HttpRequestMessage httpRequest, HttpResponseMessage response)
    {
        string bucket = request.Bucket!;
        string key = request.Key!;
        string eTag;
        long size;
        if (request.Verb == "COPY")
        {
            // CopyObject answers <CopyObjectResult><ETag>...</ETag></CopyObjectResult>; the size needs the object itself.
            await response.Content.LoadIntoBufferAsync();
            XDocument result = XDocument.Parse(await response.Content.ReadAsStringAsync());
            eTag = result.Descendants().First(e => e.Name.LocalName == "ETag").Value;
            size = (await _s3.GetObjectMetadataAsync(bucket, key)).ContentLength;
        }
        else
        {
            eTag = response.Headers.TryGetValues("ETag", out IEnumerable<string>? tags)
                ? tags.First()
                : throw new InvalidOperationException("PutObject answered without an ETag.");
            size = httpRequest.Headers.TryGetValues("x-amz-decoded-content-length", out IEnumerable<string>? decoded)
                ? long.Parse(decoded.First(), CultureInfo.InvariantCulture)
                : httpRequest.Content?.Headers.ContentLength ?? 0;
        }

        eTag = eTag.Trim('"');
        string? versionId = response.Headers.TryGetValues("x-amz-version-id", out IEnumerable<string>? versions) ? versions.First() : null;
        _writes.Add(new ObjectWrite(writer.Caller, writer.PrincipalId, request.Verb, bucket, key, S3Request.ContentType(httpRequest), S3Request.UserMetadata(httpRequest), eTag));

        string eventName = request.Verb == "COPY" ? "ObjectCreated:Copy" : "ObjectCreated:Put";
        foreach (NotificationTarget target in TargetsOf(bucket).Where(t => t.Matches(eventName, key)))
        {
            JsonObject record = Record(target.ConfigurationId, eventName, writer.PrincipalId, bucket, key, size, eTag, versionId);
            await SendAsync(new EmittedNotification(bucket, key, new JsonObject { ["Records"] = new JsonArray(record) }.ToJsonString(AsS3Writes), target, CauseOf(writer.PrincipalId)));
        }
    }

    /// <summary>
    /// Delivers <paramref name="payload"/> to every destination of <paramref name="bucket"/>'s notification configuration,
    /// whatever its filter: what S3 does with its one-off test event, and how a test injects events S3 would never send.
    /// </summary>
    public async Task DeliverToAllAsync(string bucket, string payload, Cause cause = Cause.Injected)
    {
        IReadOnlyList<NotificationTarget> targets = TargetsOf(bucket);
        if (targets.Count == 0)
        {
            throw new InvalidOperationException($"Bucket {bucket} has no notification configuration.");
        }

        foreach (NotificationTarget target in targets)
        {
            await SendAsync(new EmittedNotification(bucket, "", payload, target, cause));
        }
    }

    /// <summary>The s3:TestEvent S3 sends to each destination when the notification configuration is created.</summary>
    public Task SendTestEventAsync(string bucket) =>
        DeliverToAllAsync(bucket, new JsonObject
        {
            ["Service"] = "Amazon S3",
            ["Event"] = "s3:TestEvent",
            ["Time"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["Bucket"] = bucket,
            ["RequestId"] = Guid.NewGuid().ToString("N")[..16].ToUpperInvariant(),
            ["HostId"] = Convert.ToBase64String(Guid.NewGuid().ToByteArray()),
        }.ToJsonString(AsS3Writes));

    /// <summary>Sends a notification again, as S3's at-least-once delivery occasionally does.</summary>
    public Task RedeliverAsync(EmittedNotification notification) => SendAsync(notification);

    private async Task SendAsync(EmittedNotification notification)
    {
        _emitted.Add(notification);
        if (notification.Target.Kind == DestinationKind.Queue)
        {
            await _sqs.SendMessageAsync(notification.Target.Destination, notification.Payload);
        }
        else
        {
            _lambda.InvokeAsynchronously(notification.Target.Destination, notification.Payload, notification.Cause);
        }
    }

    /// <summary>An ObjectCreated:Put notification S3 could send for any bucket and key (for tests that inject events).</summary>
    public static string NotificationPayload(string bucket, string key, string principalId, string eTag, long size) =>
        new JsonObject { ["Records"] = new JsonArray(Record("injected", "ObjectCreated:Put", principalId, bucket, key, size, eTag, null)) }.ToJsonString(AsS3Writes);

    private static JsonObject Record(string configurationId, string eventName, string principalId, string bucket, string key, long size, string eTag, string? versionId)
    {
        var entity = new JsonObject
        {
            ["key"] = S3EventKey.Encode(key),
            ["size"] = size,
            ["eTag"] = eTag,
        };
        if (versionId is not null)
        {
            entity["versionId"] = versionId;
        }

        entity["sequencer"] = Interlocked.Increment(ref _sequencer).ToString("X18", CultureInfo.InvariantCulture);
        return new JsonObject
        {
            ["eventVersion"] = "2.1",
            ["eventSource"] = "aws:s3",
            ["awsRegion"] = EmulatorFixture.Region,
            ["eventTime"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["eventName"] = eventName,
            ["userIdentity"] = new JsonObject { ["principalId"] = principalId },
            ["requestParameters"] = new JsonObject { ["sourceIPAddress"] = "127.0.0.1" },
            ["responseElements"] = new JsonObject
            {
                ["x-amz-request-id"] = Guid.NewGuid().ToString("N")[..16].ToUpperInvariant(),
                ["x-amz-id-2"] = Convert.ToBase64String(Guid.NewGuid().ToByteArray()),
            },
            ["s3"] = new JsonObject
            {
                ["s3SchemaVersion"] = "1.0",
                ["configurationId"] = configurationId,
                ["bucket"] = new JsonObject
                {
                    ["name"] = bucket,
                    ["ownerIdentity"] = new JsonObject { ["principalId"] = "A3NL1KOZZKEXAMPLE" },
                    ["arn"] = "arn:aws:s3:::" + bucket,
                },
                ["object"] = entity,
            },
        };
    }

    private static NotificationTarget Target(string resourceId, int index, DestinationKind kind, string destination, JsonNode entry)
    {
        List<string> events = entry["Events"]!.AsArray().Select(e => (string)e!).ToList();
        string prefix = "";
        string suffix = "";
        foreach (JsonNode? rule in entry["Filter"]?["Key"]?["FilterRules"]?.AsArray() ?? [])
        {
            string name = ((string)rule!["Name"]!).ToLowerInvariant();
            string value = (string)rule["Value"]!;
            _ = name switch
            {
                "prefix" => prefix = value,
                "suffix" => suffix = value,
                _ => throw new NotSupportedException($"Unknown S3 filter rule {name}."),
            };
        }

        return new NotificationTarget($"{resourceId}-{index}", kind, destination, events, prefix, suffix);
    }
}
