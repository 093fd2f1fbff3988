using System.Globalization;
using System.Text.RegularExpressions;

namespace Patterns.Cdk.Functions.ApiPoller.Sources;

/// <summary>Checks every member of every source against the ranges documented on <see cref="SourceDefinition"/>.</summary>
internal static partial class SourceValidator
{
    public const int MaxSources = 100;
    public const int MaxParametersPerSource = 50;

    public static List<string> Validate(IReadOnlyList<SourceDefinition> sources)
    {
        var problems = new List<string>();
        if (sources.Count == 0)
        {
            problems.Add("at least one source is required");
        }
        else if (sources.Count > MaxSources)
        {
            problems.Add($"at most {MaxSources} sources are supported (got {sources.Count})");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < sources.Count; i++)
        {
            SourceDefinition source = sources[i];
            string at = string.Create(CultureInfo.InvariantCulture, $"source [{i}] '{source.Name}'");
            if (!SourceName().IsMatch(source.Name))
            {
                problems.Add($"{at}: name must match ^[a-z0-9][a-z0-9-]{{0,62}}$");
            }
            else if (!names.Add(source.Name))
            {
                problems.Add($"{at}: name is used by an earlier source");
            }

            ValidateBaseUrl(source, at, problems);
            ValidateRanges(source, at, problems);
            ValidateNames(source, at, problems);
            ValidateParameters(source, at, problems);
        }

        return problems;
    }

    private static void ValidateBaseUrl(SourceDefinition source, string at, List<string> problems)
    {
        if (!Uri.TryCreate(source.BaseUrl, UriKind.Absolute, out Uri? uri))
        {
            problems.Add($"{at}: baseUrl must be an absolute URL");
            return;
        }

        bool schemeAllowed = uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && source.AllowInsecureHttp);
        if (!schemeAllowed)
        {
            problems.Add($"{at}: baseUrl must use https (http only with allowInsecureHttp)");
        }

        if (uri.UserInfo.Length > 0 || uri.Fragment.Length > 0)
        {
            problems.Add($"{at}: baseUrl must not contain user info or a fragment (credentials belong in authSecretArn)");
        }
    }

    private static void ValidateRanges(SourceDefinition source, string at, List<string> problems)
    {
        if (!Enum.IsDefined(source.Pagination))
        {
            problems.Add($"{at}: pagination must be PageNumber, OffsetLimit or Cursor");
        }

        Range(source.PageSize, 1, 10_000, "pageSize", at, problems);
        Range(source.FirstPage, 0, 1, "firstPage", at, problems);
        Range(source.MaxPages, 1, 10_000_000, "maxPages", at, problems);
        Range(source.RequestTimeoutSeconds, 1, 900, "requestTimeoutSeconds", at, problems);
        Range(source.MaxConcurrency, 1, 1_000, "maxConcurrency", at, problems);
        Range(source.MaxPageBytes, 1, 5L * 1024 * 1024 * 1024, "maxPageBytes", at, problems);
        Range(source.MaxRetryAfterSeconds, 0, 900, "maxRetryAfterSeconds", at, problems);
        Range(source.MaxAttempts, 1, 20, "maxAttempts", at, problems);
        if (!(source.RequestsPerSecond > 0 && source.RequestsPerSecond <= 10_000))
        {
            problems.Add($"{at}: requestsPerSecond must be greater than 0 and at most 10000");
        }

        if (source.AuthSecretArn is { } arn && !arn.StartsWith("arn:", StringComparison.Ordinal))
        {
            problems.Add($"{at}: authSecretArn must be an ARN");
        }
    }

    private static void ValidateNames(SourceDefinition source, string at, List<string> problems)
    {
        Token(source.AuthHeader, "authHeader", at, problems);
        foreach ((string value, string member) in QueryNames(source))
        {
            if (!QueryName().IsMatch(value))
            {
                problems.Add($"{at}: {member} must be 1-64 characters of [A-Za-z0-9._~-]");
            }
        }

        if (source.Pagination == PaginationStrategy.Cursor && string.IsNullOrEmpty(source.CursorField))
        {
            problems.Add($"{at}: cursorField is required for Cursor pagination");
        }

        if (source.Pagination != PaginationStrategy.Cursor && string.IsNullOrEmpty(source.TotalField))
        {
            problems.Add($"{at}: totalField is required for {source.Pagination} pagination");
        }
    }

    private static IEnumerable<(string Value, string Member)> QueryNames(SourceDefinition source)
    {
        yield return (source.PageParameter, "pageParameter");
        yield return (source.OffsetParameter, "offsetParameter");
        yield return (source.LimitParameter, "limitParameter");
        yield return (source.CursorParameter, "cursorParameter");
        if (source.PageSizeParameter is { } pageSize)
        {
            yield return (pageSize, "pageSizeParameter");
        }
    }

    private static void ValidateParameters(SourceDefinition source, string at, List<string> problems)
    {
        if (source.Parameters.Count > MaxParametersPerSource)
        {
            problems.Add($"{at}: at most {MaxParametersPerSource} parameters are supported");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (SourceParameter parameter in source.Parameters)
        {
            string where = $"{at} parameter '{parameter.Name}'";
            if (!QueryName().IsMatch(parameter.Name))
            {
                problems.Add($"{where}: name must be 1-64 characters of [A-Za-z0-9._~-]");
            }
            else if (!names.Add(parameter.Name))
            {
                problems.Add($"{where}: declared twice");
            }
            else if (source.ReservedQueryParameters.Contains(parameter.Name, StringComparer.Ordinal))
            {
                problems.Add($"{where}: the name is the source's own pagination parameter");
            }

            Range(parameter.MaxLength, 1, 2048, "maxLength", where, problems);
            try
            {
                parameter.Matcher();
            }
            catch (ArgumentException e)
            {
                problems.Add($"{where}: pattern is not a valid regular expression ({e.Message})");
            }
        }
    }

    private static void Range(long value, long min, long max, string member, string at, List<string> problems)
    {
        if (value < min || value > max)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{at}: {member} must be between {min} and {max} (got {value})"));
        }
    }

    private static void Token(string value, string member, string at, List<string> problems)
    {
        if (!HeaderName().IsMatch(value))
        {
            problems.Add($"{at}: {member} must be an HTTP header name");
        }
    }

    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]{0,62}\z", RegexOptions.CultureInvariant)]
    private static partial Regex SourceName();

    [GeneratedRegex(@"^[A-Za-z0-9._~-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex QueryName();

    // RFC 9110 token.
    [GeneratedRegex(@"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}\z", RegexOptions.CultureInvariant)]
    private static partial Regex HeaderName();
}
