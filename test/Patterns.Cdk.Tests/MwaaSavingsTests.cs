using System.Diagnostics;
using FluentAssertions;
using Patterns.Cdk.MwaaScheduler;
using Xunit;
using Xunit.Abstractions;

namespace Patterns.Cdk.Tests;

/// <summary>
/// <see cref="MwaaSavings"/> and <see cref="MwaaPrices"/>: the simulated year 2027, the billed time per pause, prices,
/// the coincidence check and the summary line. Calendar facts: 2027-01-01 is a Friday and 2027 has 365 days (52 weeks
/// and one day), so it has 53 Fridays and 52 of every other weekday; 2026-12-31 is a Thursday.
/// </summary>
public class MwaaSavingsTests(ITestOutputHelper output)
{
    /// <summary>Weekday evenings 19:00-07:00 (Monday to Thursday nights) and weekends (Friday 19:00 to Monday 07:00).</summary>
    private static readonly PauseWindow[] EveningsAndWeekends =
    [
        new() { Name = "weeknights", Pause = "cron(0 19 ? * MON-THU *)", Resume = "cron(0 7 ? * TUE-FRI *)" },
        new() { Name = "weekends", Pause = "cron(0 19 ? * FRI *)", Resume = "cron(0 7 ? * MON *)" },
    ];

    // Paused hours of EveningsAndWeekends in 2027, by hand (the same in Paris and New York: both change the clock on a
    // Sunday inside a weekend pause):
    // - 2027-01-01 00:00-07:00: the Thursday 2026-12-31 19:00 weeknight pause lasts into 2027: 7 h, weeknights, no
    //   2027 cycle, and its 30 billed minutes fall in 2026.
    // - weeknights: 52 weeks x 4 nights (Mon-Thu) = 208 cycles of 12 h, each less 0.5 h billed: 208 x 11.5 = 2392 h.
    // - weekends: Fridays 2027-01-01 .. 2027-12-24 = 52 cycles of 60 h (the spring-forward weekend is 59 h, the
    //   fall-back one 61 h: they cancel), each less 0.5 h: 52 x 59.5 = 3094 h; plus Friday 2027-12-31 19:00 to the end
    //   of the year: 5 h - 0.5 h = 4.5 h (53 cycles).
    // weeknights 7 + 2392 = 2399 h -> 199.9167 h/month, 208 / 12 = 17.3 -> 17 cycles/month;
    // weekends 3094 + 4.5 = 3098.5 h -> 258.2083 h/month, 53 / 12 = 4.4 -> 4 cycles/month;
    // total 5497.5 h / 12 = 458.125 h/month; x $0.49 = $224.48125.
    [Theory]
    [InlineData("Europe/Paris")]
    [InlineData("America/New_York")]
    public void Weekday_evenings_and_weekends_pause_458_hours_a_month(string timeZone)
    {
        var estimate = MwaaSavings.Estimate(EveningsAndWeekends, timeZone, "mw1.small", null);

        estimate.PausedHoursPerMonth.Should().BeApproximately(458.125, 1e-9);
        estimate.Rows.Should().HaveCount(2);
        estimate.Rows[0].Window.Should().Be("weeknights");
        estimate.Rows[0].PausedHoursPerMonth.Should().BeApproximately(2399 / 12.0, 1e-9);
        estimate.Rows[0].CyclesPerMonth.Should().Be(17);
        estimate.Rows[1].Window.Should().Be("weekends");
        estimate.Rows[1].PausedHoursPerMonth.Should().BeApproximately(3098.5 / 12, 1e-9);
        estimate.Rows[1].CyclesPerMonth.Should().Be(4);
        estimate.HourlyPriceUsd.Should().Be(0.49);
        estimate.MonthlySavingsUsd.Should().BeApproximately(224.48125, 1e-9);
        estimate.EnvironmentClass.Should().Be("mw1.small");
        estimate.PriceSource.Should().Be("list price us-east-1 2026-12-04");
        estimate.Summary.Should().Be("~$224.48/month: 458.1 paused h/month x $0.49/h (mw1.small, list price us-east-1 2026-12-04; base environment only)");
    }

