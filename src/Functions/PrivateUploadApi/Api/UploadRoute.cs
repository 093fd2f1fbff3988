using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.PrivateUploadApi.Api;

/// <summary>The six routes of the API.</summary>
public enum UploadRouteKind
{
    None,
    CreateSession,
    MintPartUrls,
    GetSession,
    AbortSession,
    Complete,
    Direct,
}

/// <summary>A matched route and its path parameter (<c>{id}</c> or <c>{fileName}</c>, URL-decoded).</summary>
public readonly record struct UploadRoute(UploadRouteKind Kind, string? Parameter)
{
    public const string Uploads = "/uploads";
    public const string Upload = "/uploads/{id}";
    public const string Parts = "/uploads/{id}/parts";
    public const string CompleteTemplate = "/uploads/{id}/complete";
    public const string Files = "/files/{fileName}";

    /// <summary>
    /// Matches the request on its resource template and path parameters as API Gateway sends them; without a template
    /// (or with a greedy proxy), on its path.
    /// </summary>
    public static UploadRoute Match(RestApiProxyRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string method = request.HttpMethod.ToUpperInvariant();
        string? resource = request.Resource;
        string? parameter = null;
        if (resource is null || resource.Contains('+', StringComparison.Ordinal))
        {
            (resource, parameter) = FromPath(request.Path);
        }
        else if (request.PathParameters is { } parameters)
        {
            parameter = parameters.TryGetValue("id", out string? id) ? id : parameters.TryGetValue("fileName", out string? name) ? name : null;
        }

        if (parameter is null && resource is not null && resource != Uploads)
        {
            // A template without its parameter in pathParameters: take it from the path.
            (_, parameter) = FromPath(request.Path);
        }

        UploadRouteKind kind = (method, resource) switch
        {
            ("POST", Uploads) => UploadRouteKind.CreateSession,
            ("POST", Parts) => UploadRouteKind.MintPartUrls,
            ("GET", Upload) => UploadRouteKind.GetSession,
            ("DELETE", Upload) => UploadRouteKind.AbortSession,
            ("POST", CompleteTemplate) => UploadRouteKind.Complete,
            ("PUT", Files) => UploadRouteKind.Direct,
            _ => UploadRouteKind.None,
        };
        return kind == UploadRouteKind.None ? default : new UploadRoute(kind, kind == UploadRouteKind.CreateSession ? null : parameter);
    }

    private static (string? Resource, string? Parameter) FromPath(string path)
    {
        string[] segments = path.Trim('/').Split('/');
        return segments switch
        {
            ["uploads"] => (Uploads, null),
            ["uploads", var id] when id.Length > 0 => (Upload, Decode(id)),
            ["uploads", var id, "parts"] when id.Length > 0 => (Parts, Decode(id)),
            ["uploads", var id, "complete"] when id.Length > 0 => (CompleteTemplate, Decode(id)),
            ["files", var name] when name.Length > 0 => (Files, Decode(name)),
            _ => (null, null),
        };
    }

    private static string Decode(string segment) => Uri.UnescapeDataString(segment);
}
