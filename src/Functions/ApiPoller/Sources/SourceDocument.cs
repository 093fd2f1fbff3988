using System.Text.Json.Serialization;

namespace Patterns.Cdk.Functions.ApiPoller.Sources;

/// <summary>
/// The wire form of one source in <c>API_POLLER_SOURCES</c>. Source-generated deserialization assigns init-only
/// members all at once (a member absent from the JSON would get <c>default</c>, not its initializer), so the JSON is
/// read into these settable members, which keep their documented defaults, and then copied into the immutable
/// <see cref="SourceDefinition"/>.
/// </summary>
internal sealed class SourceDocument
{
    [JsonRequired]
    public string Name { get; set; } = string.Empty;

    [JsonRequired]
    public string BaseUrl { get; set; } = string.Empty;

    public bool AllowInsecureHttp { get; set; }

    [JsonRequired]
    public PaginationStrategy Pagination { get; set; }

    [JsonRequired]
    public int PageSize { get; set; }

    public string PageParameter { get; set; } = "page";

    public int FirstPage { get; set; } = 1;

    public string? PageSizeParameter { get; set; }

    public string OffsetParameter { get; set; } = "offset";

    public string LimitParameter { get; set; } = "limit";

    public string CursorParameter { get; set; } = "cursor";

    public string CursorField { get; set; } = "next";

    public string TotalField { get; set; } = "total";

    public int MaxPages { get; set; } = 1_000_000;

    public string? AuthSecretArn { get; set; }

    public string AuthHeader { get; set; } = "Authorization";

    public int RequestTimeoutSeconds { get; set; } = 10;

    public int MaxConcurrency { get; set; } = 5;

    public double RequestsPerSecond { get; set; } = 5;

    public long MaxPageBytes { get; set; } = 10 * 1024 * 1024;

    public int MaxRetryAfterSeconds { get; set; } = 60;

    public int MaxAttempts { get; set; } = 5;

    public List<ParameterDocument> Parameters { get; set; } = [];

    public SourceDefinition ToDefinition() => new()
    {
        Name = Name,
        BaseUrl = BaseUrl,
        AllowInsecureHttp = AllowInsecureHttp,
        Pagination = Pagination,
        PageSize = PageSize,
        PageParameter = PageParameter,
        FirstPage = FirstPage,
        PageSizeParameter = PageSizeParameter,
        OffsetParameter = OffsetParameter,
        LimitParameter = LimitParameter,
        CursorParameter = CursorParameter,
        CursorField = CursorField,
        TotalField = TotalField,
        MaxPages = MaxPages,
        AuthSecretArn = AuthSecretArn,
        AuthHeader = AuthHeader,
        RequestTimeoutSeconds = RequestTimeoutSeconds,
        MaxConcurrency = MaxConcurrency,
        RequestsPerSecond = RequestsPerSecond,
        MaxPageBytes = MaxPageBytes,
        MaxRetryAfterSeconds = MaxRetryAfterSeconds,
        MaxAttempts = MaxAttempts,
        Parameters = Parameters.Select(parameter => parameter.ToParameter()).ToArray(),
    };
}

/// <summary>The wire form of a <see cref="SourceParameter"/>.</summary>
internal sealed class ParameterDocument
{
    [JsonRequired]
    public string Name { get; set; } = string.Empty;

    public string? Pattern { get; set; }

    public int MaxLength { get; set; } = SourceParameter.DefaultMaxLength;

    public bool Required { get; set; }

    public SourceParameter ToParameter() => new() { Name = Name, Pattern = Pattern, MaxLength = MaxLength, Required = Required };
}
