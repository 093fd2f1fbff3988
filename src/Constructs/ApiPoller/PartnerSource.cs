using Amazon.CDK;
using Amazon.CDK.AWS.SecretsManager;

namespace Patterns.Cdk.ApiPoller;

/// <summary>How a partner API splits its collection into pages.</summary>
public enum Pagination
{
    /// <summary><c>?page=n&amp;pageSize=m</c>; the first page's <see cref="PartnerSource.TotalField"/> gives the item count, so pages fan out.</summary>
    PageNumber,

    /// <summary><c>?offset=n&amp;limit=m</c>; the first page's <see cref="PartnerSource.TotalField"/> gives the item count, so pages fan out.</summary>
    OffsetLimit,

    /// <summary>Each page names the next one (<see cref="PartnerSource.CursorField"/>); pages are fetched one after another.</summary>
    Cursor,
}

/// <summary>One parameter a job request may pass to a source (as a query-string parameter), validated before the job starts.</summary>
public sealed class SourceParameter
{
    /// <summary>Query-string name, e.g. <c>since</c>. Required.</summary>
    public required string Name { get; init; }

    /// <summary>Regular expression the whole value must match, e.g. <c>^\d{4}-\d{2}-\d{2}$</c>. Default: any value.</summary>
    public string? Pattern { get; init; }

    /// <summary>Longest accepted value in characters. Default: 256.</summary>
    public double? MaxLength { get; init; }

    /// <summary>Whether every job request must give it. Default: false.</summary>
    public bool? Required { get; init; }
}

/// <summary>
/// A partner API the poller may fetch. Sources are configured here, never supplied by callers: a job request only
/// names a source and passes parameters its <see cref="Parameters"/> schema allows.
/// </summary>
public sealed class PartnerSource
{
    /// <summary>The name job requests use (<c>^[a-z0-9][a-z0-9-]{0,62}$</c>), unique in one poller. Required.</summary>
    public required string Name { get; init; }

    /// <summary>URL of the collection, e.g. <c>https://partner.example.com/v1/orders</c>; https only (see <see cref="AllowInsecureHttp"/>). Required.</summary>
    public required string BaseUrl { get; init; }

    /// <summary>Accept an <c>http://</c> <see cref="BaseUrl"/> (tests and demos only; emits a warning). Default: false.</summary>
    public bool? AllowInsecureHttp { get; init; }

    /// <summary>How the partner pages its collection. Default: <see cref="Pagination.PageNumber"/>.</summary>
    public Pagination? Pagination { get; init; }

    /// <summary>Items per page requested from the partner (1-10,000). Default: 100.</summary>
    public double? PageSize { get; init; }

    /// <summary>Query-string name of the page number (PageNumber). Default: <c>page</c>.</summary>
    public string? PageParameter { get; init; }

    /// <summary>Number of the first page (PageNumber; 0 or 1). Default: 1.</summary>
    public double? FirstPage { get; init; }

    /// <summary>Query-string name of the page size (PageNumber). Default: <c>pageSize</c>.</summary>
    public string? PageSizeParameter { get; init; }

    /// <summary>Query-string name of the offset (OffsetLimit). Default: <c>offset</c>.</summary>
    public string? OffsetParameter { get; init; }

    /// <summary>Query-string name of the limit (OffsetLimit; the value is <see cref="PageSize"/>). Default: <c>limit</c>.</summary>
    public string? LimitParameter { get; init; }

    /// <summary>Query-string name that carries the cursor (Cursor). Default: <c>cursor</c>.</summary>
    public string? CursorParameter { get; init; }

    /// <summary>Top-level string field of a page holding the next cursor; null, absent or empty ends the job. Required for Cursor. Default: none.</summary>
    public string? CursorField { get; init; }

    /// <summary>Top-level number field of the first page holding the total ITEM count. Required for PageNumber and OffsetLimit. Default: none.</summary>
    public string? TotalField { get; init; }

    /// <summary>Most pages one job fetches (1-10,000,000); a larger total is cut here. Default: 1,000,000.</summary>
    public double? MaxPages { get; init; }

    /// <summary>Secret whose SecretString is the value of <see cref="AuthHeader"/>. Only its ARN reaches the functions; the value is never logged. Default: no authentication.</summary>
    public ISecret? AuthSecret { get; init; }

    /// <summary>Header that carries the secret. Default: <c>Authorization</c>.</summary>
    public string? AuthHeader { get; init; }

    /// <summary>Timeout of one request, headers and body (1-60 seconds). Default: 10 seconds.</summary>
    public Duration? RequestTimeout { get; init; }

    /// <summary>Most concurrent requests to this partner in one job (1-1,000). Default: 5.</summary>
    public double? MaxConcurrency { get; init; }

    /// <summary>Most requests per second to this partner in one job, all fetchers together (0.1-1,000). Default: 5.</summary>
    public double? RequestsPerSecond { get; init; }

    /// <summary>Largest page accepted, in bytes (1 KiB-1 GiB); a larger page is recorded as PageTooLarge. Default: 10 MiB.</summary>
    public double? MaxPageBytes { get; init; }

    /// <summary>Longest <c>Retry-After</c> honoured on a 429 (1 second-5 minutes); longer waits are capped. Default: 60 seconds.</summary>
    public Duration? MaxRetryAfter { get; init; }

    /// <summary>Attempts per page on 5xx, 429 and timeouts (1-10). Default: 5.</summary>
    public double? MaxAttempts { get; init; }

    /// <summary>The parameters a job may pass; anything else is rejected with 400. Default: none.</summary>
    public IReadOnlyList<SourceParameter>? Parameters { get; init; }
}
