using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.SecretsManager;
using FluentAssertions;
using Patterns.Cdk.ApiPoller;
using Patterns.Cdk.Functions.ApiPoller.Sources;
using ConstructParameter = Patterns.Cdk.ApiPoller.SourceParameter;

namespace Patterns.Cdk.IntegrationTests.ApiPoller;

/// <summary>
/// The construct writes only what differs from the handlers' defaults into <c>API_POLLER_SOURCES</c> (Lambda gives
/// a function's whole environment 4 KB). This proves the handlers read back exactly the configured sources, defaults
/// included, so the two sides' defaults can never drift apart silently.
/// </summary>
public sealed class SourceCatalogueContractTests
{
    private const string SecretArn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:partner-AbCdEf";

    [Fact]
    public void The_handlers_read_back_every_setting_of_every_source_defaults_included()
    {
        var app = new App(new AppProps { AnalyticsReporting = false });
        var stack = new Stack(app, "IntegrationApiPollerSources", new StackProps());
        var secret = Secret.FromSecretCompleteArn(stack, "Secret", SecretArn);
        _ = new Patterns.Cdk.ApiPoller.ApiPoller(stack, "Poller", new ApiPollerProps
        {
            Sources =
            [
                new PartnerSource { Name = "defaults", BaseUrl = "https://partner.example.com/orders", TotalField = "total" },
                new PartnerSource { Name = "cursor", BaseUrl = "https://partner.example.com/events", Pagination = Pagination.Cursor, CursorField = "next" },
                new PartnerSource
                {
                    Name = "offsets", BaseUrl = "http://localhost:8080/items", AllowInsecureHttp = true, Pagination = Pagination.OffsetLimit,
                    PageSize = 50, OffsetParameter = "o", LimitParameter = "l", TotalField = "count", MaxPages = 10, AuthSecret = secret,
                    AuthHeader = "X-Api-Key", RequestTimeout = Duration.Seconds(20), MaxConcurrency = 2, RequestsPerSecond = 2.5,
                    MaxPageBytes = 2048, MaxRetryAfter = Duration.Seconds(30), MaxAttempts = 3,
                },
                new PartnerSource
                {
                    Name = "pages", BaseUrl = "https://partner.example.com/v2/items?region=eu", FirstPage = 0, PageParameter = "p",
                    PageSizeParameter = "size", TotalField = "meta.total", AuthSecret = secret,
                    Parameters =
                    [
                        new ConstructParameter { Name = "since", Pattern = @"^\d{4}-\d{2}-\d{2}$", MaxLength = 10, Required = true },
                        new ConstructParameter { Name = "status" },
                    ],
                },
                new PartnerSource { Name = "cursor-custom", BaseUrl = "https://partner.example.com/feed", Pagination = Pagination.Cursor, CursorField = "links.next", CursorParameter = "after" },
            ],
        });
        var template = JsonNode.Parse(Newtonsoft.Json.JsonConvert.SerializeObject(Amazon.CDK.Assertions.Template.FromStack(stack).ToJSON()))!;
        var environment = template["Resources"]!.AsObject()
            .Single(r => r.Key.Contains("JobApiFunction", StringComparison.Ordinal) && (string?)r.Value!["Type"] == "AWS::Lambda::Function")
            .Value!["Properties"]!["Environment"]!["Variables"]!;

        var catalog = SourceCatalog.Parse((string)environment[SourceCatalog.EnvironmentVariable]!);

        catalog.Sources.Select(Project).Should().BeEquivalentTo(new object[]
        {
            Expected("defaults", "https://partner.example.com/orders", PaginationStrategy.PageNumber, pageSizeParameter: "pageSize"),
            Expected("cursor", "https://partner.example.com/events", PaginationStrategy.Cursor),
            Expected("offsets", "http://localhost:8080/items", PaginationStrategy.OffsetLimit, insecure: true, pageSize: 50, offsetParameter: "o", limitParameter: "l",
                totalField: "count", maxPages: 10, secretArn: SecretArn, authHeader: "X-Api-Key", requestTimeout: 20, maxConcurrency: 2, rps: 2.5, maxPageBytes: 2048,
                maxRetryAfter: 30, maxAttempts: 3),
            Expected("pages", "https://partner.example.com/v2/items?region=eu", PaginationStrategy.PageNumber, firstPage: 0, pageParameter: "p", pageSizeParameter: "size",
                totalField: "meta.total", secretArn: SecretArn, parameters: [("since", @"^\d{4}-\d{2}-\d{2}$", 10, true), ("status", null, 256, false)]),
            Expected("cursor-custom", "https://partner.example.com/feed", PaginationStrategy.Cursor, cursorField: "links.next", cursorParameter: "after"),
        }, options => options.WithStrictOrdering());
    }

    private static object Project(SourceDefinition s) => new
    {
        s.Name, s.BaseUrl, s.AllowInsecureHttp, s.Pagination, s.PageSize, s.PageParameter, s.FirstPage, s.PageSizeParameter, s.OffsetParameter,
        s.LimitParameter, s.CursorParameter, s.CursorField, s.TotalField, s.MaxPages, s.AuthSecretArn, s.AuthHeader, s.RequestTimeoutSeconds,
        s.MaxConcurrency, s.RequestsPerSecond, s.MaxPageBytes, s.MaxRetryAfterSeconds, s.MaxAttempts,
        Parameters = s.Parameters.Select(p => new { p.Name, p.Pattern, p.MaxLength, p.Required }).ToArray(),
    };

    private static object Expected(string name, string url, PaginationStrategy pagination, bool insecure = false, int pageSize = 100, string pageParameter = "page",
        int firstPage = 1, string? pageSizeParameter = null, string offsetParameter = "offset", string limitParameter = "limit", string cursorParameter = "cursor",
        string cursorField = "next", string totalField = "total", int maxPages = 1_000_000, string? secretArn = null, string authHeader = "Authorization",
        int requestTimeout = 10, int maxConcurrency = 5, double rps = 5, long maxPageBytes = 10 * 1024 * 1024, int maxRetryAfter = 60, int maxAttempts = 5,
        (string Name, string? Pattern, int MaxLength, bool Required)[]? parameters = null) => new
    {
        Name = name, BaseUrl = url, AllowInsecureHttp = insecure, Pagination = pagination, PageSize = pageSize, PageParameter = pageParameter,
        FirstPage = firstPage, PageSizeParameter = pageSizeParameter, OffsetParameter = offsetParameter, LimitParameter = limitParameter,
        CursorParameter = cursorParameter, CursorField = cursorField, TotalField = totalField, MaxPages = maxPages, AuthSecretArn = secretArn,
        AuthHeader = authHeader, RequestTimeoutSeconds = requestTimeout, MaxConcurrency = maxConcurrency, RequestsPerSecond = rps,
        MaxPageBytes = maxPageBytes, MaxRetryAfterSeconds = maxRetryAfter, MaxAttempts = maxAttempts,
        Parameters = (parameters ?? []).Select(p => new { p.Name, p.Pattern, p.MaxLength, p.Required }).ToArray(),
    };
}
