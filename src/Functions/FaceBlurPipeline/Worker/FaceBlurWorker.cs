using System.Buffers;
using System.Diagnostics;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS;
using Patterns.Cdk.Functions.FaceBlurPipeline.Detection;
using Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.FaceBlurPipeline;

/// <summary>
/// Entry point of FaceBlurPipeline's worker. It consumes an SQS queue of S3 notifications and answers with a partial
/// batch response. For each uploaded image: HeadObject (size limits), GetObject into a pooled buffer, a header probe
/// (JPEG/PNG by magic bytes, pixel budget) <b>before</b> any detection request, Rekognition DetectFaces on the same
/// object revision, the irreversible blur, and PutObject of the result to the destination with the right Content-Type
/// and no metadata from the source.
/// <para>Fail closed: when detection or blurring fails, nothing is written to the destination (never an unblurred
/// fallback). Bad input (not an image, empty, oversized, pixel bomb, corrupt) goes to the dead-letter queue with its
/// reason; transient failures are retried by the queue. Idempotent: every delivery blurs the source again, so a
/// duplicate rewrites the same output. Every request is pinned to the notified revision: by version id on a versioned
/// bucket (Rekognition reads that version too); on an unversioned one, GetObject is conditional on the HeadObject ETag
/// and the ETag is checked once more after detection, so faces found in a newer upload are never applied to older bytes
/// (that upload has its own event).</para>
/// Handler string: <c>FaceBlurWorker</c> (served by the project's <c>bootstrap</c>, see <see cref="Bootstrap"/>).
/// </summary>
public sealed class FaceBlurWorker
{
    private readonly IAmazonS3 _s3;
    private readonly IFaceDetector _detector;
    private readonly FaceBlurSettings _settings;
    private readonly JsonLog _log;
    private readonly SqsBatchProcessor _batches;

    /// <summary>Used by Lambda: reads the settings from the environment and creates the clients once.</summary>
    public FaceBlurWorker()
        : this(FaceBlurSettings.FromEnvironment(Environment.GetEnvironmentVariable), JsonLog.CreateDefault())
    {
    }

    public FaceBlurWorker(IAmazonS3 s3, IAmazonSQS sqs, IFaceDetector detector, FaceBlurSettings settings, JsonLog? log = null)
    {
        ArgumentNullException.ThrowIfNull(s3);
        ArgumentNullException.ThrowIfNull(sqs);
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        _s3 = s3;
        _detector = detector;
        _settings = settings;
        _log = log ?? JsonLog.CreateDefault();
        _batches = new SqsBatchProcessor(sqs, settings.DeadLetterQueueUrl, _log, settings.MaxReceiveCount);
    }

    private FaceBlurWorker(FaceBlurSettings settings, JsonLog log)
        : this(
            AwsClients.CreateS3(),
            AwsClients.CreateSqs(),
            RekognitionFaceDetector.CreateDefault(
                LambdaRegion.Name,
                settings.RekognitionEndpoint,
                new FaceDetectorOptions { MinFaceConfidence = settings.MinFaceConfidence },
                log),
            settings,
            log)
    {
    }

    /// <summary>Handles one batch from the event source mapping and returns <c>{"batchItemFailures":[...]}</c>.</summary>
    public Task<Stream> HandleAsync(Stream input) => Invocation.RunAsync(_log, () => ProcessBatchAsync(input));

    private async Task<Stream> ProcessBatchAsync(Stream input)
    {
        SqsEvent batch = await LambdaJson.ReadAsync(input, LambdaEventsJsonContext.Default.SqsEvent);
        BatchResponse response = await _batches.ProcessAsync(batch, ProcessMessageAsync);
        return LambdaJson.Write(response, LambdaEventsJsonContext.Default.BatchResponse);
    }

    private async Task ProcessMessageAsync(SqsMessage message)
    {
        JsonLog log = _log.With(("messageId", message.MessageId));
        IReadOnlyList<S3EventRecord> records = S3Notification.Parse(message.Body).RecordsToProcess(log);
        foreach (Upload upload in UploadSelection.Select(_settings, records, log))
        {
            await BlurAsync(upload.Source, log);
        }
    }

