using Patterns.Cdk.Functions.ApiPoller.Partner;
using Patterns.Cdk.Functions.Tests.Support;

namespace Patterns.Cdk.Functions.Tests.ApiPoller;

public sealed class RetryAndPacingTests
{
    private static readonly DateTimeOffset Now = new(2025, 10, 21, 7, 28, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("120", 120)]
    [InlineData(" 0 ", 0)]
    [InlineData("Tue, 21 Oct 2025 07:28:30 GMT", 30)]
    [InlineData("Tuesday, 21-Oct-25 07:29:00 GMT", 60)]
    [InlineData("Tue Oct 21 07:28:05 2025", 5)]
    [InlineData("Tue, 21 Oct 2025 07:00:00 GMT", 0)]
    public void Retry_after_reads_seconds_and_http_dates(string header, int expectedSeconds)
    {
        RetryAfter.Parse(header, Now).Should().Be(TimeSpan.FromSeconds(expectedSeconds));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("-5")]
    [InlineData("1.5")]
    public void Retry_after_that_cannot_be_read_is_absent(string? header)
    {
        RetryAfter.Parse(header, Now).Should().BeNull();
    }

    [Fact]
    public void A_huge_retry_after_saturates_instead_of_overflowing()
    {
        RetryAfter.Parse("99999999999999999999", Now).Should().Be(TimeSpan.FromSeconds(int.MaxValue));
    }

    [Fact]
    public void Backoff_is_full_jitter_below_an_exponential_ceiling_capped_at_the_maximum()
    {
        var policy = new PartnerRetryPolicy(10, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(60));

        Enumerable.Range(1, 8).Select(retry => policy.Ceiling(retry).TotalMilliseconds).Should().Equal(500, 1000, 2000, 4000, 8000, 16000, 20000, 20000);
        policy.Backoff(3, 0).Should().Be(TimeSpan.Zero);
        policy.Backoff(3, 0.5).Should().Be(TimeSpan.FromMilliseconds(1000));
        policy.Backoff(3, 0.999999).Should().BeLessThan(TimeSpan.FromMilliseconds(2000));
        policy.Backoff(40, 0.999999).Should().BeLessThan(TimeSpan.FromSeconds(20));
        FluentActions.Invoking(() => policy.Backoff(1, 1.0)).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void A_throttle_waits_what_retry_after_asks_within_the_bound_and_gives_up_beyond_it()
    {
        var policy = new PartnerRetryPolicy(5, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(60));

        policy.ThrottledWait(TimeSpan.FromSeconds(7), 1, 0.5).Should().Be(TimeSpan.FromSeconds(7));
        policy.ThrottledWait(TimeSpan.FromSeconds(60), 1, 0.5).Should().Be(TimeSpan.FromSeconds(60));
        policy.ThrottledWait(TimeSpan.FromSeconds(61), 1, 0.5).Should().BeNull();
        policy.ThrottledWait(null, 2, 0.5).Should().Be(TimeSpan.FromMilliseconds(500), "without Retry-After a throttle backs off like a 5xx");
    }

    [Theory]
    [InlineData(404, "ClientError:404", false)]
    [InlineData(400, "ClientError:400", false)]
    [InlineData(401, "ClientError:401", false)]
    [InlineData(429, "Throttled", true)]
    [InlineData(500, "ServerError:500", true)]
    [InlineData(503, "ServerError:503", true)]
    [InlineData(302, "UnexpectedStatus:302", false)]
    public void Statuses_are_classified(int status, string code, bool retryable)
    {
        FetchFailure failure = FetchFailure.ForStatus(status, "detail");

        failure.Code.Should().Be(code);
        failure.Retryable.Should().Be(retryable);
    }

    [Theory]
    [InlineData(nameof(FailureKind.Timeout), true)]
    [InlineData(nameof(FailureKind.NetworkError), true)]
    [InlineData(nameof(FailureKind.MalformedJson), false)]
    [InlineData(nameof(FailureKind.PageTooLarge), false)]
    public void Other_failures_are_classified(string code, bool retryable)
    {
        var failure = new FetchFailure(Enum.Parse<FailureKind>(code), null, "detail");

        failure.Code.Should().Be(code);
        failure.Retryable.Should().Be(retryable);
    }

    [Fact]
    public async Task The_pacer_spaces_request_starts_by_max_concurrency_over_requests_per_second()
    {
        var clock = new SteppingClock(Now);
        var waits = new List<TimeSpan>();
        var pacer = new RequestPacer(requestsPerSecond: 10, maxConcurrency: 5, clock, (wait, _) =>
        {
            waits.Add(wait);
            clock.Advance(wait);
            return Task.CompletedTask;
        });

        for (int i = 0; i < 4; i++)
        {
            await pacer.WaitTurnAsync(CancellationToken.None);
        }

        pacer.Interval.Should().Be(TimeSpan.FromMilliseconds(500), "5 workers at 2 requests per second each make the job's 10 per second");
        waits.Should().Equal(TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(500));
        clock.GetUtcNow().Should().Be(Now + TimeSpan.FromMilliseconds(1500));
    }

    [Fact]
    public async Task The_pacer_does_not_wait_when_the_worker_was_slower_than_the_interval()
    {
        var clock = new SteppingClock(Now);
        var waits = new List<TimeSpan>();
        var pacer = new RequestPacer(1, 1, clock, (wait, _) =>
        {
            waits.Add(wait);
            return Task.CompletedTask;
        });

        await pacer.WaitTurnAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(3));
        await pacer.WaitTurnAsync(CancellationToken.None);

        waits.Should().BeEmpty();
    }
}

/// <summary>A clock that only moves when told to.</summary>
internal sealed class SteppingClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