    [Theory]
    // Friday 2027-03-26 19:00 to Monday 2027-03-29 07:00: 60 wall-clock hours, 59 real ones in Paris (spring forward
    // on the 28th), 60 in UTC; less the 0.5 billed hour; one cycle, 1/12 -> 0 cycles a month.
    [InlineData("Europe/Paris", 58.5)]
    [InlineData("UTC", 59.5)]
    public void Paused_hours_are_real_hours_in_the_zone(string timeZone, double hours)
    {
        PauseWindow[] windows = [new() { Name = "spring", Pause = "cron(0 19 26 3 ? 2027)", Resume = "cron(0 7 29 3 ? 2027)" }];

        var estimate = MwaaSavings.Estimate(windows, timeZone, "mw1.small", null);

        estimate.PausedHoursPerMonth.Should().BeApproximately(hours / 12, 1e-9);
        estimate.Rows.Should().ContainSingle().Which.CyclesPerMonth.Should().Be(0);
    }

    [Fact]
    public void A_pause_while_paused_and_a_resume_while_running_change_nothing()
    {
        // UTC. "weekend" pauses Friday 19:00; "saturday" pauses Saturday 12:00 (already paused: nothing) and resumes
        // Saturday 18:00 (resumes the environment); "weekend"'s Monday 07:00 resume finds it running (nothing).
        // Per week: Friday 19:00 -> Saturday 18:00 = 23 h - 0.5 h = 22.5 h for "weekend". 2027: 52 such weeks
        // (Fridays 01-01 .. 12-24) = 1170 h, plus Friday 12-31 19:00 -> 2028-01-01 00:00 = 5 h - 0.5 h = 4.5 h;
        // 1174.5 h / 12 = 97.875 h/month; 53 cycles / 12 -> 4. "saturday" starts no pause: 0 h, 0 cycles.
        PauseWindow[] windows =
        [
            new() { Name = "weekend", Pause = "cron(0 19 ? * FRI *)", Resume = "cron(0 7 ? * MON *)" },
            new() { Name = "saturday", Pause = "cron(0 12 ? * SAT *)", Resume = "cron(0 18 ? * SAT *)" },
        ];

        var estimate = MwaaSavings.Estimate(windows, "UTC", "mw1.small", null);

        estimate.Rows[0].PausedHoursPerMonth.Should().BeApproximately(97.875, 1e-9);
        estimate.Rows[0].CyclesPerMonth.Should().Be(4);
        estimate.Rows[1].PausedHoursPerMonth.Should().Be(0);
        estimate.Rows[1].CyclesPerMonth.Should().Be(0);
        estimate.PausedHoursPerMonth.Should().BeApproximately(97.875, 1e-9);
    }

    [Fact]
    public void A_pause_shorter_than_the_billed_time_saves_nothing()
    {
        PauseWindow[] windows = [new() { Name = "blink", Pause = "cron(0 12 * * ? *)", Resume = "cron(20 12 * * ? *)" }];

        var estimate = MwaaSavings.Estimate(windows, "UTC", "mw1.small", null);

        estimate.PausedHoursPerMonth.Should().Be(0);
        estimate.Rows[0].CyclesPerMonth.Should().Be(30); // 365 / 12 = 30.4
    }

    [Fact]
    public void ShortestPauses_gives_each_window_its_shortest_paused_interval()
    {
        // Weeknights are 12 h; weekends 60 h, but 59 h in Paris over the spring-forward weekend (2027-03-26 to 03-29).
        // "saturday" pauses only while the weekend pause holds (and resumes with it): it starts no pause of its own, null.
        PauseWindow[] windows = [.. EveningsAndWeekends, new() { Name = "saturday", Pause = "cron(0 12 ? * SAT *)", Resume = "cron(0 7 ? * MON *)" }];

        MwaaSavings.ShortestPauses(windows, "Europe/Paris").Should().Equal(TimeSpan.FromHours(12), TimeSpan.FromHours(59), null);
        MwaaSavings.ShortestPauses([new() { Name = "blink", Pause = "cron(0 12 * * ? *)", Resume = "cron(20 12 * * ? *)" }], "UTC")
            .Should().Equal(TimeSpan.FromMinutes(20));
    }

