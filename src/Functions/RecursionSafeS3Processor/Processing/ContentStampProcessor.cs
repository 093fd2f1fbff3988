using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.RecursionSafeS3Processor;

/// <summary>
/// Entry point of the bundled example processor. For each uploaded object it streams the content once, computing its
/// SHA-256 and sniffing its real content type, then writes the output with a server-side copy (no re-upload) carrying
/// <c>Content-Type</c> = the detected type and the user metadata <c>sha256</c>, <c>detected-type</c> and <c>source-etag</c>
/// (never the original marker, so an in-place output is not an original). Where the output goes is
/// <see cref="OutputLocation"/>'s decision.
/// It consumes either an SQS queue of S3 notifications (SeparateBucket, KeyFilter, ObjectMetadata) or the ledger
/// table's stream (ProcessedLedger) and answers with a partial batch response.
/// Handler string: <c>ContentStampProcessor</c> (served by the project's <c>bootstrap</c>, see <see cref="Bootstrap"/>).
/// </summary>
public sealed class ContentStampProcessor
{
    /// <summary>CopyObject's limit; larger objects would need a multipart copy.</summary>
    public const long MaxObjectBytes = 5L * 1024 * 1024 * 1024;

    private const string LedgerInsert = "INSERT";

    private readonly IAmazonS3 _s3;
    private readonly ProcessorSettings _settings;
    private readonly JsonLog _log;
    private readonly SqsBatchProcessor _queueBatches;
    private readonly StreamBatchProcessor _streamBatches;

    /// <summary>Used by Lambda: reads the settings from the environment and creates the AWS clients once.</summary>
    public ContentStampProcessor()
        : this(ProcessorSettings.FromEnvironment(Environment.GetEnvironmentVariable))
    {
    }

    public ContentStampProcessor(IAmazonS3 s3, IAmazonSQS sqs, ProcessorSettings settings, JsonLog? log = null)
    {
        ArgumentNullException.ThrowIfNull(s3);
        ArgumentNullException.ThrowIfNull(sqs);
        ArgumentNullException.ThrowIfNull(settings);
        _s3 = s3;
        _settings = settings;
        _log = log ?? JsonLog.CreateDefault();
        _queueBatches = new SqsBatchProcessor(sqs, settings.DeadLetterQueueUrl, _log, settings.MaxReceiveCount);
        _streamBatches = new StreamBatchProcessor(_log, new DeadLetterForwarder(sqs, settings.DeadLetterQueueUrl, _log));
    }

    private ContentStampProcessor(ProcessorSettings settings)
        : this(AwsClients.CreateS3(), AwsClients.CreateSqs(), settings)
    {
    }

    /// <summary>Handles one batch from the event source mapping and returns <c>{"batchItemFailures":[...]}</c>.</summary>
    public Task<Stream> HandleAsync(Stream input) => Invocation.RunAsync(_log, () => ProcessBatchAsync(input));

    private async Task<Stream> ProcessBatchAsync(Stream input)
    {
        ReadOnlyMemory<byte> payload = await LambdaJson.ReadAllAsync(input);
        EventSourceProbe probe = LambdaJson.Parse(payload.Span, LambdaEventsJsonContext.Default.EventSourceProbe);
        // A batch of nothing but null entries names no source: it is the one this strategy consumes, and is set aside there.
        string? eventSource = probe.HasOnlyNullRecords
            ? (_settings.Strategy == Strategy.ProcessedLedger ? EventSourceProbe.DynamoDb : EventSourceProbe.Sqs)
            : probe.EventSource;
        BatchResponse response = eventSource switch
        {
            EventSourceProbe.Sqs when _settings.Strategy != Strategy.ProcessedLedger =>
                await _queueBatches.ProcessAsync(LambdaJson.Parse(payload.Span, LambdaEventsJsonContext.Default.SqsEvent), ProcessMessageAsync),
            EventSourceProbe.DynamoDb when _settings.Strategy == Strategy.ProcessedLedger =>
                await _streamBatches.ProcessAsync(LambdaJson.Parse(payload.Span, LambdaEventsJsonContext.Default.DynamoDbStreamEvent), ProcessLedgerRecordAsync),
            _ => throw new BadInputException($"STRATEGY={_settings.Strategy} does not consume events from '{eventSource}'"),
        };
        return LambdaJson.Write(response, LambdaEventsJsonContext.Default.BatchResponse);
    }

