using Amazon.Runtime;
using Amazon.Runtime.Endpoints;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;
using Amazon.Runtime.Internal.Util;
using Amazon.Util;

namespace Patterns.Cdk.Functions.AwsStandIns;

/// <summary>
/// Signs a POST to an AWS service with AWSSDK.Core's own Signature Version 4 implementation (<see cref="AWS4Signer"/>),
/// for the stand-in clients of services whose SDK package this build cannot reference (Rekognition, Secrets Manager,
/// Lambda Invoke): one signer for all of them, so swapping a stand-in for the official client removes only its caller.
/// The request is described as the SDK's <see cref="DefaultRequest"/>, signed for <see cref="ServiceName"/> in
/// <see cref="Region"/>, and the signed headers are copied onto the <see cref="HttpRequestMessage"/>. Every header set
/// before signing is signed. Credentials and signatures are never logged.
/// </summary>
public sealed class AwsRequestSigner
{
    /// <summary>The header that carries a session token; signed with the rest.</summary>
    public const string SecurityTokenHeader = "X-Amz-Security-Token";
    private const string ContentTypeHeader = "Content-Type";
    private const string HostHeader = "host";

    private readonly AWS4Signer _signer = new(signPayload: true);
    private readonly SigningConfig _config;

    /// <summary>A signer for <paramref name="serviceName"/> (the SigV4 signing name, e.g. <c>rekognition</c>) in <paramref name="region"/>.</summary>
    public AwsRequestSigner(string serviceName, string region)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceName);
        ArgumentException.ThrowIfNullOrEmpty(region);
        ServiceName = serviceName;
        Region = region;
        _config = new SigningConfig(serviceName) { AuthenticationRegion = region, AuthenticationServiceName = serviceName };
    }

    /// <summary>The SigV4 signing name of the service.</summary>
    public string ServiceName { get; }

    /// <summary>The region the requests are signed for.</summary>
    public string Region { get; }

    /// <summary>Signs a POST of <paramref name="body"/> to <paramref name="endpoint"/> + <paramref name="resourcePath"/>.</summary>
    /// <param name="endpoint">Scheme, host and port; any path is ignored.</param>
    /// <param name="resourcePath">The URL path, with <c>{Name}</c> placeholders for <paramref name="pathResources"/>
    /// (for example <c>/</c> or <c>/2015-03-31/functions/{FunctionName}/invocations</c>).</param>
    /// <param name="pathResources">Placeholder values, encoded by the SDK exactly as its own clients encode them.</param>
    /// <param name="headers">Headers to send and sign.</param>
    /// <param name="body">The exact bytes to send.</param>
    /// <param name="credentials">The credentials of this attempt.</param>
    /// <param name="signedAt">The signing time (UTC).</param>
    public HttpRequestMessage CreateSignedPost(
        Uri endpoint,
        string resourcePath,
        IReadOnlyDictionary<string, string> pathResources,
        IReadOnlyList<KeyValuePair<string, string>> headers, byte[] body, ImmutableCredentials credentials, DateTime signedAt)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentException.ThrowIfNullOrEmpty(resourcePath);
        ArgumentNullException.ThrowIfNull(pathResources);
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(credentials);
        var root = new Uri(endpoint.GetLeftPart(UriPartial.Authority) + "/");
        using var request = new DefaultRequest(new UnmarshalledRequest(), ServiceName)
        {
            HttpMethod = "POST",
            Endpoint = root,
            ResourcePath = resourcePath,
            Content = body,
            OverrideSigningServiceName = ServiceName,
            AuthenticationRegion = Region,
        };
        foreach ((string name, string value) in pathResources)
        {
            request.AddPathResource(name, value);
        }

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

        var message = new HttpRequestMessage(HttpMethod.Post, new Uri(root, AWSSDKUtils.ResolveResourcePathV2(resourcePath, request.PathResources))) { Content = new ByteArrayContent(body) };
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

    /// <summary>The client configuration the signer reads: only the authentication region and service name are used.</summary>
    private sealed class SigningConfig(string serviceName) : ClientConfig(new StandardConfigurationProvider())
    {
        public override string ServiceVersion => "stand-in";

        public override string UserAgent => "patterns-cdk-stand-in";

        public override string RegionEndpointServiceName => serviceName;

        public override Endpoint DetermineServiceOperationEndpoint(ServiceOperationEndpointParameters parameters) =>
            throw new NotSupportedException("The stand-in clients sign for a fixed endpoint; no endpoint resolution is needed.");
    }

    private sealed class StandardConfigurationProvider : IDefaultConfigurationProvider
    {
        public IDefaultConfiguration GetDefaultConfiguration(Amazon.RegionEndpoint clientRegion, DefaultConfigurationMode? requestedConfigurationMode = null) =>
            new DefaultConfiguration { Name = DefaultConfigurationMode.Standard, RetryMode = RequestRetryMode.Standard };
    }
}