    [Theory]
    [InlineData("mw1.small", 0.49)]
    [InlineData("mw1.medium", 0.88)]
    [InlineData("mw1.large", 1.65)]
    public void Known_classes_have_their_list_price(string environmentClass, double price)
    {
        MwaaPrices.HourlyUsd(environmentClass).Should().Be(price);
        var estimate = MwaaSavings.Estimate(EveningsAndWeekends, "Europe/Paris", environmentClass, null);
        estimate.HourlyPriceUsd.Should().Be(price);
        estimate.MonthlySavingsUsd.Should().BeApproximately(458.125 * price, 1e-9);
        MwaaSavings.PriceProblem(environmentClass, null).Should().BeNull();
    }

    [Theory]
    [InlineData("mw1.micro")]
    [InlineData("mw1.xlarge")]
    [InlineData("mw1.2xlarge")]
    [InlineData("MW1.SMALL")]
    [InlineData("")]
    public void Classes_without_a_source_have_no_price(string environmentClass) =>
        MwaaPrices.HourlyUsd(environmentClass).Should().BeNull();

    [Fact]
    public void An_unknown_class_without_HourlyPrice_is_a_problem()
    {
        const string problem = "is required for environment class \"mw1.xlarge\", which has no list price in this package (known: mw1.small, mw1.medium, mw1.large; us-east-1, 2026-12-04)";

        MwaaSavings.PriceProblem("mw1.xlarge", null).Should().Be(problem);
        FluentActions.Invoking(() => MwaaSavings.Estimate(EveningsAndWeekends, "Europe/Paris", "mw1.xlarge", null))
            .Should().Throw<ArgumentException>().WithMessage("HourlyPrice: " + problem + "*");
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_negative_or_non_finite_HourlyPrice_is_a_problem(double price) =>
        MwaaSavings.PriceProblem("mw1.small", price).Should().Be("must be a finite price in US dollars, 0 or more");

    [Fact]
    public void HourlyPrice_overrides_the_list_price_and_prices_any_class()
    {
        var known = MwaaSavings.Estimate(EveningsAndWeekends, "Europe/Paris", "mw1.small", 0.5);
        var unknown = MwaaSavings.Estimate(EveningsAndWeekends, "Europe/Paris", "mw1.2xlarge", 8);

        known.HourlyPriceUsd.Should().Be(0.5);
        known.MonthlySavingsUsd.Should().BeApproximately(229.0625, 1e-9);
        known.PriceSource.Should().Be("HourlyPrice prop");
        known.Summary.Should().Be("~$229.06/month: 458.1 paused h/month x $0.50/h (mw1.small, HourlyPrice prop; base environment only)");
        unknown.Summary.Should().Be("~$3,665.00/month: 458.1 paused h/month x $8.00/h (mw1.2xlarge, HourlyPrice prop; base environment only)");
        MwaaSavings.PriceProblem("mw1.2xlarge", 8).Should().BeNull();
    }

    [Fact]
    public void No_windows_save_nothing_and_say_so()
    {
        var estimate = MwaaSavings.Estimate([], "UTC", "mw1.small", null);

        estimate.PausedHoursPerMonth.Should().Be(0);
        estimate.MonthlySavingsUsd.Should().Be(0);
        estimate.Rows.Should().BeEmpty();
        estimate.Summary.Should().Be("~$0.00/month: no pause windows, pause and resume on demand only (mw1.small at $0.49/h, list price us-east-1 2026-12-04)");
    }

    [Fact]
    public void An_expression_that_is_not_a_recurring_schedule_is_named_by_its_window()
    {
        PauseWindow[] windows = [.. EveningsAndWeekends, new() { Name = "once", Pause = "at(2027-05-01T00:00:00)", Resume = "cron(0 7 ? * MON *)" }];

        FluentActions.Invoking(() => MwaaSavings.Estimate(windows, "UTC", "mw1.small", null))
            .Should().Throw<ArgumentException>().WithMessage("Windows[2].Pause: \"at(2027-05-01T00:00:00)\" is a one-time schedule*");
    }

    [Fact]
    public void An_unknown_time_zone_is_refused() =>
        FluentActions.Invoking(() => MwaaSavings.Estimate(EveningsAndWeekends, "Mars/Olympus_Mons", "mw1.small", null))
            .Should().Throw<ArgumentException>().WithMessage("TimeZone: \"Mars/Olympus_Mons\" is not a time zone of this machine's IANA database*");

    [Fact]
    public void Windows_that_never_fire_together_have_no_coincidence() =>
        MwaaSavings.CoincidenceProblem(EveningsAndWeekends, "Europe/Paris").Should().BeNull();

    [Fact]
    public void A_pause_and_a_resume_at_the_same_minute_are_named_with_the_first_time()
    {
        PauseWindow[] windows =
        [
            new() { Name = "nights", Pause = "cron(0 19 ? * MON-FRI *)", Resume = "cron(0 7 ? * MON-FRI *)" },
            new() { Name = "mondays", Pause = "cron(0 7 ? * SAT *)", Resume = "cron(0 19 ? * MON *)" },
        ];

        MwaaSavings.CoincidenceProblem(windows, "Europe/Paris").Should().Be("Windows[0].Pause and Windows[1].Resume both fire at 2027-01-04 19:00 Europe/Paris");
    }

    [Fact]
    public void A_window_whose_pause_and_resume_coincide_is_named_twice()
    {
        // Two daily rates count from the same start: they fire together every day (2027-01-01 00:00 first).
        PauseWindow[] windows = [new() { Name = "rates", Pause = "rate(1 day)", Resume = "rate(1 day)" }];

        MwaaSavings.CoincidenceProblem(windows, "Europe/Paris").Should().Be("Windows[0].Pause and Windows[0].Resume both fire at 2027-01-01 00:00 Europe/Paris");
    }

    [Fact]
    public void Crons_are_compared_beyond_2027()
    {
        // 29 February falls on a Tuesday in 2028.
        PauseWindow[] windows = [new() { Name = "leap", Pause = "cron(0 19 29 2 ? *)", Resume = "cron(0 19 ? * TUE *)" }];

        MwaaSavings.CoincidenceProblem(windows, "America/New_York").Should().Be("Windows[0].Pause and Windows[0].Resume both fire at 2028-02-29 19:00 America/New_York");
    }

    [Fact]
    public void The_coincidence_check_skips_what_the_validation_reports()
    {
        PauseWindow[] windows = [new() { Name = "bad", Pause = "cron(0 19 * * * *)", Resume = "at(2027-01-04T19:00:00)" }, .. EveningsAndWeekends];

        MwaaSavings.CoincidenceProblem(windows, "Europe/Paris").Should().BeNull();
        MwaaSavings.CoincidenceProblem(EveningsAndWeekends, "Mars/Olympus_Mons").Should().BeNull();
    }

    [Fact]
    public void Three_windows_are_estimated_and_checked_quickly()
    {
        PauseWindow[] windows = [.. EveningsAndWeekends, new() { Name = "lunch", Pause = "cron(0 12 ? * MON-FRI *)", Resume = "cron(30 13 ? * MON-FRI *)" }];
        MwaaSavings.Estimate(windows, "Europe/Paris", "mw1.small", null); // warm-up (JIT, time-zone data)
        MwaaSavings.CoincidenceProblem(windows, "Europe/Paris");

        var watch = Stopwatch.StartNew();
        var estimate = MwaaSavings.Estimate(windows, "Europe/Paris", "mw1.small", null);
        var estimated = watch.Elapsed;
        var problem = MwaaSavings.CoincidenceProblem(windows, "Europe/Paris");
        var total = watch.Elapsed;
        output.WriteLine($"3 windows: estimate {estimated.TotalMilliseconds:F1} ms, estimate + coincidence check {total.TotalMilliseconds:F1} ms");

        problem.Should().BeNull();
        estimate.Rows.Should().HaveCount(3);
        total.Should().BeLessThan(TimeSpan.FromSeconds(1)); // measured ~ms; generous for a loaded machine
    }
}
