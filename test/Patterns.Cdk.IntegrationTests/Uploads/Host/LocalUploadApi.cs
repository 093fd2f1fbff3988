using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.IntegrationTests.Uploads.Host;

/// <summary>
/// A test caller: an IAM role session with its own keys. API Gateway puts <c>{RoleId}:{SessionName}</c> into
/// <c>requestContext.identity.user</c> for an assumed-role caller (unverified against AWS here; see the design notes).
/// </summary>
public sealed record ApiCaller(string AccessKey, string SecretKey, string AccountId, string RoleId, string SessionName)
{
    public AWSCredentials Credentials => new BasicAWSCredentials(AccessKey, SecretKey);

    /// <summary>The key scope the handlers derive for this caller: <c>{accountId}/{role id}</c>.</summary>
    public string Scope => $"{AccountId}/{RoleId}";

    public RestApiProxyIdentity Identity => new()
    {
        AccountId = AccountId,
        Caller = $"{RoleId}:{SessionName}",
        User = $"{RoleId}:{SessionName}",
        UserArn = $"arn:aws:sts::{AccountId}:assumed-role/uploader/{SessionName}",
        AccessKey = AccessKey,
        SourceIp = "127.0.0.1",
        VpceId = "vpce-0123456789abcdef0",
    };
}

/// <summary>One invocation the host made: which function, for which route, and what it answered.</summary>
public sealed record ApiInvocation(string Function, string Method, string Resource, string Path, int Status, string? Body);

/// <summary>
/// A stand-in for the private REST API (stage <c>v1</c>, IAM auth on every method, Lambda proxy integrations) on
/// 127.0.0.1: it verifies each request's SigV4 signature (service <c>execute-api</c>) with the keys of the known
/// <see cref="ApiCaller"/>s, puts that caller's identity into the request context, builds the proxy event of the
/// matching route (path parameters, binary bodies base64 for <see cref="BinaryMediaTypes"/>) and calls the route's
/// function in-process through <c>invoke(functionName, eventJson)</c>.
/// Not modelled: the resource policy and VPC endpoint (every caller is taken to come through the endpoint), request
/// validation models (the handlers validate everything themselves), throttling.
/// </summary>
public sealed class LocalUploadApi : LoopbackServer
{
    public const string Stage = "v1";

    /// <summary>API Gateway's payload limit.</summary>
    public const int MaxRequestBytes = 10 * 1024 * 1024;

    /// <summary>Lambda's synchronous invocation payload limit (6 MB).</summary>
    public const int MaxInvokePayloadBytes = 6 * 1024 * 1024;

    private static readonly (string Method, string Resource, string Function)[] Routes =
    [
        ("POST", "/uploads", "UploadSessions"),
        ("POST", "/uploads/{id}/parts", "UploadSessions"),
        ("GET", "/uploads/{id}", "UploadSessions"),
        ("DELETE", "/uploads/{id}", "UploadSessions"),
        ("POST", "/uploads/{id}/complete", "UploadCompleter"),
        ("PUT", "/files/{fileName}", "DirectUpload"),
    ];

    private static readonly JsonSerializerOptions EventJson = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    private readonly Dictionary<string, ApiCaller> _callers;
    private readonly Func<string, string, Task<string>> _invoke;
    private readonly ConcurrentQueue<ApiInvocation> _invocations = new();

    /// <param name="callers">Who may call (by access key).</param>
    /// <param name="binaryMediaTypes">Content types whose bodies reach the function base64-encoded.</param>
    /// <param name="invoke">Calls a function by name (<c>UploadSessions</c>, <c>UploadCompleter</c>, <c>DirectUpload</c>) with the event JSON; returns its response JSON.</param>
    public LocalUploadApi(IEnumerable<ApiCaller> callers, IEnumerable<string> binaryMediaTypes, Func<string, string, Task<string>> invoke)
    {
        _callers = callers.ToDictionary(c => c.AccessKey, StringComparer.Ordinal);
        BinaryMediaTypes = binaryMediaTypes.ToHashSet(StringComparer.OrdinalIgnoreCase);
        _invoke = invoke;
    }

    public string Region { get; init; } = "us-east-1";

    public string ApiId { get; init; } = "a1b2c3d4e5";

    public IReadOnlySet<string> BinaryMediaTypes { get; }

    /// <summary>The invoke URL, <c>http://127.0.0.1:port/v1/</c>.</summary>
    public Uri InvokeUrl => new(Url, Stage + "/");

