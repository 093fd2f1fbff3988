using System.Text.Json.Serialization;

namespace Patterns.Cdk.Functions.Shared;

/// <summary>
/// The event an API Gateway HTTP API sends to a Lambda proxy integration, payload format version 2.0
/// (wire-compatible with <c>Amazon.Lambda.APIGatewayEvents.APIGatewayHttpApiV2ProxyRequest</c>). Header names arrive
/// lower-cased; repeated headers and query parameters arrive comma-joined.
/// </summary>
public sealed record HttpApiV2Request
{
    [JsonPropertyName("version")]
    public string? Version { get; init; }

    /// <summary><c>"POST /jobs"</c>, <c>"GET /jobs/{id}"</c>, or <c>"$default"</c>.</summary>
    [JsonPropertyName("routeKey")]
    public string? RouteKey { get; init; }

    [JsonPropertyName("rawPath")]
    public required string RawPath { get; init; }

    [JsonPropertyName("rawQueryString")]
    public string? RawQueryString { get; init; }

    [JsonPropertyName("cookies")]
    public IReadOnlyList<string>? Cookies { get; init; }

    [JsonPropertyName("headers")]
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    [JsonPropertyName("queryStringParameters")]
    public IReadOnlyDictionary<string, string>? QueryStringParameters { get; init; }

    [JsonPropertyName("pathParameters")]
    public IReadOnlyDictionary<string, string>? PathParameters { get; init; }

    [JsonPropertyName("stageVariables")]
    public IReadOnlyDictionary<string, string>? StageVariables { get; init; }

    [JsonPropertyName("requestContext")]
    public required HttpApiV2RequestContext RequestContext { get; init; }

    [JsonPropertyName("body")]
    public string? Body { get; init; }

    [JsonPropertyName("isBase64Encoded")]
    public bool IsBase64Encoded { get; init; }

    /// <summary>The value of a header, whatever the case of <paramref name="name"/> (API Gateway sends lower-case names).</summary>
    public string? Header(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (Headers is null)
        {
            return null;
        }

        if (Headers.TryGetValue(name, out string? value) || Headers.TryGetValue(name.ToLowerInvariant(), out value))
        {
            return value;
        }

        return Headers.FirstOrDefault(pair => string.Equals(pair.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
    }
}

/// <summary><c>requestContext</c> (official: <c>APIGatewayHttpApiV2ProxyRequest.ProxyRequestContext</c>).</summary>
public sealed record HttpApiV2RequestContext
{
    [JsonPropertyName("accountId")]
    public string? AccountId { get; init; }

    [JsonPropertyName("apiId")]
    public string? ApiId { get; init; }

    [JsonPropertyName("authorizer")]
    public HttpApiV2Authorizer? Authorizer { get; init; }

    [JsonPropertyName("domainName")]
    public string? DomainName { get; init; }

    [JsonPropertyName("domainPrefix")]
    public string? DomainPrefix { get; init; }

    [JsonPropertyName("http")]
    public required HttpApiV2Http Http { get; init; }

    [JsonPropertyName("requestId")]
    public string? RequestId { get; init; }

    [JsonPropertyName("routeKey")]
    public string? RouteKey { get; init; }

    [JsonPropertyName("stage")]
    public string? Stage { get; init; }

    [JsonPropertyName("time")]
    public string? Time { get; init; }

    [JsonPropertyName("timeEpoch")]
    public long? TimeEpoch { get; init; }
}

/// <summary><c>requestContext.http</c> (official: <c>HttpDescription</c>).</summary>
public sealed record HttpApiV2Http
{
    [JsonPropertyName("method")]
    public required string Method { get; init; }

    [JsonPropertyName("path")]
    public string? Path { get; init; }

    [JsonPropertyName("protocol")]
    public string? Protocol { get; init; }

    [JsonPropertyName("sourceIp")]
    public string? SourceIp { get; init; }

    [JsonPropertyName("userAgent")]
    public string? UserAgent { get; init; }
}

/// <summary><c>requestContext.authorizer</c> (official: <c>AuthorizerDescription</c>); only IAM authorization is modelled.</summary>
public sealed record HttpApiV2Authorizer
{
    [JsonPropertyName("iam")]
    public HttpApiV2Iam? Iam { get; init; }
}

/// <summary><c>requestContext.authorizer.iam</c>: the SigV4-authenticated caller (official: <c>IAMDescription</c>).</summary>
public sealed record HttpApiV2Iam
{
    [JsonPropertyName("accessKey")]
    public string? AccessKey { get; init; }

    [JsonPropertyName("accountId")]
    public string? AccountId { get; init; }

    [JsonPropertyName("callerId")]
    public string? CallerId { get; init; }

    [JsonPropertyName("cognitoIdentity")]
    public HttpApiV2CognitoIdentity? CognitoIdentity { get; init; }

    [JsonPropertyName("principalOrgId")]
    public string? PrincipalOrgId { get; init; }

    [JsonPropertyName("userArn")]
    public string? UserArn { get; init; }

    [JsonPropertyName("userId")]
    public string? UserId { get; init; }
}

/// <summary><c>requestContext.authorizer.iam.cognitoIdentity</c> (official: <c>CognitoIdentityDescription</c>).</summary>
public sealed record HttpApiV2CognitoIdentity
{
    [JsonPropertyName("amr")]
    public IReadOnlyList<string>? Amr { get; init; }

    [JsonPropertyName("identityId")]
    public string? IdentityId { get; init; }

    [JsonPropertyName("identityPoolId")]
    public string? IdentityPoolId { get; init; }
}

/// <summary>
/// The structured response of a payload format 2.0 integration (official: <c>APIGatewayHttpApiV2ProxyResponse</c>).
/// </summary>
public sealed record HttpApiV2Response
{
    [JsonPropertyName("statusCode")]
    public required int StatusCode { get; init; }

    [JsonPropertyName("headers")]
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    [JsonPropertyName("cookies")]
    public IReadOnlyList<string>? Cookies { get; init; }

    [JsonPropertyName("body")]
    public string? Body { get; init; }

    [JsonPropertyName("isBase64Encoded")]
    public bool IsBase64Encoded { get; init; }
}
