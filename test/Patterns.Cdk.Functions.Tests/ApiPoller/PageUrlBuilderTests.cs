using Patterns.Cdk.Functions.ApiPoller.Partner;
using Patterns.Cdk.Functions.ApiPoller.Sources;

namespace Patterns.Cdk.Functions.Tests.ApiPoller;

public sealed class PageUrlBuilderTests
{
    private static readonly SourceCatalog Catalog = SourceCatalog.Parse("""
        [
          { "name": "numbered", "baseUrl": "https://p.example.com/v1/orders?format=json", "pagination": "PageNumber", "pageSize": 50,
            "pageParameter": "p", "firstPage": 0, "pageSizeParameter": "per_page",
            "parameters": [ { "name": "since", "maxLength": 64 }, { "name": "q", "maxLength": 64 } ] },
          { "name": "plain", "baseUrl": "https://p.example.com/items", "pagination": "PageNumber", "pageSize": 10 },
          { "name": "offsets", "baseUrl": "https://p.example.com/items", "pagination": "OffsetLimit", "pageSize": 200 },
          { "name": "cursor", "baseUrl": "https://p.example.com/feed", "pagination": "Cursor", "pageSize": 10, "cursorParameter": "after" }
        ]
        """);

    [Fact]
    public void Page_numbers_start_at_the_source_first_page_and_keep_the_base_query()
    {
        JobParameters parameters = JobParameters.Validate(Catalog.Get("numbered"), new Dictionary<string, string> { ["since"] = "2024-01-01", ["q"] = "a b&c=d" }).Parameters!;

        Uri uri = PageUrlBuilder.ForPage(Catalog.Get("numbered"), parameters, 1);

        uri.AbsoluteUri.Should().Be("https://p.example.com/v1/orders?format=json&q=a%20b%26c%3Dd&since=2024-01-01&p=0&per_page=50");
    }

    [Fact]
    public void Without_a_page_size_parameter_only_the_page_is_sent()
    {
        PageUrlBuilder.ForPage(Catalog.Get("plain"), JobParameters.Empty, 7).AbsoluteUri.Should().Be("https://p.example.com/items?page=7");
    }

    [Theory]
    [InlineData(1, "offset=0&limit=200")]
    [InlineData(2, "offset=200&limit=200")]
    [InlineData(1_000_000, "offset=199999800&limit=200")]
    [InlineData(int.MaxValue, "offset=429496729200&limit=200")]
    public void Offsets_are_whole_pages_of_page_size(int page, string query)
    {
        PageUrlBuilder.ForPage(Catalog.Get("offsets"), JobParameters.Empty, page).Query.Should().Be("?" + query);
    }

    [Fact]
    public void The_first_cursor_page_has_no_cursor_and_later_ones_carry_it_encoded()
    {
        SourceDefinition cursor = Catalog.Get("cursor");

        PageUrlBuilder.ForCursor(cursor, JobParameters.Empty, null).AbsoluteUri.Should().Be("https://p.example.com/feed");
        PageUrlBuilder.ForCursor(cursor, JobParameters.Empty, "").AbsoluteUri.Should().Be("https://p.example.com/feed");
        PageUrlBuilder.ForCursor(cursor, JobParameters.Empty, "eyJ0Ijo+/=").AbsoluteUri.Should().Be("https://p.example.com/feed?after=eyJ0Ijo%2B%2F%3D");
    }

    [Fact]
    public void The_strategy_must_match()
    {
        FluentActions.Invoking(() => PageUrlBuilder.ForPage(Catalog.Get("cursor"), JobParameters.Empty, 1)).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => PageUrlBuilder.ForCursor(Catalog.Get("plain"), JobParameters.Empty, "x")).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => PageUrlBuilder.ForPage(Catalog.Get("plain"), JobParameters.Empty, 0)).Should().Throw<ArgumentOutOfRangeException>();
    }
}
