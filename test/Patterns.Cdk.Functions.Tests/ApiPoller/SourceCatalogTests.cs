using Patterns.Cdk.Functions.ApiPoller.Sources;
using Patterns.Cdk.Functions.Shared;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.ApiPoller;

public class SourceCatalogTests
{
    [Fact]
    public void Parses_sources_and_applies_the_documented_defaults()
    {
        SourceCatalog catalog = SourceSamples.Catalog;

        catalog.Sources.Select(s => s.Name).Should().Equal("orders", "feed");
        SourceDefinition orders = catalog.Get("orders");
        orders.Pagination.Should().Be(PaginationStrategy.PageNumber);
        orders.BaseUri.Should().Be(new Uri("https://partner.example.com/v1/orders"));
        orders.PageParameter.Should().Be("page");
        orders.FirstPage.Should().Be(1);
        orders.TotalField.Should().Be("total");
        orders.MaxPages.Should().Be(1_000_000);
        orders.RequestTimeoutSeconds.Should().Be(10);
        orders.MaxConcurrency.Should().Be(5);
        orders.RequestsPerSecond.Should().Be(5);
        orders.MaxPageBytes.Should().Be(10 * 1024 * 1024);
        orders.MaxRetryAfterSeconds.Should().Be(60);
        orders.MaxAttempts.Should().Be(5);
        orders.AuthHeader.Should().Be("Authorization");
        orders.AuthSecretArn.Should().BeNull();
        orders.Parameters.Should().HaveCount(3);
        orders.FindParameter("since")!.Required.Should().BeTrue();
        orders.FindParameter("region")!.Required.Should().BeFalse();
        orders.FindParameter("Since").Should().BeNull("parameter names are case-sensitive, like query strings");
        catalog.Get("feed").Parameters.Should().BeEmpty();
    }

    [Fact]
    public void Reserved_query_parameters_follow_the_pagination_strategy()
    {
        SourceSamples.Orders.ReservedQueryParameters.Should().Equal("page");
        SourceSamples.Feed.ReservedQueryParameters.Should().Equal("cursor");
        SourceCatalog.Parse(Json("\"pagination\": \"OffsetLimit\"")).Sources[0].ReservedQueryParameters.Should().Equal("offset", "limit");
        SourceCatalog.Parse(Json("\"pageSizeParameter\": \"size\"")).Sources[0].ReservedQueryParameters.Should().Equal("page", "size");
    }

    [Fact]
    public void Lookup_of_an_unknown_source_is_bad_input()
    {
        SourceSamples.Catalog.TryGet("nope", out _).Should().BeFalse();
        FluentActions.Invoking(() => SourceSamples.Catalog.Get("nope")).Should().Throw<BadInputException>().WithMessage("*unknown source 'nope'*");
    }

    [Theory]
    [InlineData("\"name\": \"Orders\"", "name must match")]
    [InlineData("\"name\": \"-orders\"", "name must match")]
    [InlineData("\"baseUrl\": \"partner.example.com/v1\"", "baseUrl must be an absolute URL")]
    [InlineData("\"baseUrl\": \"/v1/orders\"", "baseUrl must use https")]
    [InlineData("\"baseUrl\": \"http://partner.example.com\"", "baseUrl must use https")]
    [InlineData("\"baseUrl\": \"ftp://partner.example.com\"", "baseUrl must use https")]
    [InlineData("\"baseUrl\": \"https://user:pw@partner.example.com\"", "must not contain user info")]
    [InlineData("\"pageSize\": 0", "pageSize must be between 1 and 10000 (got 0)")]
    [InlineData("\"firstPage\": 2", "firstPage must be between 0 and 1")]
    [InlineData("\"maxPages\": 0", "maxPages must be between")]
    [InlineData("\"requestTimeoutSeconds\": 901", "requestTimeoutSeconds must be between")]
    [InlineData("\"maxConcurrency\": 0", "maxConcurrency must be between")]
    [InlineData("\"requestsPerSecond\": 0", "requestsPerSecond must be greater than 0")]
    [InlineData("\"maxPageBytes\": 0", "maxPageBytes must be between")]
    [InlineData("\"maxRetryAfterSeconds\": -1", "maxRetryAfterSeconds must be between")]
    [InlineData("\"maxAttempts\": 21", "maxAttempts must be between")]
    [InlineData("\"authSecretArn\": \"my-secret\"", "authSecretArn must be an ARN")]
    [InlineData("\"authHeader\": \"Bad Header\"", "authHeader must be an HTTP header name")]
    [InlineData("\"pageParameter\": \"pa ge\"", "pageParameter must be 1-64 characters")]
    [InlineData("\"totalField\": \"\"", "totalField is required for PageNumber pagination")]
    [InlineData("\"parameters\": [{\"name\": \"page\"}]", "the name is the source's own pagination parameter")]
    [InlineData("\"parameters\": [{\"name\": \"a\"}, {\"name\": \"a\"}]", "declared twice")]
    [InlineData("\"parameters\": [{\"name\": \"a&b\"}]", "name must be 1-64 characters")]
    [InlineData("\"parameters\": [{\"name\": \"a\", \"pattern\": \"(\"}]", "pattern is not a valid regular expression")]
    [InlineData("\"parameters\": [{\"name\": \"a\", \"maxLength\": 0}]", "maxLength must be between 1 and 2048")]
    public void Rejects_an_invalid_member_naming_the_source_and_the_problem(string member, string problem)
    {
        FluentActions.Invoking(() => SourceCatalog.Parse(Json(member)))
            .Should().Throw<InvalidOperationException>()
            .WithMessage($"*API_POLLER_SOURCES is invalid*source [0]*{problem}*");
    }

