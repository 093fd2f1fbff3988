using System.Text.Json.Serialization;

namespace Patterns.Cdk.Functions.Shared;

/// <summary>
/// The event an API Gateway REST API sends to a Lambda proxy integration, payload format version 1.0
/// (wire-compatible with <c>Amazon.Lambda.APIGatewayEvents.APIGatewayProxyRequest</c>). Header names arrive as the
/// client sent them (any case); repeated headers and query parameters are in the <c>multiValue...</c> members, and the
/// single-value members hold the last value.
/// </summary>
public sealed record RestApiProxyRequest
{
    /// <summary>The API's resource path template, for example <c>/settlements/{claimId}</c>.</summary>
    [JsonPropertyName("resource")]
    public string? Resource { get; init; }

    /// <summary>The request path, for example <c>/settlements/CLM-1</c> (with a custom domain, after its base path).</summary>
    [JsonPropertyName("path")]
    public required string Path { get; init; }

    [JsonPropertyName("httpMethod")]
    public required string HttpMethod { get; init; }

    [JsonPropertyName("headers")]
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    [JsonPropertyName("multiValueHeaders")]
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? MultiValueHeaders { get; init; }

    [JsonPropertyName("queryStringParameters")]
    public IReadOnlyDictionary<string, string>? QueryStringParameters { get; init; }

    [JsonPropertyName("multiValueQueryStringParameters")]
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? MultiValueQueryStringParameters { get; init; }

    /// <summary>The values of the path template's variables, URL-decoded (<c>{"claimId":"CLM-1"}</c>).</summary>
    [JsonPropertyName("pathParameters")]
    public IReadOnlyDictionary<string, string>? PathParameters { get; init; }

    [JsonPropertyName("stageVariables")]
    public IReadOnlyDictionary<string, string>? StageVariables { get; init; }

    [JsonPropertyName("requestContext")]
    public RestApiProxyRequestContext? RequestContext { get; init; }

    [JsonPropertyName("body")]
    public string? Body { get; init; }

    [JsonPropertyName("isBase64Encoded")]
    public bool IsBase64Encoded { get; init; }

    /// <summary>The value of a header, whatever the case of its name (REST APIs keep the client's spelling).</summary>
    public string? Header(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (Headers is null)
        {
            return null;
        }

        if (Headers.TryGetValue(name, out string? value))
        {
            return value;
        }

        foreach (KeyValuePair<string, string> pair in Headers)
        {
            if (string.Equals(pair.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return pair.Value;
            }
        }

        return null;
    }
}

/// <summary><c>requestContext</c> (official: <c>APIGatewayProxyRequest.ProxyRequestContext</c>).</summary>
public sealed record RestApiProxyRequestContext
{
    [JsonPropertyName("accountId")]
    public string? AccountId { get; init; }

    [JsonPropertyName("apiId")]
    public string? ApiId { get; init; }

    [JsonPropertyName("resourceId")]
    public string? ResourceId { get; init; }

    [JsonPropertyName("resourcePath")]
    public string? ResourcePath { get; init; }

    [JsonPropertyName("httpMethod")]
    public string? HttpMethod { get; init; }

    [JsonPropertyName("path")]
    public string? Path { get; init; }

    [JsonPropertyName("stage")]
    public string? Stage { get; init; }

    /// <summary>API Gateway's id of the request (also in its access log as <c>$context.requestId</c>).</summary>
    [JsonPropertyName("requestId")]
    public string? RequestId { get; init; }

    [JsonPropertyName("extendedRequestId")]
    public string? ExtendedRequestId { get; init; }

    [JsonPropertyName("requestTime")]
    public string? RequestTime { get; init; }

    [JsonPropertyName("requestTimeEpoch")]
    public long? RequestTimeEpoch { get; init; }

    [JsonPropertyName("protocol")]
    public string? Protocol { get; init; }

    [JsonPropertyName("domainName")]
    public string? DomainName { get; init; }

    [JsonPropertyName("domainPrefix")]
    public string? DomainPrefix { get; init; }

    [JsonPropertyName("identity")]
    public RestApiProxyIdentity? Identity { get; init; }
}

/// <summary>
/// <c>requestContext.identity</c> (official: <c>RequestIdentity</c>). With IAM authorization, <see cref="UserArn"/>,
/// <see cref="Caller"/> and <see cref="AccessKey"/> name the SigV4-authenticated caller.
/// </summary>
public sealed record RestApiProxyIdentity
{
    [JsonPropertyName("accountId")]
    public string? AccountId { get; init; }

    [JsonPropertyName("caller")]
    public string? Caller { get; init; }

    [JsonPropertyName("user")]
    public string? User { get; init; }

    [JsonPropertyName("userArn")]
    public string? UserArn { get; init; }

    [JsonPropertyName("accessKey")]
    public string? AccessKey { get; init; }

    [JsonPropertyName("principalOrgId")]
    public string? PrincipalOrgId { get; init; }

    [JsonPropertyName("sourceIp")]
    public string? SourceIp { get; init; }

    [JsonPropertyName("userAgent")]
    public string? UserAgent { get; init; }

    [JsonPropertyName("vpceId")]
    public string? VpceId { get; init; }

    [JsonPropertyName("vpcId")]
    public string? VpcId { get; init; }

    [JsonPropertyName("cognitoIdentityId")]
    public string? CognitoIdentityId { get; init; }

    [JsonPropertyName("cognitoIdentityPoolId")]
    public string? CognitoIdentityPoolId { get; init; }

    [JsonPropertyName("cognitoAuthenticationType")]
    public string? CognitoAuthenticationType { get; init; }

    [JsonPropertyName("cognitoAuthenticationProvider")]
    public string? CognitoAuthenticationProvider { get; init; }
}

/// <summary>
/// The response of a REST API Lambda proxy integration (official: <c>APIGatewayProxyResponse</c>): API Gateway passes
/// the status code, the headers and the body through unchanged.
/// </summary>
public sealed record RestApiProxyResponse
{
    [JsonPropertyName("statusCode")]
    public required int StatusCode { get; init; }

    [JsonPropertyName("headers")]
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    [JsonPropertyName("multiValueHeaders")]
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? MultiValueHeaders { get; init; }

    [JsonPropertyName("body")]
    public string? Body { get; init; }

    [JsonPropertyName("isBase64Encoded")]
    public bool IsBase64Encoded { get; init; }
}
