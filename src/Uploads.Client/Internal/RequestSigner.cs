using Amazon.Runtime;
using Amazon.Runtime.Endpoints;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;
using Amazon.Util;

namespace Patterns.Cdk.Uploads.Client.Internal;

/// <summary>
/// Signs an API call with AWSSDK.Core's Signature Version 4 signer (<see cref="AWS4Signer"/>, service
/// <c>execute-api</c>): the call is described as the SDK's <see cref="DefaultRequest"/>, signed, and the signed headers
/// (host, x-amz-date, x-amz-content-sha256, x-amz-security-token, x-apigw-api-id, authorization) are copied onto the
/// <see cref="HttpRequestMessage"/> exactly as signed. No signing code of our own.
/// </summary>
internal sealed class RequestSigner
{
    internal const string ServiceName = "execute-api";
    internal const string ApiIdHeader = "x-apigw-api-id";
    private const string SecurityTokenHeader = "X-Amz-Security-Token";
    private const string ContentTypeHeader = "Content-Type";
    private const string HostHeader = "host";

    private readonly AWS4Signer _signer = new(signPayload: true);
    private readonly SigningConfig _config;
    private readonly string _region;

    public RequestSigner(string region)
    {
        _region = region;
        _config = new SigningConfig { AuthenticationRegion = region, AuthenticationServiceName = ServiceName };
    }

    /// <summary>Builds the signed request.</summary>
    /// <param name="method">GET, POST or DELETE.</param>
    /// <param name="root">Scheme, host and port.</param>
    /// <param name="path">The full URL path (stage included), already safe (letters, digits, '/', '-').</param>
    /// <param name="body">The JSON body, or null.</param>
    /// <param name="apiId">The <c>x-apigw-api-id</c> value, or null.</param>
    /// <param name="credentials">The credentials of this attempt.</param>
    /// <param name="signedAt">The signing time (UTC).</param>
    public HttpRequestMessage Sign(HttpMethod method, Uri root, string path, byte[]? body, string? apiId, ImmutableCredentials credentials, DateTime signedAt)
    {
        using var request = new DefaultRequest(new UnmarshalledRequest(), ServiceName)
        {
            HttpMethod = method.Method,
            Endpoint = root,
            ResourcePath = path,
            Content = body ?? [],
            OverrideSigningServiceName = ServiceName,
            AuthenticationRegion = _region,
        };
        if (body is not null)
        {
            request.Headers[ContentTypeHeader] = "application/json";
        }

        if (apiId is not null)
        {
            request.Headers[ApiIdHeader] = apiId;
        }

        if (credentials.UseToken)
        {
            request.Headers[SecurityTokenHeader] = credentials.Token;
        }

        AWS4SigningResult result = _signer.SignRequest(request, _config, metrics: null, credentials.AccessKey, credentials.SecretKey, signedAt);
        request.Headers["Authorization"] = result.ForAuthorizationHeader;

        var message = new HttpRequestMessage(method, new Uri(root, AWSSDKUtils.ResolveResourcePathV2(path, request.PathResources)));
        if (body is not null)
        {
            message.Content = new ByteArrayContent(body);
        }

        foreach ((string name, string value) in request.Headers)
        {
            if (string.Equals(name, ContentTypeHeader, StringComparison.OrdinalIgnoreCase))
            {
                message.Content?.Headers.TryAddWithoutValidation(ContentTypeHeader, value);
            }
            else if (string.Equals(name, HostHeader, StringComparison.OrdinalIgnoreCase))
            {
                message.Headers.Host = value; // exactly the signed value
            }
            else if (!string.Equals(name, "Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return message;
    }

    /// <summary>The marker the SDK's request type needs; it carries no data.</summary>
    private sealed class UnmarshalledRequest : AmazonWebServiceRequest;

    /// <summary>The client configuration the signer reads: only the authentication region and service name are used.</summary>
    private sealed class SigningConfig() : ClientConfig(new StandardConfigurationProvider())
    {
        public override string ServiceVersion => "uploads";

        public override string UserAgent => "patterns-cdk-uploads-client";

        public override string RegionEndpointServiceName => ServiceName;

        public override Endpoint DetermineServiceOperationEndpoint(ServiceOperationEndpointParameters parameters) =>
            throw new NotSupportedException("The upload client signs for the API URL it was given; no endpoint resolution is needed.");
    }

    private sealed class StandardConfigurationProvider : IDefaultConfigurationProvider
    {
        public IDefaultConfiguration GetDefaultConfiguration(Amazon.RegionEndpoint clientRegion, DefaultConfigurationMode? requestedConfigurationMode = null) =>
            new DefaultConfiguration { Name = DefaultConfigurationMode.Standard, RetryMode = RequestRetryMode.Standard };
    }
}