    private async Task BlurAsync(S3ObjectLocation source, JsonLog log)
    {
        log = log.With(("bucket", source.Bucket), ("key", source.Key), ("versionId", source.VersionId));
        string destinationKey = _settings.DestinationKeyFor(source.Key);
        long started = Stopwatch.GetTimestamp();
        if (await HeadAsync(source, log) is not { } revision)
        {
            return;
        }

        CheckSize(revision.ContentLength);
        using GetObjectResponse? download = await GetAsync(source, revision.ETag, log);
        if (download is null)
        {
            return;
        }

        CheckSize(download.ContentLength);
        int length = (int)download.ContentLength;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            await ReadExactlyAsync(download.ResponseStream, buffer, length);
            long downloaded = Stopwatch.GetTimestamp();

            // Cheap checks on the header first: nothing that is not a JPEG/PNG within the pixel budget reaches Rekognition.
            ImageInfo info = ImageProbe.Probe(buffer.AsSpan(0, length));
            if (info.PixelCount > _settings.MaxPixels)
            {
                throw new BadInputException($"the {FormatName(info.Format)} image declares {info.Width}x{info.Height} = {info.PixelCount} pixels; the limit is MAX_PIXELS={_settings.MaxPixels}");
            }

            // Then its structure (truncation, missing scans, bad CRCs): a damaged file costs no Rekognition call either.
            ImageIntegrity.Verify(buffer.AsSpan(0, length), info.Format);

            IReadOnlyList<FaceBox> faces = await _detector.DetectFacesAsync(source);
            long detected = Stopwatch.GetTimestamp();

            // An unversioned key may have been overwritten after the download: Rekognition could then have looked at
            // other bytes than the ones about to be blurred. The newer upload has its own event.
            if (source.VersionId is null && !await IsUnchangedAsync(source, revision.ETag))
            {
                log.Info("object was replaced while being processed; skipped (the newer upload has its own event)");
                return;
            }

            long checkedAt = Stopwatch.GetTimestamp();
            BlurResult result = FaceBlurrer.Process(buffer.AsSpan(0, length), faces, new BlurOptions { MaxPixels = _settings.MaxPixels });
            long blurred = Stopwatch.GetTimestamp();

            await PutAsync(destinationKey, result);
            long uploaded = Stopwatch.GetTimestamp();
            log.Info(
                "image blurred and delivered",
                ("outputBucket", _settings.DestinationBucket),
                ("outputKey", destinationKey),
                ("format", FormatName(result.Format)),
                ("contentType", result.ContentType),
                ("width", result.Width),
                ("height", result.Height),
                ("facesFound", faces.Count),
                ("facesBlurred", result.FacesBlurred),
                ("reencoded", result.Reencoded ? "true" : "false"),
                ("method", result.Method.ToString()),
                ("sourceBytes", length),
                ("outputBytes", result.Content.Length),
                ("downloadMs", Milliseconds(started, downloaded)),
                ("detectMs", Milliseconds(downloaded, detected)),
                ("blurMs", Milliseconds(checkedAt, blurred)),
                ("uploadMs", Milliseconds(blurred, uploaded)),
                ("totalMs", Milliseconds(started, uploaded)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void CheckSize(long size)
    {
        if (size <= 0)
        {
            throw new BadInputException("the object is empty (0 bytes), not an image");
        }

        if (size > _settings.MaxImageBytes)
        {
            throw new BadInputException($"the object is {size} bytes; the limit is MAX_IMAGE_BYTES={_settings.MaxImageBytes} (Rekognition reads at most 15 MiB from S3)");
        }
    }

    // The revision to process; null when the object (or version) no longer exists.
    private async Task<GetObjectMetadataResponse?> HeadAsync(S3ObjectLocation source, JsonLog log)
    {
        try
        {
            return await _s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = source.Bucket, Key = source.Key, VersionId = source.VersionId });
        }
        catch (AmazonS3Exception e) when (ErrorClassifier.Classify(e) == ErrorKind.ObjectGone)
        {
            log.Warn("object no longer exists; skipped");
            return null;
        }
    }

    // Exactly the revision that was checked: pinned by version id, or by ETag when unversioned. Null when it is gone or replaced.
    private async Task<GetObjectResponse?> GetAsync(S3ObjectLocation source, string eTag, JsonLog log)
    {
        try
        {
            return await _s3.GetObjectAsync(new GetObjectRequest
            {
                BucketName = source.Bucket,
                Key = source.Key,
                VersionId = source.VersionId,
                EtagToMatch = source.VersionId is null ? eTag : null,
            });
        }
        catch (AmazonS3Exception e) when (ErrorClassifier.Classify(e) == ErrorKind.ObjectGone)
        {
            log.Warn("object was deleted while being processed; skipped");
            return null;
        }
        catch (AmazonS3Exception e) when (ErrorClassifier.Classify(e) == ErrorKind.ObjectChanged)
        {
            log.Info("object was replaced while being processed; skipped (the newer upload has its own event)");
            return null;
        }
    }

    private async Task<bool> IsUnchangedAsync(S3ObjectLocation source, string eTag)
    {
        try
        {
            GetObjectMetadataResponse now = await _s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = source.Bucket, Key = source.Key });
            return string.Equals(now.ETag, eTag, StringComparison.Ordinal);
        }
        catch (AmazonS3Exception e) when (ErrorClassifier.Classify(e) == ErrorKind.ObjectGone)
        {
            return false;
        }
    }

    private static async Task ReadExactlyAsync(Stream content, byte[] buffer, int length)
    {
        int read = await content.ReadAtLeastAsync(buffer.AsMemory(0, length), length, throwOnEndOfStream: false);
        if (read < length)
        {
            throw new IOException($"S3 returned {read} of the {length} bytes it announced; retried");
        }
    }

    // No metadata, tags or ACL from the source: only the blurred bytes and their real content type.
    private async Task PutAsync(string destinationKey, BlurResult result)
    {
        using Stream body = result.OpenRead();
        await _s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = _settings.DestinationBucket,
            Key = destinationKey,
            InputStream = body,
            AutoCloseStream = false,
            ContentType = result.ContentType,
        });
    }

    private static string FormatName(ImageFormat format) => format == ImageFormat.Jpeg ? "JPEG" : "PNG";

    private static long Milliseconds(long from, long to) => (long)Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;
}
