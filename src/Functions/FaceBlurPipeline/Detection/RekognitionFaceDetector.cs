using Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.Functions.AwsStandIns;

namespace Patterns.Cdk.Functions.FaceBlurPipeline.Detection;

/// <summary>
/// Finds faces with Rekognition's <c>DetectFaces</c> through <see cref="AmazonRekognitionClientStandIn"/> (the wire client
/// and its transport live in src/Functions/Shared/AwsStandIns).
/// Transient failures (throttling: <c>ThrottlingException</c>, <c>ProvisionedThroughputExceededException</c>,
/// <c>LimitExceededException</c>; 5xx, network errors and timeouts) are retried here with exponential backoff and full
/// jitter (<see cref="DetectionRetryPolicy"/>), then reported as a <see cref="FaceDetectionTransientException"/>. Errors
/// about the image itself (<c>InvalidImageFormatException</c>, <c>ImageTooLargeException</c>, <c>InvalidS3ObjectException</c>)
/// become <see cref="BadInputException"/>. Any other 4xx (access denied, validation) is a deployment problem: transient at
/// once, so the queue retries it and the dead-letter queue alarm fires. Neither credentials nor signatures are ever logged.
/// </summary>
public sealed class RekognitionFaceDetector : IFaceDetector
{
    private static readonly string[] DefaultAttributes = ["DEFAULT"];

    private static readonly HashSet<string> BadImageCodes = new(StringComparer.Ordinal)
    {
        "InvalidImageFormatException", "ImageTooLargeException", "InvalidS3ObjectException",
    };

    private readonly AmazonRekognitionClientStandIn _rekognition;
    private readonly FaceDetectorOptions _options;
    private readonly JsonLog _log;

    /// <param name="rekognition">Sends DetectFaces; its timeout is one attempt's (<see cref="DetectionRetryPolicy.AttemptTimeout"/>).</param>
    /// <param name="options">Confidence threshold, retries.</param>
    /// <param name="log">Where retries are logged.</param>
    public RekognitionFaceDetector(AmazonRekognitionClientStandIn rekognition, FaceDetectorOptions options, JsonLog log)
    {
        ArgumentNullException.ThrowIfNull(rekognition);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        options.Retry.Validate();
        _rekognition = rekognition;
        _options = options;
        _log = log;
    }

    /// <summary>The detector of the Lambda function: Rekognition in <paramref name="region"/> (or at <paramref name="endpoint"/>, for tests).</summary>
    public static RekognitionFaceDetector CreateDefault(string region, Uri? endpoint, FaceDetectorOptions options, JsonLog log)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(AmazonRekognitionClientStandIn.CreateDefault(region, options.Retry.AttemptTimeout, endpoint), options, log);
    }

    public async Task<IReadOnlyList<FaceBox>> DetectFacesAsync(S3ObjectLocation image, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        var request = new DetectFacesRequest(new RekognitionImage(new RekognitionS3Object(image.Bucket, image.Key, image.VersionId)), DefaultAttributes);
        DetectionRetryPolicy retry = _options.Retry;
        for (int attempt = 1; ; attempt++)
        {
            AwsStandInException failure;
            try
            {
                return ReadFaces(await _rekognition.DetectFacesAsync(request, cancellationToken), attempt);
            }
            catch (AwsStandInException e)
            {
                failure = e;
            }

            if (failure.ErrorCode is { } code && BadImageCodes.Contains(code))
            {
                throw new BadInputException($"Rekognition rejected the image ({code}): {failure.Detail ?? "no message"}");
            }

            if (!failure.IsTransient || attempt >= retry.MaxAttempts)
            {
                throw Transient(failure.IsTransient ? $"gave up after {attempt} attempts" : "not retried by the client", failure, attempt);
            }

            TimeSpan wait = retry.Delay(attempt, _options.Random());
            _log.Warn(
                "DetectFaces failed; retrying after a jittered backoff",
                ("bucket", image.Bucket),
                ("key", image.Key),
                ("attempt", attempt),
                ("maxAttempts", retry.MaxAttempts),
                ("errorCode", failure.ErrorCode),
                ("statusCode", failure.StatusCode ?? 0),
                ("delayMs", (long)wait.TotalMilliseconds));
            await _options.Delay(wait, cancellationToken);
        }
    }

    private static FaceDetectionTransientException Transient(string why, AwsStandInException failure, int attempt) =>
        new($"DetectFaces failed ({why}): {Describe(failure.ErrorCode, failure.StatusCode, failure.Detail)}", failure.ErrorCode, failure.StatusCode, attempt, failure.InnerException ?? failure);

    private static string Describe(string? errorCode, int? statusCode, string? message) =>
        $"{errorCode ?? "no error code"}{(statusCode is { } status ? $" (HTTP {status})" : "")}: {message ?? "no message"}";

    // Fail closed: an answer that cannot be read as faces is not retried here, so the whole image waits.
    private List<FaceBox> ReadFaces(DetectFacesResponse response, int attempt)
    {
        if (response.FaceDetails is not { } details)
        {
            throw new FaceDetectionTransientException($"DetectFaces failed (not retried by the client): {Describe(null, 200, "the response has no FaceDetails")}", null, 200, attempt);
        }

        var faces = new List<FaceBox>(details.Count);
        foreach (FaceDetail? detail in details)
        {
            // Fail closed: a null entry may stand for a face; it cannot be skipped, and is not a crash either.
            if (detail is null)
            {
                throw new FaceDetectionTransientException(
                    $"DetectFaces failed (not retried by the client): {Describe(null, 200, "a face in the response is null")}", null, 200, attempt);
            }

            if (detail.Confidence is { } confidence && confidence < _options.MinFaceConfidence)
            {
                continue;
            }

            // Fail closed: a face that cannot be located cannot be blurred, so the whole image waits.
            if (detail.BoundingBox is not { Left: { } left, Top: { } top, Width: { } width, Height: { } height }
                || !double.IsFinite(left) || !double.IsFinite(top) || !double.IsFinite(width) || !double.IsFinite(height))
            {
                throw new FaceDetectionTransientException(
                    $"DetectFaces failed (not retried by the client): {Describe(null, 200, "a face in the response has no complete BoundingBox")}", null, 200, attempt);
            }

            faces.Add(new FaceBox(left, top, width, height));
        }

        return faces;
    }
}
