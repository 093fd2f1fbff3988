using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.FaceBlurPipeline.Detection;

/// <summary>
/// <b>A stand-in for the official AWS SDK Rekognition client</b> (<c>AWSSDK.Rekognition</c>'s <c>DetectFacesAsync</c>),
/// which this build cannot reference: it sends the same <c>RekognitionService.DetectFaces</c> request over HTTPS (JSON 1.1
/// protocol), signed with AWSSDK.Core's Signature Version 4 signer and the SDK's default credential chain, and reads the
/// same response. See Detection/README.md for how to swap in the real client.
/// Throttling (<c>ThrottlingException</c>, <c>ProvisionedThroughputExceededException</c>, <c>LimitExceededException</c>),
/// 5xx, network errors and timeouts are retried here with exponential backoff and full jitter, then reported as a
/// <see cref="FaceDetectionTransientException"/>. Errors about the image itself (<c>InvalidImageFormatException</c>,
/// <c>ImageTooLargeException</c>, <c>InvalidS3ObjectException</c>) become <see cref="BadInputException"/>. Any other 4xx
/// (access denied, validation) is a deployment problem: transient at once, so the queue retries it and the dead-letter
/// queue alarm fires. Neither credentials nor signatures are ever logged.
/// </summary>
public sealed class RekognitionFaceDetectorStandIn : IFaceDetector
{
    public const string Target = "RekognitionService.DetectFaces";
    public const string ContentType = "application/x-amz-json-1.1";

    /// <summary>The SigV4 signing name of Rekognition.</summary>
    public const string RekognitionServiceName = "rekognition";

    private static readonly Dictionary<string, string> NoPathResources = [];

    private static readonly string[] DefaultAttributes = ["DEFAULT"];
    private static readonly HashSet<string> ThrottlingCodes = new(StringComparer.Ordinal)
    {
        "ThrottlingException", "ProvisionedThroughputExceededException", "LimitExceededException",
    };

    private static readonly HashSet<string> BadImageCodes = new(StringComparer.Ordinal)
    {
        "InvalidImageFormatException", "ImageTooLargeException", "InvalidS3ObjectException",
    };

    private static readonly KeyValuePair<string, string>[] Headers =
    [
        new("X-Amz-Target", Target),
        new("Content-Type", ContentType),
    ];

    private static readonly Lazy<HttpClient> SharedHttp = new(() => new HttpClient(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        AutomaticDecompression = DecompressionMethods.None,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan, // each attempt has its own timeout
    });

    private readonly HttpClient _http;
    private readonly Func<AWSCredentials> _credentials;
    private readonly RekognitionStandInOptions _options;
    private readonly AwsRequestSigner _signer;
    private readonly Uri _endpoint;
    private readonly JsonLog _log;

