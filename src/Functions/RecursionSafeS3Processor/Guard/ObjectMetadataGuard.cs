using System.Globalization;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS;
using Amazon.SQS.Model;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.RecursionSafeS3Processor;

/// <summary>
/// Entry point of the <see cref="Strategy.ObjectMetadata"/> guard, invoked asynchronously by S3 for every new object.
/// Only originals (objects whose user metadata has the marker) are forwarded to the work queue, as a one-record S3
/// notification just like the ones S3 sends to SQS. The processor's in-place output carries no marker, so its event
/// stops here. Handler string: <c>ObjectMetadataGuard</c> (served by the project's <c>bootstrap</c>, see <see cref="Bootstrap"/>).
/// </summary>
public sealed class ObjectMetadataGuard
{
    private const int MaxBatchEntries = 10;

    private readonly IAmazonS3 _s3;
    private readonly IAmazonSQS _sqs;
    private readonly GuardSettings _settings;
    private readonly JsonLog _log;

    /// <summary>Used by Lambda: reads the settings from the environment and creates the AWS clients once.</summary>
    public ObjectMetadataGuard()
        : this(GuardSettings.FromEnvironment(Environment.GetEnvironmentVariable))
    {
    }

    public ObjectMetadataGuard(IAmazonS3 s3, IAmazonSQS sqs, GuardSettings settings, JsonLog? log = null)
    {
        ArgumentNullException.ThrowIfNull(s3);
        ArgumentNullException.ThrowIfNull(sqs);
        ArgumentNullException.ThrowIfNull(settings);
        _s3 = s3;
        _sqs = sqs;
        _settings = settings;
        _log = log ?? JsonLog.CreateDefault();
    }

    private ObjectMetadataGuard(GuardSettings settings)
        : this(AwsClients.CreateS3(), AwsClients.CreateSqs(), settings)
    {
    }

    /// <summary>Handles one S3 event notification. Throws on bad input or transient failure, so Lambda retries and then uses the on-failure destination.</summary>
    public Task<Stream> HandleAsync(Stream input) => Invocation.RunAsync(_log, () => GuardAsync(input));

    private async Task<Stream> GuardAsync(Stream input)
    {
        S3Notification notification = S3Notification.Parse((await LambdaJson.ReadAllAsync(input)).Span);
        if (notification.TestEvent is { } testEvent)
        {
            _log.Info("S3 test event; nothing to guard", ("bucket", testEvent.Bucket));
            return Stream.Null;
        }

        var originals = new List<S3EventRecord>();
        foreach ((S3EventRecord record, S3ObjectRef target) in _settings.Scope.Select(notification.Records, _log))
        {
            if (ProcessorWrites.IsWrittenBy(record, _settings.ProcessorRoleId))
            {
                _log.Info("written by the processor: an output, not an original; not processed (no HeadObject)", ("bucket", target.Bucket), ("key", target.Key));
                continue;
            }

            if (await IsOriginalAsync(target))
            {
                originals.Add(record);
            }
        }

        await ForwardAsync(originals);
        return Stream.Null;
    }

    private async Task<bool> IsOriginalAsync(S3ObjectRef target)
    {
        JsonLog log = _log.With(("bucket", target.Bucket), ("key", target.Key), ("versionId", target.VersionId));
        GetObjectMetadataResponse head;
        try
        {
            head = await _s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = target.Bucket, Key = target.Key, VersionId = target.VersionId });
        }
        catch (AmazonS3Exception e) when (ErrorClassifier.Classify(e) == ErrorKind.ObjectGone)
        {
            log.Warn("object no longer exists; skipped");
            return false;
        }

        if (!OriginalMarker.IsPresent(head.Metadata, _settings.MarkerKey, _settings.MarkerValue))
        {
            log.Info("not an original (no marker) — not processed", ("markerKey", _settings.MarkerKey));
            return false;
        }

        log.Info("original object; forwarding it to the work queue");
        return true;
    }

    private async Task ForwardAsync(List<S3EventRecord> originals)
    {
        if (originals.Count == 1)
        {
            await _sqs.SendMessageAsync(new SendMessageRequest(_settings.WorkQueueUrl, NotificationBody(originals[0])));
            return;
        }

        foreach (S3EventRecord[] chunk in originals.Chunk(MaxBatchEntries))
        {
            var entries = new List<SendMessageBatchRequestEntry>(chunk.Length);
            for (int i = 0; i < chunk.Length; i++)
            {
                entries.Add(new SendMessageBatchRequestEntry(i.ToString(CultureInfo.InvariantCulture), NotificationBody(chunk[i])));
            }

            SendMessageBatchResponse response = await _sqs.SendMessageBatchAsync(new SendMessageBatchRequest { QueueUrl = _settings.WorkQueueUrl, Entries = entries });
            if (response.Failed is { Count: > 0 } failed)
            {
                // Transient for Lambda: the whole event is retried; originals sent already are sent again, which the processor tolerates.
                throw new InvalidOperationException($"SQS did not accept {failed.Count} of {entries.Count} forwarded messages (first error: {failed[0].Code}).");
            }
        }
    }

    /// <summary>The body S3 itself would send to SQS for this one record.</summary>
    private static string NotificationBody(S3EventRecord record) =>
        JsonSerializer.Serialize(new S3Event { Records = [record] }, LambdaEventsJsonContext.Default.S3Event);
}
