namespace Patterns.Cdk.Functions.ApiPoller.Sources;

/// <summary>
/// One configured partner source, as the construct writes it into <c>API_POLLER_SOURCES</c> (camelCase JSON; see
/// docs/ApiPoller-contract.md, "Sources"). Immutable. Instances are only handed out by <see cref="SourceCatalog"/>,
/// which has validated every member (defaults are applied by <see cref="SourceDocument"/>, the wire form), so consumers can rely on the documented ranges. Callers never supply any of
/// this: a job request only names a source and passes <see cref="Parameters"/>.
/// </summary>
internal sealed record SourceDefinition
{
    public required string Name { get; init; }

    /// <summary>Absolute https URL (http only with <see cref="AllowInsecureHttp"/>), without user info or fragment.</summary>
    public required string BaseUrl { get; init; }

    /// <summary>Allows an http base URL: for tests and the demo partner only.</summary>
    public bool AllowInsecureHttp { get; init; }

    public required PaginationStrategy Pagination { get; init; }

    /// <summary>Items per page, 1..10,000.</summary>
    public required int PageSize { get; init; }

    /// <summary>PageNumber: name of the page query parameter.</summary>
    public string PageParameter { get; init; } = "page";

    /// <summary>PageNumber: number of the first page (0 or 1). Task pages are always numbered from 1.</summary>
    public int FirstPage { get; init; } = 1;

    /// <summary>PageNumber: name of the page-size query parameter; null leaves it out of the query.</summary>
    public string? PageSizeParameter { get; init; }

    public string OffsetParameter { get; init; } = "offset";

    /// <summary>OffsetLimit: name of the limit query parameter (its value is <see cref="PageSize"/>).</summary>
    public string LimitParameter { get; init; } = "limit";

    public string CursorParameter { get; init; } = "cursor";

    /// <summary>Cursor: top-level string field of a page holding the next cursor; null, absent or "" marks the last page.</summary>
    public string CursorField { get; init; } = "next";

    /// <summary>PageNumber/OffsetLimit: top-level number field of the first page holding the total number of ITEMS.</summary>
    public string TotalField { get; init; } = "total";

    /// <summary>Upper bound on pages per job, 1..10,000,000.</summary>
    public int MaxPages { get; init; } = 1_000_000;

    /// <summary>Secrets Manager secret whose SecretString is the auth header's value; null when the partner needs no auth.</summary>
    public string? AuthSecretArn { get; init; }

    public string AuthHeader { get; init; } = "Authorization";

    /// <summary>1..900.</summary>
    public int RequestTimeoutSeconds { get; init; } = 10;

    /// <summary>Concurrent requests to this partner, 1..1,000.</summary>
    public int MaxConcurrency { get; init; } = 5;

    /// <summary>Requests per second for the whole job (all children together), greater than 0, at most 10,000.</summary>
    public double RequestsPerSecond { get; init; } = 5;

    /// <summary>Largest page accepted, in bytes, 1..5 GiB.</summary>
    public long MaxPageBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>Longest Retry-After honoured, 0..900 seconds.</summary>
    public int MaxRetryAfterSeconds { get; init; } = 60;

    /// <summary>Attempts per page request, 1..20.</summary>
    public int MaxAttempts { get; init; } = 5;

    public IReadOnlyList<SourceParameter> Parameters { get; init; } = [];

    public Uri BaseUri => new(BaseUrl, UriKind.Absolute);

    /// <summary>The query-parameter names the poller itself sets for this source's pagination strategy.</summary>
    public IReadOnlyList<string> ReservedQueryParameters => Pagination switch
    {
        PaginationStrategy.PageNumber => PageSizeParameter is null ? [PageParameter] : [PageParameter, PageSizeParameter],
        PaginationStrategy.OffsetLimit => [OffsetParameter, LimitParameter],
        _ => [CursorParameter],
    };

    /// <summary>The parameter of this name, or null (parameter names are case-sensitive, as query strings are).</summary>
    public SourceParameter? FindParameter(string name)
    {
        foreach (SourceParameter parameter in Parameters)
        {
            if (string.Equals(parameter.Name, name, StringComparison.Ordinal))
            {
                return parameter;
            }
        }

        return null;
    }
}