    [Fact]
    public void Http_is_accepted_only_with_allowInsecureHttp()
    {
        SourceCatalog.Parse(Json("\"baseUrl\": \"http://localhost:9000/x\", \"allowInsecureHttp\": true")).Sources[0].BaseUri.Scheme.Should().Be("http");
    }

    [Fact]
    public void Lists_every_problem_at_once()
    {
        FluentActions.Invoking(() => SourceCatalog.Parse(Json("\"pageSize\": 0, \"maxAttempts\": 0, \"maxConcurrency\": 0")))
            .Should().Throw<InvalidOperationException>()
            .Which.Message.Should().Contain("pageSize").And.Contain("maxAttempts").And.Contain("maxConcurrency");
    }

    [Theory]
    [InlineData("[]", "at least one source is required")]
    [InlineData("null", "JSON null")]
    [InlineData("{}", "not a JSON array")]
    [InlineData("[{\"name\": \"a\"", "not a JSON array")]
    [InlineData("[{\"name\": \"a\", \"baseUrl\": \"https://x\", \"pageSize\": 1}]", "pagination")]
    [InlineData("[{\"name\": \"a\", \"baseUrl\": \"https://x\", \"pagination\": \"Pages\", \"pageSize\": 1}]", "not a JSON array")]
    [InlineData("[{\"name\": \"a\", \"baseUrl\": \"https://x\", \"pagination\": \"Cursor\", \"pageSize\": 1, \"pagesize\": 2}]", "pagesize")]
    public void Rejects_a_document_that_is_not_an_array_of_complete_sources(string json, string problem)
    {
        FluentActions.Invoking(() => SourceCatalog.Parse(json))
            .Should().Throw<InvalidOperationException>()
            .WithMessage($"*{problem}*");
    }

    [Fact]
    public void Rejects_two_sources_with_one_name()
    {
        string source = """{"name": "a", "baseUrl": "https://x", "pagination": "Cursor", "pageSize": 1}""";
        FluentActions.Invoking(() => SourceCatalog.Parse($"[{source}, {source}]"))
            .Should().Throw<InvalidOperationException>().WithMessage("*source [1] 'a': name is used by an earlier source*");
    }

    [Fact]
    public void Reads_the_environment_variable()
    {
        SourceCatalog.FromEnvironment(Env.Of(("API_POLLER_SOURCES", SourceSamples.CatalogJson))).Sources.Should().HaveCount(2);
        FluentActions.Invoking(() => SourceCatalog.FromEnvironment(Env.Of()))
            .Should().Throw<InvalidOperationException>().WithMessage("API_POLLER_SOURCES is required*");
    }

    /// <summary>One valid PageNumber source with <paramref name="members"/> added (a repeated member overrides: the last one wins).</summary>
    private static string Json(string members) =>
        "[{\"name\": \"s\", \"baseUrl\": \"https://partner.example.com\", \"pagination\": \"PageNumber\", \"pageSize\": 10, " + members + "}]";
}
