using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.Tests.ApiPoller;

/// <summary>HTTP API payload format 2.0 events as API Gateway builds them for the job API's routes.</summary>
internal static class ApiRequests
{
    public const string Alice = "arn:aws:iam::123456789012:user/alice";
    public const string Bob = "arn:aws:iam::123456789012:user/bob";

    public static HttpApiV2Request Post(string? body, string? idempotencyKey = null, string caller = Alice, string? contentType = "application/json", bool base64 = false)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        if (contentType is not null)
        {
            headers["content-type"] = contentType;
        }

        if (idempotencyKey is not null)
        {
            headers["idempotency-key"] = idempotencyKey;
        }

        return Request("POST", "/jobs", "POST /jobs", headers: headers, body: body, base64: base64, caller: caller);
    }

    public static HttpApiV2Request GetJob(string id, string caller = Alice) =>
        Request("GET", "/jobs/" + id, "GET /jobs/{id}", pathParameters: new Dictionary<string, string> { ["id"] = id }, caller: caller);

    public static HttpApiV2Request GetTasks(string id, IReadOnlyDictionary<string, string>? query = null, string caller = Alice) =>
        Request("GET", $"/jobs/{id}/tasks", "GET /jobs/{id}/tasks", pathParameters: new Dictionary<string, string> { ["id"] = id }, query: query, caller: caller);

    /// <summary>The admin route that reads any job (IAM decides who may call it).</summary>
    public static HttpApiV2Request GetAnyJob(string id, string caller = Bob) =>
        Request("GET", "/admin/jobs/" + id, "GET /admin/jobs/{id}", pathParameters: new Dictionary<string, string> { ["id"] = id }, caller: caller);

    public static HttpApiV2Request GetAnyTasks(string id, string caller = Bob) =>
        Request("GET", $"/admin/jobs/{id}/tasks", "GET /admin/jobs/{id}/tasks", pathParameters: new Dictionary<string, string> { ["id"] = id }, caller: caller);

    public static HttpApiV2Request Request(
        string method,
        string path,
        string routeKey = "$default",
        IReadOnlyDictionary<string, string>? headers = null,
        IReadOnlyDictionary<string, string>? pathParameters = null,
        IReadOnlyDictionary<string, string>? query = null,
        string? body = null,
        bool base64 = false,
        string caller = Alice,
        string stage = "$default") => new()
        {
            Version = "2.0",
            RouteKey = routeKey,
            RawPath = path,
            RawQueryString = query is null ? string.Empty : string.Join("&", query.Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}")),
            Headers = headers ?? new Dictionary<string, string>(),
            PathParameters = pathParameters,
            QueryStringParameters = query,
            Body = body,
            IsBase64Encoded = base64,
            RequestContext = new HttpApiV2RequestContext
            {
                AccountId = "123456789012",
                ApiId = "abc123",
                RequestId = "req-" + Guid.NewGuid().ToString("N")[..8],
                Stage = stage,
                Http = new HttpApiV2Http { Method = method, Path = path, SourceIp = "203.0.113.7" },
                Authorizer = new HttpApiV2Authorizer { Iam = new HttpApiV2Iam { UserArn = caller, AccountId = "123456789012", CallerId = "AIDA" + caller.Length } },
            },
        };
}
