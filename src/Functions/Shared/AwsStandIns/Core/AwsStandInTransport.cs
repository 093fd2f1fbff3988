using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace Patterns.Cdk.Functions.AwsStandIns;

/// <summary>
/// The one transport of every stand-in client (<c>AmazonSecretsManagerClientStandIn</c>, <c>AmazonLambdaClientStandIn</c>,
/// <c>AmazonRekognitionClientStandIn</c>, each in its own assembly next to this one): resolves credentials for each
/// call (the SDK's default chain caches and refreshes them), signs with <see cref="AwsRequestSigner"/>, sends with the
/// call's own timeout, and turns every failure into an <see cref="AwsStandInException"/> classified as transient
/// (throttling, 5xx, network errors, timeouts) or permanent (other 4xx, unusable credentials), with the error code and
/// message parsed from the service's JSON error shape. A 2xx answer is returned as it is.
/// </summary>
public sealed class AwsStandInTransport
{
    private static readonly Lazy<HttpClient> SharedHttp = new(() => new HttpClient(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan, // each call has its own timeout
    });

    private readonly HttpClient _http;
    private readonly Func<AWSCredentials> _credentials;
    private readonly AwsRequestSigner _signer;
    private readonly TimeProvider _clock;

    /// <param name="http">Sends the requests (not disposed here).</param>
    /// <param name="credentials">Gives the signing credentials, asked before every call.</param>
    /// <param name="serviceName">The signing name (<c>secretsmanager</c>, <c>lambda</c>, <c>rekognition</c>).</param>
    /// <param name="region">The region of the endpoint and of the credential scope.</param>
    /// <param name="endpoint">Scheme, host and port of the service (<see cref="AwsEndpoints.Resolve"/>).</param>
    /// <param name="clock">The signing time.</param>
    public AwsStandInTransport(HttpClient http, Func<AWSCredentials> credentials, string serviceName, string region, Uri endpoint, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(clock);
        _http = http;
        _credentials = credentials;
        _signer = new AwsRequestSigner(serviceName, region);
        Endpoint = endpoint;
        _clock = clock;
    }

    /// <summary>Where the requests go.</summary>
    public Uri Endpoint { get; }

    /// <summary>
    /// The transport of a Lambda function: one pooled HTTP client for all services, the SDK's default credential chain
    /// (the function role's credentials from the environment) and the regional endpoint of <paramref name="endpointPrefix"/>,
    /// or <paramref name="endpointOverride"/> when given (tests).
    /// </summary>
    public static AwsStandInTransport CreateDefault(string serviceName, string endpointPrefix, string region, Uri? endpointOverride = null) =>
        new(
            SharedHttp.Value,
            static () => DefaultAWSCredentialsIdentityResolver.GetCredentials(),
            serviceName,
            region,
            AwsEndpoints.Resolve(endpointPrefix, region, endpointOverride),
            TimeProvider.System);

    /// <summary>Signs and sends a POST and returns the 2xx answer.</summary>
    /// <param name="operation">The operation's name, for error messages (<c>DetectFaces</c>).</param>
    /// <param name="resourcePath">The URL path with <c>{Name}</c> placeholders.</param>
    /// <param name="pathResources">The placeholder values, encoded as the SDK encodes them.</param>
    /// <param name="headers">Headers to send and sign.</param>
    /// <param name="body">The exact bytes to send.</param>
    /// <param name="timeout">How long the call may take, answer included.</param>
    /// <param name="cancellationToken">The caller's cancellation: it is thrown as it is, never classified.</param>
    /// <exception cref="AwsStandInException">Anything but a 2xx answer, a timeout included.</exception>
    public async Task<AwsResponse> PostAsync(
        string operation,
        string resourcePath,
        IReadOnlyDictionary<string, string> pathResources,
        IReadOnlyList<KeyValuePair<string, string>> headers,
        byte[] body,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        AwsResponse response = await SendAsync(operation, resourcePath, pathResources, headers, body, timeout, cancellationToken);
        return response.IsSuccess ? response : throw AwsErrors.FromResponse(operation, response);
    }

    /// <summary>
    /// Signs and sends a POST and returns the answer whatever its status, for a client whose service puts data the
    /// caller needs into an error answer (MWAA's <c>RestApiClientException</c> carries the Airflow status code). Such a
    /// client reads the modelled errors itself and turns the rest into <see cref="AwsErrors.FromResponse"/>.
    /// </summary>
    /// <exception cref="AwsStandInException">No answer: credentials, network errors, the timeout.</exception>
    public async Task<AwsResponse> SendAsync(
        string operation,
        string resourcePath,
        IReadOnlyDictionary<string, string> pathResources,
        IReadOnlyList<KeyValuePair<string, string>> headers,
        byte[] body,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        ImmutableCredentials credentials;
        try
        {
            credentials = await _credentials().GetCredentialsAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new AwsStandInException(operation, AwsErrorKind.Permanent, null, null, "could not resolve AWS credentials", e);
        }

        using HttpRequestMessage request = _signer.CreateSignedPost(Endpoint, resourcePath, pathResources, headers, body, credentials, _clock.GetUtcNow().UtcDateTime);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        AwsResponse response;
        try
        {
            using HttpResponseMessage message = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, deadline.Token);
            byte[] content = await message.Content.ReadAsByteArrayAsync(deadline.Token);
            response = new AwsResponse(message.StatusCode, message.Headers, content);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AwsStandInException(
                operation, AwsErrorKind.Transient, null, null, string.Create(CultureInfo.InvariantCulture, $"no response within {timeout.TotalSeconds:0.###} s"), e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new AwsStandInException(operation, AwsErrorKind.Transient, null, null, $"network error: {e.Message}", e);
        }

        return response;
    }

    /// <summary>Reads a 2xx JSON body; a body that is not that JSON is a permanent failure whose message quotes nothing of it.</summary>
    /// <exception cref="AwsStandInException">The body is not <typeparamref name="T"/> JSON.</exception>
    public static T ReadJson<T>(string operation, AwsResponse response, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(response);
        try
        {
            return JsonSerializer.Deserialize(response.Body, typeInfo)
                ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            // Only the exception's type: its message can quote the body (a secret, for Secrets Manager).
            throw new AwsStandInException(operation, AwsErrorKind.Permanent, null, (int)response.Status, $"the response is not {operation} JSON ({e.GetType().Name})");
        }
    }
}

/// <summary>A service's answer: status, headers and body bytes.</summary>
public sealed class AwsResponse(HttpStatusCode status, HttpResponseHeaders headers, byte[] body)
{
    /// <summary>The HTTP status.</summary>
    public HttpStatusCode Status { get; } = status;

    /// <summary>The response headers.</summary>
    public HttpResponseHeaders Headers { get; } = headers;

    /// <summary>The body bytes.</summary>
    public byte[] Body { get; } = body;

    /// <summary>Whether the status is 2xx.</summary>
    public bool IsSuccess => (int)Status is >= 200 and <= 299;

    /// <summary>The first value of a response header, or null.</summary>
    public string? Header(string name) => Headers.TryGetValues(name, out IEnumerable<string>? values) ? values.FirstOrDefault() : null;
}
