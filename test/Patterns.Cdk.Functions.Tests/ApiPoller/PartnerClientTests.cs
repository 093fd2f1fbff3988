using System.Net;
using Patterns.Cdk.Functions.ApiPoller.Pages;
using Patterns.Cdk.Functions.ApiPoller.Partner;
using Patterns.Cdk.Functions.Tests.FaceBlur.Detection;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.ApiPoller;

public sealed class PartnerClientTests : IDisposable
{
    private const string Secret = "Bearer s3cr3t-token";
    private const string GoodPage = """{"total":250,"items":[1,2]}""";
    private static readonly Uri PageUri = new("https://partner.example.com/v1/orders?page=1&since=2024-01-01");

    private readonly RecordingHandler _partner = new();
    private readonly List<TimeSpan> _waits = [];
    private readonly SteppingClock _clock = new(FixedClock.DefaultNow);
    private readonly TestLog _log = new();

    public void Dispose() => _partner.Dispose();

    [Fact]
    public async Task A_good_page_takes_one_request_with_the_auth_header()
    {
        _partner.Then(HttpStatusCode.OK, GoodPage);

        await using SpooledPage page = await Fetch(Client());

        page.Total.Should().Be(250);
        _partner.Requests.Should().ContainSingle().Which.Header("Authorization").Should().Be(Secret);
        _partner.Requests[0].Uri.Should().Be(PageUri);
    }

