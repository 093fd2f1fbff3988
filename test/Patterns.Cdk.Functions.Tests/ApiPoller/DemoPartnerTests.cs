using System.Text;
using System.Text.Json;
using Patterns.Cdk.Functions.ApiPoller;
using Patterns.Cdk.Functions.ApiPoller.Demo;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.ApiPoller;

public sealed class DemoPartnerTests
{
    private static readonly DemoPartnerPages Pages = new(new DemoPartnerOptions(TotalItems: 250, Seed: 7));

    [Fact]
    public void Page_offset_and_cursor_paging_serve_the_same_items()
    {
        JsonElement byPage = Answer(new() { ["page"] = "2", ["pageSize"] = "100" });
        JsonElement byOffset = Answer(new() { ["offset"] = "100", ["limit"] = "100" });
        JsonElement byCursor = Answer(new() { ["cursor"] = DemoPartnerPages.CursorFor(100), ["pageSize"] = "100" });

        byPage.GetProperty("items").GetRawText().Should().Be(byOffset.GetProperty("items").GetRawText()).And.Be(byCursor.GetProperty("items").GetRawText());
        byPage.GetProperty("items")[0].GetProperty("id").GetInt32().Should().Be(101);
        byPage.GetProperty("total").GetInt32().Should().Be(250);
        byPage.GetProperty("next").GetString().Should().Be("o200");
    }

    [Fact]
    public void The_last_page_is_short_and_has_no_next_cursor()
    {
        JsonElement last = Answer(new() { ["page"] = "3", ["pageSize"] = "100" });

        last.GetProperty("items").GetArrayLength().Should().Be(50);
        last.GetProperty("next").ValueKind.Should().Be(JsonValueKind.Null);
        Answer(new() { ["page"] = "4", ["pageSize"] = "100" }).GetProperty("items").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public void Items_are_deterministic_for_a_seed()
    {
        var again = new DemoPartnerPages(new DemoPartnerOptions(TotalItems: 250, Seed: 7));
        var other = new DemoPartnerPages(new DemoPartnerOptions(TotalItems: 250, Seed: 8));

        again.Page(0, 10).Should().Be(Pages.Page(0, 10));
        other.Page(0, 10).Should().NotBe(Pages.Page(0, 10));
    }

    [Theory]
    [InlineData("page", "0")]
    [InlineData("page", "x")]
    [InlineData("pageSize", "1001")]
    [InlineData("offset", "-1")]
    [InlineData("cursor", "forged")]
    public void Bad_paging_parameters_are_400(string name, string value)
    {
        Pages.Answer("GET", "/items", new Dictionary<string, string> { [name] = value }, () => 0.5).StatusCode.Should().Be(400);
    }

    [Fact]
    public void Errors_are_drawn_at_the_configured_rate_half_500_half_429_with_retry_after()
    {
        var flaky = new DemoPartnerPages(new DemoPartnerOptions(ErrorRate: 0.2, MaxDelayMs: 1000));
        var draws = new Queue<double>([0.5, 0.05, 0.5, 0.15, 0.5, 0.25]);

        DemoAnswer serverError = flaky.Answer("GET", "/items", new Dictionary<string, string>(), draws.Dequeue);
        DemoAnswer throttled = flaky.Answer("GET", "/items", new Dictionary<string, string>(), draws.Dequeue);
        DemoAnswer fine = flaky.Answer("GET", "/items", new Dictionary<string, string>(), draws.Dequeue);

        serverError.StatusCode.Should().Be(500);
        throttled.StatusCode.Should().Be(429);
        throttled.Headers.Should().Contain(new KeyValuePair<string, string>("Retry-After", "1"));
        fine.StatusCode.Should().Be(200);
        fine.Delay.Should().Be(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public void Unknown_paths_and_methods_are_refused()
    {
        Pages.Answer("GET", "/admin", new Dictionary<string, string>(), () => 0).StatusCode.Should().Be(404);
        Pages.Answer("POST", "/items", new Dictionary<string, string>(), () => 0).StatusCode.Should().Be(405);
    }

    [Fact]
    public async Task The_lambda_entry_point_answers_an_http_api_request()
    {
        var log = new TestLog();
        var waits = new List<TimeSpan>();
        var handler = new DemoPartner(new DemoPartnerOptions(TotalItems: 5, MaxDelayMs: 100), () => 0.5, wait =>
        {
            waits.Add(wait);
            return Task.CompletedTask;
        }, log.Log);
        const string Event = """
            {"version":"2.0","routeKey":"GET /items","rawPath":"/items","rawQueryString":"page=1&pageSize=2",
             "queryStringParameters":{"page":"1","pageSize":"2"},
             "requestContext":{"http":{"method":"GET","path":"/items"}},"isBase64Encoded":false}
            """;

        Stream output = await handler.HandleAsync(new MemoryStream(Encoding.UTF8.GetBytes(Event)));

        using JsonDocument response = JsonDocument.Parse(output);
        response.RootElement.GetProperty("statusCode").GetInt32().Should().Be(200);
        using JsonDocument body = JsonDocument.Parse(response.RootElement.GetProperty("body").GetString()!);
        body.RootElement.GetProperty("items").GetArrayLength().Should().Be(2);
        waits.Should().Equal(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void Settings_are_read_and_checked()
    {
        DemoPartner.ReadOptions(Env.Of(("DEMO_TOTAL_ITEMS", "12"), ("DEMO_ERROR_RATE", "0.1"), ("DEMO_MAX_DELAY_MS", "250"), ("DEMO_SEED", "-3")))
            .Should().Be(new DemoPartnerOptions(12, -3, 250, 0.1));
        FluentActions.Invoking(() => DemoPartner.ReadOptions(Env.Of(("DEMO_ERROR_RATE", "2"), ("DEMO_TOTAL_ITEMS", "many"))))
            .Should().Throw<InvalidOperationException>().WithMessage("*DEMO_TOTAL_ITEMS*DEMO_ERROR_RATE*");
    }

    private static JsonElement Answer(Dictionary<string, string> query)
    {
        DemoAnswer answer = Pages.Answer("GET", "/items", query, () => 0.5);
        answer.StatusCode.Should().Be(200);
        using JsonDocument document = JsonDocument.Parse(answer.Body);
        return document.RootElement.Clone();
    }
}
