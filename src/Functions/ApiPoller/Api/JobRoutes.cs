using System.Globalization;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.ApiPoller.Api;

/// <summary>The resources of the job API.</summary>
internal enum JobResource
{
    None,
    Jobs,
    Job,
    Tasks,

    /// <summary><c>GET /admin/jobs/{id}</c>: any job, for principals granted the admin routes.</summary>
    AnyJob,

    /// <summary><c>GET /admin/jobs/{id}/tasks</c>.</summary>
    AnyJobTasks,
}

/// <summary>
/// Maps a request to a resource. The HTTP API's route key (<c>POST /jobs</c>, <c>GET /jobs/{id}</c>,
/// <c>GET /jobs/{id}/tasks</c>) is used when it names one of them; behind a catch-all route (<c>$default</c>,
/// <c>ANY /{proxy+}</c>) the raw path is matched instead, after removing the stage name that prefixes it on a named stage.
/// The admin routes (<c>GET /admin/jobs/{id}</c>, <c>GET /admin/jobs/{id}/tasks</c>) read any job, so they are matched
/// by route key only: API Gateway sets the route key after IAM allowed that very route, whereas a raw path under a
/// catch-all route says nothing about what the caller was granted.
/// </summary>
internal static class JobRoutes
{
    public const int DefaultTaskLimit = 100;
    public const int MaxTaskLimit = 500;

    public static (JobResource Resource, string? JobId) Match(HttpApiV2Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string? routePath = request.RouteKey is { } routeKey && routeKey.IndexOf(' ', StringComparison.Ordinal) is var space and > 0
            ? routeKey[(space + 1)..]
            : null;
        switch (routePath)
        {
            case "/jobs":
                return (JobResource.Jobs, null);
            case "/jobs/{id}":
                return (JobResource.Job, PathId(request));
            case "/jobs/{id}/tasks":
                return (JobResource.Tasks, PathId(request));
            case "/admin/jobs/{id}":
                return (JobResource.AnyJob, PathId(request));
            case "/admin/jobs/{id}/tasks":
                return (JobResource.AnyJobTasks, PathId(request));
            default:
                return MatchPath(request);
        }
    }

    /// <summary>The methods a resource supports (the <c>allow</c> header of a 405).</summary>
    public static string Allowed(JobResource resource) => resource == JobResource.Jobs ? "POST" : "GET";

    private static string? PathId(HttpApiV2Request request) =>
        request.PathParameters is { } parameters && parameters.TryGetValue("id", out string? id) ? id : null;

    private static (JobResource, string?) MatchPath(HttpApiV2Request request)
    {
        string[] segments = request.RawPath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length > 0 && request.RequestContext.Stage is { } stage && stage != "$default" && segments[0] == stage)
        {
            segments = segments[1..];
        }

        return segments switch
        {
            ["jobs"] => (JobResource.Jobs, null),
            ["jobs", string id] => (JobResource.Job, Uri.UnescapeDataString(id)),
            ["jobs", string id, "tasks"] => (JobResource.Tasks, Uri.UnescapeDataString(id)),
            _ => (JobResource.None, null),
        };
    }

    /// <summary>The <c>limit</c> query parameter of the task listing: 1..500, default 100.</summary>
    public static bool TryReadLimit(HttpApiV2Request request, out int limit)
    {
        ArgumentNullException.ThrowIfNull(request);
        limit = DefaultTaskLimit;
        if (request.QueryStringParameters is not { } query || !query.TryGetValue("limit", out string? text))
        {
            return true;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out limit) && limit is >= 1 and <= MaxTaskLimit;
    }

    public static string? NextToken(HttpApiV2Request request) =>
        request.QueryStringParameters is { } query && query.TryGetValue("nextToken", out string? token) ? token : null;
}
