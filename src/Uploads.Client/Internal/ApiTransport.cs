using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace Patterns.Cdk.Uploads.Client.Internal;

/// <summary>
/// Signed calls to the upload API: resolves credentials per call, signs (<see cref="RequestSigner"/>), applies the
/// per-request timeout, retries throttling, 5xx and network failures with full-jitter backoff, and maps error answers
/// to <see cref="UploadApiException"/> from the error body (<c>{"error","message",…}</c>).
/// </summary>
internal sealed class ApiTransport
{
    private readonly HttpClient _http;
    private readonly UploadClientOptions _options;
    private readonly RequestSigner _signer;
    private readonly Uri _root;
    private readonly string _basePath;
    private readonly Lazy<AWSCredentials> _credentials;

    public ApiTransport(HttpClient http, UploadClientOptions options)
    {
        _http = http;
        _options = options;
        _signer = new RequestSigner(options.Region);
        _root = new Uri(options.ApiUrl.GetLeftPart(UriPartial.Authority) + "/");
        _basePath = options.ApiUrl.AbsolutePath.TrimEnd('/');
        _credentials = new Lazy<AWSCredentials>(
            () => options.Credentials ?? DefaultAWSCredentialsIdentityResolver.GetCredentials(),
            LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public async Task<T> SendAsync<T>(HttpMethod method, string route, byte[]? body, JsonTypeInfo<T> responseType, CancellationToken ct)
    {
        (HttpStatusCode status, byte[] content) = await SendRawAsync(method, route, body, ct).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize(content, responseType) ?? throw new JsonException("null body");
        }
        catch (JsonException e)
        {
            throw new UploadApiException(status, "InvalidResponse", $"{method} {route}: the API's answer is not the expected JSON ({e.Message})");
        }
    }

    public async Task<(HttpStatusCode Status, byte[] Body)> SendRawAsync(HttpMethod method, string route, byte[]? body, CancellationToken ct)
    {
        for (int attempt = 1; ; attempt++)
        {
            bool last = attempt >= _options.MaxAttemptsPerPart;
            ImmutableCredentials credentials;
            try
            {
                credentials = await _credentials.Value.GetCredentialsAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new UploadApiException(HttpStatusCode.Unauthorized, "NoCredentials", $"Could not resolve AWS credentials to sign the call: {e.Message}");
            }

            using HttpRequestMessage request = _signer.Sign(method, _root, _basePath + route, body, _options.ApiId, credentials, _options.Clock.GetUtcNow().UtcDateTime);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            if (_options.RequestTimeout != Timeout.InfiniteTimeSpan)
            {
                deadline.CancelAfter(_options.RequestTimeout);
            }

            HttpStatusCode status;
            byte[] content;
            try
            {
                using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, deadline.Token).ConfigureAwait(false);
                status = response.StatusCode;
                content = await response.Content.ReadAsByteArrayAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is HttpRequestException or IOException or OperationCanceledException)
            {
                if (last)
                {
                    throw new UploadApiException(HttpStatusCode.ServiceUnavailable, "NetworkError", $"{method} {route}: no answer after {attempt} attempts ({Describe(e)})");
                }

                await Task.Delay(Backoff.Delay(_options.RetryBaseDelay, attempt), ct).ConfigureAwait(false);
                continue;
            }

            if ((int)status is >= 200 and <= 299)
            {
                return (status, content);
            }

            if (IsTransient(status) && !last)
            {
                await Task.Delay(Backoff.Delay(_options.RetryBaseDelay, attempt), ct).ConfigureAwait(false);
                continue;
            }

            throw ToException(method, route, status, content);
        }
    }

    internal static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable
            or HttpStatusCode.GatewayTimeout or HttpStatusCode.InternalServerError or HttpStatusCode.RequestTimeout;

    internal static UploadApiException ToException(HttpMethod method, string route, HttpStatusCode status, byte[] content)
    {
        ErrorBody? error = null;
        try
        {
            error = content.Length == 0 ? null : JsonSerializer.Deserialize(content, ApiJson.Default.ErrorBody);
        }
        catch (JsonException)
        {
            // not the API's error shape (a gateway answer without a body, an HTML page): described by status only
        }

        if (error?.Error is { Length: > 0 } code)
        {
            return new UploadApiException(status, code, error.Message ?? code)
            {
                MissingParts = error.MissingParts,
                State = error.State,
                AllowedContentTypes = error.Allowed,
                MaxBytes = error.MaxBytes,
            };
        }

        // API Gateway's own answers ({"message":"..."}: missing auth, policy deny) carry only a message.
        string message = error?.Message ?? string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)status} {status}");
        return new UploadApiException(status, "HttpError", $"{method} {route}: {message}");
    }

    private static string Describe(Exception e) => e is OperationCanceledException ? "timed out" : e.Message;
}