    public IReadOnlyList<ApiInvocation> Invocations => [.. _invocations];

    /// <summary>Exceptions the functions threw (API Gateway answers those with 502).</summary>
    public ConcurrentQueue<Exception> FunctionErrors { get; } = new();

    protected override async Task ServeAsync(HttpListenerContext context)
    {
        HttpListenerRequest request = context.Request;
        if (request.ContentLength64 > MaxRequestBytes)
        {
            await JsonAsync(context, 413, """{"message":"Request Too Long"}""");
            return;
        }

        byte[] body = await ReadBodyAsync(request);
        if (body.Length > MaxRequestBytes)
        {
            await JsonAsync(context, 413, """{"message":"Request Too Long"}""");
            return;
        }

        string raw = request.RawUrl ?? "/";
        int q = raw.IndexOf('?', StringComparison.Ordinal);
        string rawPath = q < 0 ? raw : raw[..q];
        string rawQuery = q < 0 ? string.Empty : raw[(q + 1)..];

        (ApiCaller? caller, string? authProblem) = Authenticate(request, rawPath, rawQuery, body);
        if (caller is null)
        {
            await JsonAsync(context, 403, JsonSerializer.Serialize(new { message = authProblem }), ("x-amzn-ErrorType", "IncompleteSignatureException"));
            return;
        }

        string[] segments = rawPath.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        if (segments.Length < 2 || segments[0] != Stage || Match(request.HttpMethod, segments[1..]) is not { } route)
        {
            await JsonAsync(context, 403, """{"message":"Missing Authentication Token"}""", ("x-amzn-ErrorType", "MissingAuthenticationTokenException"));
            return;
        }

        string contentType = (request.ContentType ?? string.Empty).Split(';')[0].Trim();
        bool binary = body.Length > 0 && BinaryMediaTypes.Contains(contentType);
        string resourcePath = "/" + string.Join('/', rawPath.Split('/', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(Uri.UnescapeDataString));
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string? name in request.Headers.AllKeys)
        {
            if (name is not null)
            {
                headers[name] = request.Headers[name]!;
            }
        }

        List<KeyValuePair<string, string>> query = SigV4.ParseQuery(rawQuery);
        var proxy = new RestApiProxyRequest
        {
            Resource = route.Resource,
            Path = resourcePath,
            HttpMethod = request.HttpMethod,
            Headers = headers,
            MultiValueHeaders = headers.ToDictionary(h => h.Key, h => (IReadOnlyList<string>)[h.Value], StringComparer.Ordinal),
            QueryStringParameters = query.Count == 0 ? null : query.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value),
            MultiValueQueryStringParameters = query.Count == 0 ? null : query.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(p => p.Value).ToList()),
            PathParameters = route.PathParameters.Count == 0 ? null : route.PathParameters,
            RequestContext = new RestApiProxyRequestContext
            {
                AccountId = caller.AccountId,
                ApiId = ApiId,
                ResourcePath = route.Resource,
                HttpMethod = request.HttpMethod,
                Path = "/" + Stage + resourcePath,
                Stage = Stage,
                RequestId = Guid.NewGuid().ToString(),
                RequestTime = DateTime.UtcNow.ToString("dd/MMM/yyyy:HH:mm:ss +0000", CultureInfo.InvariantCulture),
                RequestTimeEpoch = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                Protocol = "HTTP/1.1",
                DomainName = $"{ApiId}.execute-api.{Region}.amazonaws.com",
                DomainPrefix = ApiId,
                Identity = caller.Identity,
            },
            Body = body.Length == 0 ? null : binary ? Convert.ToBase64String(body) : Encoding.UTF8.GetString(body),
            IsBase64Encoded = binary,
        };

        string payload = JsonSerializer.Serialize(proxy, EventJson);
        if (Encoding.UTF8.GetByteCount(payload) > MaxInvokePayloadBytes)
        {
            // Lambda refuses the invocation (RequestEntityTooLargeException); API Gateway answers 413 for an oversized integration request.
            _invocations.Enqueue(new ApiInvocation(route.Function, request.HttpMethod, route.Resource, resourcePath, 413, null));
            await JsonAsync(context, 413, """{"message":"Request Too Long"}""");
            return;
        }

        string responseJson;
        try
        {
            responseJson = await _invoke(route.Function, payload);
        }
        catch (Exception e)
        {
            FunctionErrors.Enqueue(e);
            _invocations.Enqueue(new ApiInvocation(route.Function, request.HttpMethod, route.Resource, resourcePath, 502, e.Message));
            await JsonAsync(context, 502, """{"message": "Internal server error"}""");
            return;
        }

        RestApiProxyResponse answer = JsonSerializer.Deserialize<RestApiProxyResponse>(responseJson)
            ?? throw new InvalidOperationException($"{route.Function} returned no proxy response.");
        _invocations.Enqueue(new ApiInvocation(route.Function, request.HttpMethod, route.Resource, resourcePath, answer.StatusCode, answer.Body));
        HttpListenerResponse response = context.Response;
        string? answerType = null;
        foreach ((string name, string value) in answer.Headers ?? new Dictionary<string, string>())
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                answerType = value;
            }
            else if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                response.Headers[name] = value;
            }
        }

        byte[] answerBody = answer.Body is null ? [] : answer.IsBase64Encoded ? Convert.FromBase64String(answer.Body) : Encoding.UTF8.GetBytes(answer.Body);
        await WriteAsync(response, answer.StatusCode, answerType ?? (answerBody.Length > 0 ? "application/json" : null), answerBody);
    }

    private static (string Function, string Resource, Dictionary<string, string> PathParameters)? Match(string method, string[] segments)
    {
        foreach ((string routeMethod, string resource, string function) in Routes)
        {
            string[] template = resource.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (routeMethod != method || template.Length != segments.Length)
            {
                continue;
            }

            var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
            bool matches = true;
            for (int i = 0; i < template.Length && matches; i++)
            {
                if (template[i].StartsWith('{'))
                {
                    parameters[template[i].Trim('{', '}')] = segments[i];
                }
                else
                {
                    matches = template[i] == segments[i];
                }
            }

            if (matches)
            {
                return (function, resource, parameters);
            }
        }

        return null;
    }

    private (ApiCaller?, string?) Authenticate(HttpListenerRequest request, string rawPath, string rawQuery, byte[] body)
    {
        string? authorization = request.Headers["Authorization"];
        if (authorization is null || !authorization.StartsWith(SigV4.Algorithm + " ", StringComparison.Ordinal))
        {
            return (null, "Missing Authentication Token");
        }

        Dictionary<string, string> parts = authorization[(SigV4.Algorithm.Length + 1)..]
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        if (!parts.TryGetValue("Credential", out string? credentialText) || !parts.TryGetValue("SignedHeaders", out string? signedList) || !parts.TryGetValue("Signature", out string? signature))
        {
            return (null, "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature'.");
        }

        string[] credential = credentialText.Split('/');
        if (credential.Length != 5 || credential[2] != Region || credential[3] != "execute-api" || credential[4] != "aws4_request")
        {
            return (null, $"Credential should be scoped to a valid region and service execute-api (got {credentialText}).");
        }

        if (!_callers.TryGetValue(credential[0], out ApiCaller? caller))
        {
            return (null, "The security token included in the request is invalid.");
        }

        if (request.Headers["X-Amz-Date"] is not { } amzDate)
        {
            return (null, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
        }

        DateTime signedAt = SigV4.ParseAmzDate(amzDate);
        if (Math.Abs((DateTime.UtcNow - signedAt).TotalMinutes) > 5)
        {
            return (null, "Signature expired: the request time is more than 5 minutes away from the server time.");
        }

        string[] signedHeaders = signedList.Split(';');
        if (!signedHeaders.Contains("host"))
        {
            return (null, "'Host' must be a signed header.");
        }

        string canonical = SigV4.CanonicalRequest(request.HttpMethod, SigV4.CanonicalUri(rawPath, doubleEncode: true), SigV4.CanonicalQuery(SigV4.ParseQuery(rawQuery)),
            signedHeaders, name => request.Headers[name], SigV4.Sha256Hex(body));
        string expected = SigV4.Sign(caller.AccessKey, caller.SecretKey, credential[2], credential[3], signedAt, signedHeaders, canonical);
        return SigV4.FixedTimeEquals(expected, signature)
            ? (caller, null)
            : (null, "The request signature we calculated does not match the signature you provided.");
    }

    private static Task JsonAsync(HttpListenerContext context, int status, string json, params (string Name, string Value)[] headers)
    {
        foreach ((string name, string value) in headers)
        {
            context.Response.Headers[name] = value;
        }

        return WriteAsync(context.Response, status, "application/json", Encoding.UTF8.GetBytes(json));
    }
}