    private async Task ProcessMessageAsync(SqsMessage message)
    {
        JsonLog log = _log.With(("messageId", message.MessageId));
        IReadOnlyList<S3EventRecord> records = S3Notification.Parse(message.Body).RecordsToProcess(log);
        foreach ((_, S3ObjectRef target) in _settings.Scope.Select(records, log))
        {
            await StampAsync(target, log);
        }
    }

    private async Task ProcessLedgerRecordAsync(DynamoDbStreamRecord record)
    {
        JsonLog log = _log.With(("sequenceNumber", record.Dynamodb.SequenceNumber));
        if (record.EventName != LedgerInsert)
        {
            log.Info("ledger change is not an INSERT; skipped", ("eventName", record.EventName));
            return;
        }

        S3ObjectRef target = LedgerItem.ReadObject(record.Dynamodb.NewImage);
        if (_settings.Scope.OutOfScopeReason(target.Bucket, target.Key) is { } reason)
        {
            log.Error("ledger item skipped: not for this processor (check the configuration); not processed", ("reason", reason), ("bucket", target.Bucket), ("key", target.Key));
            return;
        }

        await StampAsync(target, log);
    }

    private async Task StampAsync(S3ObjectRef source, JsonLog log)
    {
        log = log.With(("bucket", source.Bucket), ("key", source.Key), ("versionId", source.VersionId));
        S3Location output = OutputLocation.Resolve(_settings, source.Key);
        if (await ReadAsync(source, log) is not { } content)
        {
            return;
        }

        if (await CopyAsync(source, content, output, log))
        {
            log.Info(
                "object stamped",
                ("outputBucket", output.Bucket),
                ("outputKey", output.Key),
                ("size", content.Stamp.Length),
                ("sha256", content.Stamp.Sha256),
                ("detectedType", content.Stamp.DetectedType),
                ("claimedType", content.ClaimedType));
        }
    }

    // Streams the object once; null when it no longer exists.
    private async Task<SourceContent?> ReadAsync(S3ObjectRef source, JsonLog log)
    {
        try
        {
            using GetObjectResponse response = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = source.Bucket, Key = source.Key, VersionId = source.VersionId });
            if (response.ContentLength > MaxObjectBytes)
            {
                throw new BadInputException($"the object is {response.ContentLength} bytes; CopyObject can stamp at most {MaxObjectBytes}");
            }

            ContentStamp stamp = await ContentDigest.ComputeAsync(response.ResponseStream);
            string eTag = response.ETag ?? throw new InvalidOperationException("S3 returned the object without an ETag.");
            return new SourceContent(stamp, eTag, response.Headers.ContentType);
        }
        catch (AmazonS3Exception e) when (ErrorClassifier.Classify(e) == ErrorKind.ObjectGone)
        {
            log.Warn("object no longer exists; skipped");
            return null;
        }
    }

    // Copies exactly the revision that was read: pinned by version id, or by ETag when unversioned. An in-place copy
    // also requires the current object to still be that revision, so a newer upload is never overwritten.
    private async Task<bool> CopyAsync(S3ObjectRef source, SourceContent content, S3Location output, JsonLog log)
    {
        string sourceETag = content.ETag;
        var request = new CopyObjectRequest
        {
            SourceBucket = source.Bucket,
            SourceKey = source.Key,
            SourceVersionId = source.VersionId,
            ETagToMatch = source.VersionId is null ? sourceETag : null,
            DestinationBucket = output.Bucket,
            DestinationKey = output.Key,
            IfMatch = OutputLocation.IsInPlace(_settings.Strategy) ? sourceETag : null,
            MetadataDirective = S3MetadataDirective.REPLACE,
            ContentType = content.Stamp.DetectedType,
        };
        request.Metadata.Add("sha256", content.Stamp.Sha256);
        request.Metadata.Add("detected-type", content.Stamp.DetectedType);
        request.Metadata.Add("source-etag", sourceETag.Trim('"'));
        try
        {
            await _s3.CopyObjectAsync(request);
            return true;
        }
        catch (AmazonS3Exception e) when (ErrorClassifier.Classify(e) == ErrorKind.ObjectGone)
        {
            log.Warn("object was deleted while being processed; skipped");
            return false;
        }
        catch (AmazonS3Exception e) when (ErrorClassifier.Classify(e) == ErrorKind.ObjectChanged)
        {
            log.Info("object was replaced while being processed; skipped (the newer upload has its own event)");
            return false;
        }
    }
}

/// <summary>What was learned reading a source object: its stamp, the ETag of the bytes read, and the type it was uploaded with.</summary>
internal sealed record SourceContent(ContentStamp Stamp, string ETag, string? ClaimedType);