    [Fact]
    public async Task A_server_error_is_retried_after_a_jittered_backoff()
    {
        _partner.Then(HttpStatusCode.ServiceUnavailable, "{}").Then(HttpStatusCode.BadGateway, "{}").Then(HttpStatusCode.OK, GoodPage);

        await using SpooledPage page = await Fetch(Client(random: 0.5));

        _partner.Requests.Should().HaveCount(3);
        _waits.Should().Equal(TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500));
        _log.Messages("WARN").Should().HaveCount(2);
    }

    [Fact]
    public async Task A_throttle_waits_exactly_the_retry_after()
    {
        _partner.Then(HttpStatusCode.TooManyRequests, "{}", ("Retry-After", "7")).Then(HttpStatusCode.OK, GoodPage);

        await using SpooledPage page = await Fetch(Client());

        _waits.Should().Equal(TimeSpan.FromSeconds(7));
        _log.At("WARN").Single().GetProperty("retryAfterMs").GetInt64().Should().Be(7000);
    }

    [Fact]
    public async Task A_throttle_asking_more_than_the_bound_fails_at_once_as_Throttled()
    {
        _partner.Then(HttpStatusCode.TooManyRequests, "{}", ("Retry-After", "3600"));

        PartnerFetchException e = await FetchFails(Client());

        e.Failure.Code.Should().Be("Throttled");
        e.Attempts.Should().Be(1);
        _waits.Should().BeEmpty();
    }

    [Fact]
    public async Task A_client_error_is_not_retried()
    {
        _partner.Then(HttpStatusCode.NotFound, "{}");

        PartnerFetchException e = await FetchFails(Client());

        e.Failure.Code.Should().Be("ClientError:404");
        _partner.Requests.Should().ContainSingle();
    }

    [Fact]
    public async Task A_redirect_is_never_followed()
    {
        _partner.Then(HttpStatusCode.Found, "{}", ("Location", "http://169.254.169.254/latest/meta-data/"));

        PartnerFetchException e = await FetchFails(Client());

        e.Failure.Code.Should().Be("UnexpectedStatus:302");
        _partner.Requests.Should().ContainSingle();
    }

    [Fact]
    public async Task Persistent_server_errors_fail_after_max_attempts()
    {
        _partner.Fallback = () => RecordingHandler.Response(HttpStatusCode.ServiceUnavailable, "{}");

        PartnerFetchException e = await FetchFails(Client(maxAttempts: 4));

        e.Failure.Code.Should().Be("ServerError:503");
        e.Attempts.Should().Be(4);
        _partner.Requests.Should().HaveCount(4);
        _waits.Should().HaveCount(3);
    }

    [Fact]
    public async Task A_hanging_partner_times_out_and_is_retried()
    {
        _partner.ThenHang().Then(HttpStatusCode.OK, GoodPage);

        await using SpooledPage page = await Fetch(Client(timeout: TimeSpan.FromMilliseconds(200)));

        _partner.Requests.Should().HaveCount(2);
        _log.At("WARN").Single().GetProperty("failure").GetString().Should().Be("Timeout");
    }

    [Fact]
    public async Task Network_errors_are_retried_and_classified()
    {
        _partner.Fallback = () => throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused");

        PartnerFetchException e = await FetchFails(Client(maxAttempts: 2));

        e.Failure.Code.Should().Be("NetworkError");
        e.Failure.Detail.Should().Contain("ConnectionError");
    }

    [Fact]
    public async Task Malformed_json_is_not_retried()
    {
        _partner.Then(HttpStatusCode.OK, """{"items":[1,2""");

        PartnerFetchException e = await FetchFails(Client());

        e.Failure.Code.Should().Be("MalformedJson");
        _partner.Requests.Should().ContainSingle();
    }

    [Fact]
    public async Task The_secret_and_the_query_never_reach_an_exception_or_a_log_line()
    {
        _partner.Then(HttpStatusCode.InternalServerError, "{}").Then(HttpStatusCode.Forbidden, "{}");

        PartnerFetchException e = await FetchFails(Client());

        e.ToString().Should().NotContain("s3cr3t").And.NotContain("since=");
        _log.Text.Should().NotContain("s3cr3t").And.NotContain("since=");
        Settings(TimeSpan.FromSeconds(1), 3).ToString().Should().NotContain("s3cr3t");
    }

    [Fact]
    public async Task No_attempt_starts_that_could_not_finish_within_the_time_box()
    {
        _partner.Then(HttpStatusCode.ServiceUnavailable, "{}").Then(HttpStatusCode.OK, GoodPage);
        PartnerClient client = Client(timeout: TimeSpan.FromSeconds(10), random: 0.99);

        Func<Task> fetch = () => client.FetchAsync(PageUri, Spool, deadline: _clock.GetUtcNow() + TimeSpan.FromSeconds(10.1), CancellationToken.None);

        await fetch.Should().ThrowAsync<OutOfTimeException>("the retry's backoff plus its 10 s timeout would end after the deadline");
        _partner.Requests.Should().ContainSingle();
    }

    private PartnerClient Client(int maxAttempts = 5, TimeSpan? timeout = null, double random = 0.5) =>
        new(
            new HttpClient(_partner),
            Settings(timeout ?? TimeSpan.FromSeconds(5), maxAttempts),
            new PartnerTiming
            {
                Clock = _clock,
                Random = () => random,
                Delay = (wait, _) =>
                {
                    _waits.Add(wait);
                    _clock.Advance(wait);
                    return Task.CompletedTask;
                },
            },
            _log.Log);

    private static PartnerClientSettings Settings(TimeSpan timeout, int maxAttempts) => new()
    {
        RequestTimeout = timeout,
        RequestsPerSecond = 1000, // pacing is tested on its own; here it must not add waits
        MaxConcurrency = 1,
        Retry = new PartnerRetryPolicy(maxAttempts, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(60)),
        AuthHeaderValue = Secret,
    };

    private static Task<SpooledPage> Spool(Stream body, long? length, CancellationToken cancellationToken) =>
        SpooledPage.SpoolAsync(body, length, 1024 * 1024, new JsonPageScanner("total"), cancellationToken);

    private static Task<SpooledPage> Fetch(PartnerClient client) => client.FetchAsync(PageUri, Spool, deadline: null, CancellationToken.None);

    private static async Task<PartnerFetchException> FetchFails(PartnerClient client)
    {
        Func<Task> fetch = () => Fetch(client);
        return (await fetch.Should().ThrowAsync<PartnerFetchException>()).Which;
    }
}