    /// <param name="http">Sends the requests (not disposed by the detector).</param>
    /// <param name="credentials">Gives the signing credentials, asked before every attempt (the SDK caches and refreshes them).</param>
    /// <param name="options">Region, endpoint, confidence threshold, retries.</param>
    /// <param name="log">Where retries are logged.</param>
    public RekognitionFaceDetectorStandIn(HttpClient http, Func<AWSCredentials> credentials, RekognitionStandInOptions options, JsonLog log)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        options.Retry.Validate();
        _http = http;
        _credentials = credentials;
        _options = options;
        _signer = new AwsRequestSigner(RekognitionServiceName, options.Region);
        _endpoint = options.ResolvedEndpoint;
        _log = log;
    }

    public RekognitionFaceDetectorStandIn(HttpClient http, AWSCredentials credentials, RekognitionStandInOptions options, JsonLog log)
        : this(http, () => credentials, options, log)
    {
        ArgumentNullException.ThrowIfNull(credentials);
    }

    /// <summary>The detector of the Lambda function: one pooled HTTP client, the SDK's default credential chain.</summary>
    public static RekognitionFaceDetectorStandIn CreateDefault(RekognitionStandInOptions options, JsonLog log) =>
        new(SharedHttp.Value, static () => DefaultAWSCredentialsIdentityResolver.GetCredentials(), options, log);

    public async Task<IReadOnlyList<FaceBox>> DetectFacesAsync(S3ObjectLocation image, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(
            new DetectFacesRequest(new RekognitionImage(new RekognitionS3Object(image.Bucket, image.Key, image.VersionId)), DefaultAttributes),
            RekognitionJsonContext.Default.DetectFacesRequest);
        DetectionRetryPolicy retry = _options.Retry;
        for (int attempt = 1; ; attempt++)
        {
            Attempt outcome = await SendAsync(body, cancellationToken);
            if (outcome.Faces is { } faces)
            {
                return faces;
            }

            Failure failure = outcome.Failure!;
            if (!failure.Retryable || attempt >= retry.MaxAttempts)
            {
                string why = failure.Retryable ? $"gave up after {attempt} attempts" : "not retried by the client";
                throw new FaceDetectionTransientException(
                    $"DetectFaces failed ({why}): {failure.Describe()}", failure.ErrorCode, failure.StatusCode, attempt, failure.Exception);
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

    private async Task<Attempt> SendAsync(byte[] body, CancellationToken cancellationToken)
    {
        ImmutableCredentials credentials;
        try
        {
            credentials = await _credentials().GetCredentialsAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return Attempt.Failed(new Failure(ErrorCode: null, StatusCode: null, "could not resolve AWS credentials", Retryable: false, e));
        }

        using HttpRequestMessage request = _signer.CreateSignedPost(_endpoint, "/", NoPathResources, Headers, body, credentials, _options.Clock.GetUtcNow().UtcDateTime);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Retry.AttemptTimeout);
        try
        {
            using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            byte[] content = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            return Interpret(response.StatusCode, response.Headers, content);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            return Attempt.Failed(new Failure(null, null, $"no response within {_options.Retry.AttemptTimeout.TotalSeconds:0.#} s", Retryable: true, e));
        }
        catch (HttpRequestException e)
        {
            return Attempt.Failed(new Failure(null, null, $"network error: {e.Message}", Retryable: true, e));
        }
    }

    private Attempt Interpret(HttpStatusCode status, HttpResponseHeaders headers, byte[] content)
    {
        int code = (int)status;
        if (code is >= 200 and < 300)
        {
            return ReadFaces(content);
        }

        (string? errorCode, string? message) = ReadError(headers, content);
        if (errorCode is not null && BadImageCodes.Contains(errorCode))
        {
            throw new BadInputException($"Rekognition rejected the image ({errorCode}): {message ?? "no message"}");
        }

        bool retryable = code >= 500 || code == 429 || (errorCode is not null && ThrottlingCodes.Contains(errorCode));
        return Attempt.Failed(new Failure(errorCode, code, message, retryable, Exception: null));
    }

    private Attempt ReadFaces(byte[] content)
    {
        DetectFacesResponse? response;
        try
        {
            response = JsonSerializer.Deserialize(content, RekognitionJsonContext.Default.DetectFacesResponse);
        }
        catch (JsonException e)
        {
            return Attempt.Failed(new Failure(null, 200, $"the response is not DetectFaces JSON: {e.Message}", Retryable: false, e));
        }

        if (response?.FaceDetails is not { } details)
        {
            return Attempt.Failed(new Failure(null, 200, "the response has no FaceDetails", Retryable: false, Exception: null));
        }

        var faces = new List<FaceBox>(details.Count);
        foreach (FaceDetail detail in details)
        {
            if (detail.Confidence is { } confidence && confidence < _options.MinFaceConfidence)
            {
                continue;
            }

            // Fail closed: a face that cannot be located cannot be blurred, so the whole image waits.
            if (detail.BoundingBox is not { Left: { } left, Top: { } top, Width: { } width, Height: { } height }
                || !double.IsFinite(left) || !double.IsFinite(top) || !double.IsFinite(width) || !double.IsFinite(height))
            {
                return Attempt.Failed(new Failure(null, 200, "a face in the response has no complete BoundingBox", Retryable: false, Exception: null));
            }

            faces.Add(new FaceBox(left, top, width, height));
        }

        return Attempt.Succeeded(faces);
    }

    // The error code comes from x-amzn-ErrorType ("ThrottlingException:http://...") or the body's __type
    // ("ThrottlingException" or "com.amazonaws.rekognition#ThrottlingException").
    private static (string? Code, string? Message) ReadError(HttpResponseHeaders headers, byte[] content)
    {
        RekognitionError? error = null;
        try
        {
            error = content.Length == 0 ? null : JsonSerializer.Deserialize(content, RekognitionJsonContext.Default.RekognitionError);
        }
        catch (JsonException)
        {
            // A 5xx from a load balancer may be HTML; the status decides.
        }

        string? code = headers.TryGetValues("x-amzn-ErrorType", out IEnumerable<string>? values) && values.FirstOrDefault() is { Length: > 0 } header
            ? header.Split(':')[0]
            : error?.Type;
        if (code is not null && code.LastIndexOf('#') is var hash and >= 0)
        {
            code = code[(hash + 1)..];
        }

        return (string.IsNullOrEmpty(code) ? null : code, error?.LowerCaseMessage ?? error?.Message);
    }

    private sealed record Failure(string? ErrorCode, int? StatusCode, string? Message, bool Retryable, Exception? Exception)
    {
        public string Describe() =>
            $"{ErrorCode ?? "no error code"}{(StatusCode is { } status ? $" (HTTP {status})" : "")}: {Message ?? "no message"}";
    }

    private readonly record struct Attempt(IReadOnlyList<FaceBox>? Faces, Failure? Failure)
    {
        public static Attempt Succeeded(IReadOnlyList<FaceBox> faces) => new(faces, null);

        public static Attempt Failed(Failure failure) => new(null, failure);
    }
}
