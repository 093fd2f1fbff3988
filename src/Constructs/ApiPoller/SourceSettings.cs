using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.CDK;

namespace Patterns.Cdk.ApiPoller;

/// <summary>A <see cref="PartnerSource"/> with every default applied: what the handlers receive.</summary>
internal sealed record SourceSettings(PartnerSource Source)
{
    public string Name => Source.Name;
    public Pagination Pagination => Source.Pagination ?? Pagination.PageNumber;
    public double PageSize => Source.PageSize ?? 100;
    public double MaxPages => Source.MaxPages ?? 1_000_000;
    public Duration RequestTimeout => Source.RequestTimeout ?? Duration.Seconds(10);
    public double MaxConcurrency => Source.MaxConcurrency ?? 5;
    public double RequestsPerSecond => Source.RequestsPerSecond ?? 5;
    public double MaxPageBytes => Source.MaxPageBytes ?? 10 * 1024 * 1024;
    public Duration MaxRetryAfter => Source.MaxRetryAfter ?? Duration.Seconds(60);
    public double MaxAttempts => Source.MaxAttempts ?? 5;
    public IReadOnlyList<SourceParameter> Parameters => Source.Parameters ?? [];

    /// <summary>The source as the camelCase JSON object of the contract (secrets by ARN only).</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["name"] = Name,
            ["baseUrl"] = Source.BaseUrl,
            ["allowInsecureHttp"] = Source.AllowInsecureHttp ?? false,
            ["pagination"] = Pagination.ToString(),
            ["pageSize"] = PageSize,
        };
        switch (Pagination)
        {
            case Pagination.PageNumber:
                json["pageParameter"] = Source.PageParameter ?? "page";
                json["firstPage"] = Source.FirstPage ?? 1;
                json["pageSizeParameter"] = Source.PageSizeParameter ?? "pageSize";
                json["totalField"] = Source.TotalField;
                break;
            case Pagination.OffsetLimit:
                json["offsetParameter"] = Source.OffsetParameter ?? "offset";
                json["limitParameter"] = Source.LimitParameter ?? "limit";
                json["totalField"] = Source.TotalField;
                break;
            default:
                json["cursorParameter"] = Source.CursorParameter ?? "cursor";
                json["cursorField"] = Source.CursorField;
                break;
        }

        json["maxPages"] = MaxPages;
        if (Source.AuthSecret is not null)
        {
            json["authSecretArn"] = Source.AuthSecret.SecretArn;
            json["authHeader"] = Source.AuthHeader ?? "Authorization";
        }

        json["requestTimeoutSeconds"] = RequestTimeout.ToSeconds();
        json["maxConcurrency"] = MaxConcurrency;
        json["requestsPerSecond"] = RequestsPerSecond;
        json["maxPageBytes"] = MaxPageBytes;
        json["maxRetryAfterSeconds"] = MaxRetryAfter.ToSeconds();
        json["maxAttempts"] = MaxAttempts;
        var parameters = new JsonArray();
        foreach (var p in Parameters)
        {
            var parameter = new JsonObject { ["name"] = p.Name };
            if (p.Pattern is not null)
            {
                parameter["pattern"] = p.Pattern;
            }

            parameter["maxLength"] = p.MaxLength ?? 256;
            parameter["required"] = p.Required ?? false;
            parameters.Add(parameter);
        }

        json["parameters"] = parameters;
        return json;
    }

    /// <summary>The <c>API_POLLER_SOURCES</c> value: a compact JSON array of every source.</summary>
    public static string ToEnvironmentValue(IEnumerable<SourceSettings> sources) =>
        new JsonArray(sources.Select(s => (JsonNode)s.ToJson()).ToArray()).ToJsonString();

    /// <summary>
    /// Bytes the value takes once deployed. Unresolved tokens (a secret ARN, a URL from another stack) are counted at
    /// the length of the longest value they can resolve to (<paramref name="tokenBytes"/>), not their placeholder's.
    /// </summary>
    public static int DeployedBytes(string value, int tokenBytes)
    {
        var bytes = Encoding.UTF8.GetByteCount(value);
        foreach (var token in Tokens(value))
        {
            bytes += tokenBytes - Encoding.UTF8.GetByteCount(token);
        }

        return bytes;
    }

    private static IEnumerable<string> Tokens(string value)
    {
        for (var start = value.IndexOf("${Token[", StringComparison.Ordinal); start >= 0;
             start = value.IndexOf("${Token[", start + 1, StringComparison.Ordinal))
        {
            var end = value.IndexOf("]}", start, StringComparison.Ordinal);
            if (end < 0)
            {
                yield break;
            }

            yield return value[start..(end + 2)];
        }
    }

    /// <summary>Invariant rendering of a number for messages.</summary>
    public static string Text(double value) => value.ToString(CultureInfo.InvariantCulture);
}
