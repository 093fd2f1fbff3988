using System.Net;
using System.Net.Http.Headers;
using Amazon.Runtime;
using Patterns.Cdk.Functions.Shared;
using Amazon.Runtime.Credentials;

namespace Patterns.Cdk.Functions.ApiPoller.Aws;

/// <summary>
/// The transport shared by the stand-in clients (<c>SecretsManagerClientStandIn</c>, <c>LambdaInvokerStandIn</c>):
/// resolves credentials for each call (the SDK's default chain caches and refreshes them), signs with
/// <see cref="AwsRequestSigner"/>, sends with its own timeout and returns the status, headers and body.
/// </summary>
internal sealed class AwsStandInTransport
{
    private static readonly Lazy<HttpClient> SharedHttp = new(() => new HttpClient(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        AllowAutoRedirect = false,
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
    /// <param name="serviceName">The signing name (<c>secretsmanager</c>, <c>lambda</c>).</param>
    /// <param name="region">The region of the endpoint and of the credential scope.</param>
    /// <param name="endpoint">Scheme, host and port of the service.</param>
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

    public Uri Endpoint { get; }

    /// <summary>The transport of a Lambda function: one pooled HTTP client and the SDK's default credential chain.</summary>
    public static AwsStandInTransport CreateDefault(string serviceName, string region, Uri endpoint) =>
        new(SharedHttp.Value, static () => DefaultAWSCredentialsIdentityResolver.GetCredentials(), serviceName, region, endpoint, TimeProvider.System);

    /// <summary>Signs and sends a POST; returns whatever the service answered (a timeout or a network error is thrown).</summary>
    public async Task<AwsResponse> PostAsync(
        string resourcePath,
        IReadOnlyDictionary<string, string> pathResources,
        IReadOnlyList<KeyValuePair<string, string>> headers,
        byte[] body,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        ImmutableCredentials credentials = await _credentials().GetCredentialsAsync();
        using HttpRequestMessage request = _signer.CreateSignedPost(Endpoint, resourcePath, pathResources, headers, body, credentials, _clock.GetUtcNow().UtcDateTime);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, deadline.Token);
        byte[] content = await response.Content.ReadAsByteArrayAsync(deadline.Token);
        return new AwsResponse(response.StatusCode, response.Headers, content);
    }
}

/// <summary>A service's answer: status, headers and body bytes.</summary>
internal sealed record AwsResponse(HttpStatusCode Status, HttpResponseHeaders Headers, byte[] Body)
{
    public bool IsSuccess => (int)Status is >= 200 and <= 299;

    public string? Header(string name) => Headers.TryGetValues(name, out IEnumerable<string>? values) ? values.FirstOrDefault() : null;
}
