using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
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

    /// <summary>
    /// The source as the camelCase JSON object of the contract (secrets by ARN only). Lambda gives all of a function's
    /// environment 4 KB, so only what differs from the handlers' defaults (the documented defaults of
    /// <see cref="PartnerSource"/>) is written; <c>name</c>, <c>baseUrl</c>, <c>pagination</c> and <c>pageSize</c> always are.
    /// </summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["name"] = Name,
            ["baseUrl"] = Source.BaseUrl,
            ["pagination"] = Pagination.ToString(),
            ["pageSize"] = PageSize,
        };
        Put(json, "allowInsecureHttp", Source.AllowInsecureHttp ?? false, false);
        switch (Pagination)
        {
            case Pagination.PageNumber:
                Put(json, "pageParameter", Source.PageParameter ?? "page", "page");
                Put(json, "firstPage", Source.FirstPage ?? 1, 1);
                json["pageSizeParameter"] = Source.PageSizeParameter ?? "pageSize"; // the handlers send no page size without it
                Put(json, "totalField", Source.TotalField, "total");
                break;
            case Pagination.OffsetLimit:
                Put(json, "offsetParameter", Source.OffsetParameter ?? "offset", "offset");
                Put(json, "limitParameter", Source.LimitParameter ?? "limit", "limit");
                Put(json, "totalField", Source.TotalField, "total");
                break;
            default:
                Put(json, "cursorParameter", Source.CursorParameter ?? "cursor", "cursor");
                Put(json, "cursorField", Source.CursorField, "next");
                break;
        }

        Put(json, "maxPages", MaxPages, 1_000_000);
        if (Source.AuthSecret is not null)
        {
            json["authSecretArn"] = Source.AuthSecret.SecretArn;
            Put(json, "authHeader", Source.AuthHeader ?? "Authorization", "Authorization");
        }

        Put(json, "requestTimeoutSeconds", RequestTimeout.ToSeconds(), 10);
        Put(json, "maxConcurrency", MaxConcurrency, 5);
        Put(json, "requestsPerSecond", RequestsPerSecond, 5);
        Put(json, "maxPageBytes", MaxPageBytes, 10 * 1024 * 1024);
        Put(json, "maxRetryAfterSeconds", MaxRetryAfter.ToSeconds(), 60);
        Put(json, "maxAttempts", MaxAttempts, 5);
        if (Parameters.Count > 0)
        {
            var parameters = new JsonArray();
            foreach (var p in Parameters)
            {
                var parameter = new JsonObject { ["name"] = p.Name };
                Put(parameter, "pattern", p.Pattern, null);
                Put(parameter, "maxLength", p.MaxLength ?? 256, 256);
                Put(parameter, "required", p.Required ?? false, false);
                parameters.Add(parameter);
            }

            json["parameters"] = parameters;
        }

        return json;
    }

    private static void Put(JsonObject json, string key, string? value, string? wireDefault)
    {
        if (value is not null && value != wireDefault)
        {
            json[key] = value;
        }
    }

    private static void Put(JsonObject json, string key, double value, double wireDefault)
    {
        if (value != wireDefault)
        {
            json[key] = value;
        }
    }

    private static void Put(JsonObject json, string key, bool value, bool wireDefault)
    {
        if (value != wireDefault)
        {
            json[key] = value;
        }
    }

    /// <summary>Compact JSON that keeps characters such as <c>&lt;</c>, <c>&gt;</c>, <c>+</c> and <c>'</c> literal (the default escapes them for HTML).</summary>
    public static readonly JsonSerializerOptions LiteralJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The <c>API_POLLER_SOURCES</c> value: a compact JSON array of every source.</summary>
    public static string ToEnvironmentValue(IEnumerable<SourceSettings> sources) =>
        new JsonArray(sources.Select(s => (JsonNode)s.ToJson()).ToArray()).ToJsonString(LiteralJson);

    /// <summary>Invariant rendering of a number for messages.</summary>
    public static string Text(double value) => value.ToString(CultureInfo.InvariantCulture);
}
