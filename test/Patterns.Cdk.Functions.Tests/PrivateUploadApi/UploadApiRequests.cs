using System.Text;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.Tests.PrivateUploadApi;

/// <summary>REST API proxy events as API Gateway sends them for the six routes, from an IAM-authenticated caller.</summary>
internal static class UploadApiRequests
{
    public const string Account = "111122223333";
    public const string Alice = "AROA3XFRBF535PLBIFPI4";
    public const string Bob = "AROAZZZZZZZZZZZZZZZZ9";
    public static readonly string AliceScope = $"{Account}/{Alice}";

    public static RestApiProxyIdentity Identity(string principal = Alice, string session = "session-1") =>
        new() { AccountId = Account, User = $"{principal}:{session}", Caller = $"{principal}:{session}", UserArn = $"arn:aws:sts::{Account}:assumed-role/uploader/{session}" };

    public static RestApiProxyRequest Create(string body, RestApiProxyIdentity? identity = null) =>
        Request("POST", "/uploads", "/uploads", null, body, identity ?? Identity());

    public static RestApiProxyRequest Parts(string id, string body, RestApiProxyIdentity? identity = null) =>
        Request("POST", "/uploads/{id}/parts", $"/uploads/{id}/parts", ("id", id), body, identity ?? Identity());

    public static RestApiProxyRequest Get(string id, RestApiProxyIdentity? identity = null) =>
        Request("GET", "/uploads/{id}", $"/uploads/{id}", ("id", id), null, identity ?? Identity());

    public static RestApiProxyRequest Delete(string id, RestApiProxyIdentity? identity = null) =>
        Request("DELETE", "/uploads/{id}", $"/uploads/{id}", ("id", id), null, identity ?? Identity());

    public static RestApiProxyRequest Complete(string id, RestApiProxyIdentity? identity = null) =>
        Request("POST", "/uploads/{id}/complete", $"/uploads/{id}/complete", ("id", id), null, identity ?? Identity());

    /// <summary>PUT /files/{fileName}: binary types arrive base64-encoded (BinaryMediaTypes), JSON as text.</summary>
    public static RestApiProxyRequest Direct(string fileName, byte[] content, string? contentType, bool base64 = true, RestApiProxyIdentity? identity = null) =>
        Request("PUT", "/files/{fileName}", "/files/" + Uri.EscapeDataString(fileName), ("fileName", fileName),
            base64 ? Convert.ToBase64String(content) : Encoding.UTF8.GetString(content), identity ?? Identity(), base64,
            contentType is null ? [] : new Dictionary<string, string> { ["content-type"] = contentType });

    public static RestApiProxyRequest Request(
        string method, string resource, string path, (string Name, string Value)? parameter, string? body, RestApiProxyIdentity? identity,
        bool base64 = false, Dictionary<string, string>? headers = null) => new()
    {
        HttpMethod = method,
        Resource = resource,
        Path = path,
        PathParameters = parameter is { } p ? new Dictionary<string, string> { [p.Name] = p.Value } : null,
        Headers = headers ?? new Dictionary<string, string> { ["Content-Type"] = "application/json" },
        Body = body,
        IsBase64Encoded = base64,
        RequestContext = new RestApiProxyRequestContext { RequestId = "req-1", Stage = "v1", Identity = identity, AccountId = Account },
    };
}
