using Amazon.Runtime;
using Amazon.Runtime.Endpoints;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;

namespace Patterns.Cdk.Functions.FaceBlurPipeline.Detection;

/// <summary>
/// Signs a Rekognition JSON-protocol request with the AWS SDK's own Signature Version 4 implementation
/// (<see cref="AWS4Signer"/> from AWSSDK.Core): the request is described as the SDK's <see cref="DefaultRequest"/>,
/// signed for service <c>rekognition</c> in the configured region, and the resulting headers (<c>Authorization</c>,
/// <c>X-Amz-Date</c>, <c>X-Amz-Content-SHA256</c>, <c>host</c> and, for temporary credentials, <c>X-Amz-Security-Token</c>)
/// are copied onto the <see cref="HttpRequestMessage"/>. Every header set before signing is signed.
/// </summary>
internal sealed class RekognitionRequestSigner
{
    public const string ServiceName = "rekognition";
    public const string SecurityTokenHeader = "X-Amz-Security-Token";
    private const string ContentTypeHeader = "Content-Type";
    private const string HostHeader = "host";

    private readonly AWS4Signer _signer = new(signPayload: true);
    private readonly SigningConfig _config;

    public RekognitionRequestSigner(string region)
    {
        ArgumentException.ThrowIfNullOrEmpty(region);
        Region = region;
        _config = new SigningConfig { AuthenticationRegion = region, AuthenticationServiceName = ServiceName };
    }

    public string Region { get; }

    /// <summary>Signs a POST of <paramref name="body"/> to <paramref name="endpoint"/> (path <c>/</c>) and returns the message to send.</summary>
    /// <param name="endpoint">Scheme, host and port; any path is ignored.</param>
    /// <param name="headers">Headers to send and sign (<c>X-Amz-Target</c>, <c>Content-Type</c>).</param>
    /// <param name="body">The exact bytes to send.</param>
    /// <param name="credentials">The credentials of this attempt.</param>
    /// <param name="signedAt">The signing time (UTC).</param>
    public HttpRequestMessage CreateSignedPost(Uri endpoint, IReadOnlyList<KeyValuePair<string, string>> headers, byte[] body, ImmutableCredentials credentials, DateTime signedAt)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(credentials);
        var root = new Uri(endpoint.GetLeftPart(UriPartial.Authority) + "/");
        using var request = new DefaultRequest(new UnmarshalledRequest(), "Rekognition")
        {
            HttpMethod = "POST",
            Endpoint = root,
            ResourcePath = "/",
            Content = body,
            OverrideSigningServiceName = ServiceName,
            AuthenticationRegion = Region,
        };
        foreach ((string name, string value) in headers)
        {
            request.Headers[name] = value;
        }

        if (credentials.UseToken)
        {
            request.Headers[SecurityTokenHeader] = credentials.Token;
        }

        AWS4SigningResult result = _signer.SignRequest(request, _config, metrics: null, credentials.AccessKey, credentials.SecretKey, signedAt);
        request.Headers["Authorization"] = result.ForAuthorizationHeader;

        var message = new HttpRequestMessage(HttpMethod.Post, root) { Content = new ByteArrayContent(body) };
        foreach ((string name, string value) in request.Headers)
        {
            if (string.Equals(name, ContentTypeHeader, StringComparison.OrdinalIgnoreCase))
            {
                message.Content.Headers.TryAddWithoutValidation(ContentTypeHeader, value);
            }
            else if (string.Equals(name, HostHeader, StringComparison.OrdinalIgnoreCase))
            {
                message.Headers.Host = value; // exactly the signed value
            }
            else
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return message;
    }

    /// <summary>The marker the SDK's request type needs; it carries no data.</summary>
    private sealed class UnmarshalledRequest : AmazonWebServiceRequest;

    /// <summary>
    /// The client configuration the signer reads: only the authentication region and service name are used
    /// (endpoint resolution is never asked for, as the signing service name is given on the request).
    /// </summary>
    private sealed class SigningConfig() : ClientConfig(new StandardConfigurationProvider())
    {
        public override string ServiceVersion => "2016-06-27";

        public override string UserAgent => "patterns-cdk-face-blur";

        public override string RegionEndpointServiceName => ServiceName;

        public override Endpoint DetermineServiceOperationEndpoint(ServiceOperationEndpointParameters parameters) =>
            throw new NotSupportedException("The Rekognition stand-in signs for a fixed endpoint; no endpoint resolution is needed.");
    }

    private sealed class StandardConfigurationProvider : IDefaultConfigurationProvider
    {
        public IDefaultConfiguration GetDefaultConfiguration(Amazon.RegionEndpoint clientRegion, DefaultConfigurationMode? requestedConfigurationMode = null) =>
            new DefaultConfiguration { Name = DefaultConfigurationMode.Standard, RetryMode = RequestRetryMode.Standard };
    }
}
