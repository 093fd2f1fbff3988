using System.Globalization;
using FluentAssertions;
using Patterns.Cdk.Core;
using Xunit;

namespace Patterns.Cdk.Tests;

/// <summary>
/// <see cref="CronCalendar"/>: every cron feature of the Scheduler grammar, rates, and the documented daylight saving
/// time behaviour (a local time in a spring-forward gap is skipped, one in a fall-back overlap fires once).
/// Calendar facts used below: 2027-01-01 is a Friday; Europe/Paris springs forward on 2027-03-28 (02:00 -> 03:00) and
/// falls back on 2027-10-31 (03:00 -> 02:00); America/New_York springs forward on 2027-03-14 (02:00 -> 03:00) and falls
/// back on 2027-11-07 (02:00 -> 01:00); Australia/Sydney falls back on 2027-04-04 (03:00 -> 02:00); America/Santiago
/// and America/Havana change at midnight (below).
/// </summary>
public class CronCalendarTests
{
    private static readonly TimeZoneInfo Utc = TimeZoneInfo.Utc;
    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    private static readonly TimeZoneInfo Sydney = TimeZoneInfo.FindSystemTimeZoneById("Australia/Sydney");

    /// <summary>Occurrences between two UTC times, as "yyyy-MM-dd HH:mm" UTC.</summary>
    private static string[] UtcTimes(string expression, string fromUtc, string toUtc, TimeZoneInfo zone) =>
        [.. CronCalendar.Parse(expression).Occurrences(At(fromUtc), At(toUtc), zone).Select(Text)];

    /// <summary>Occurrences in UTC (the zone does not matter), as "yyyy-MM-dd HH:mm".</summary>
    private static string[] Times(string expression, string fromUtc, string toUtc) => UtcTimes(expression, fromUtc, toUtc, Utc);

    private static DateTime At(string text) => DateTime.ParseExact(text, "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    private static string Text(DateTime time) => time.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    [Fact]
    public void Minutes_take_values_ranges_lists_and_steps() =>
        Times("cron(5,10-12,30/15 9 * * ? *)", "2027-01-04 00:00", "2027-01-05 00:00").Should().Equal(
            "2027-01-04 09:05", "2027-01-04 09:10", "2027-01-04 09:11", "2027-01-04 09:12", "2027-01-04 09:30", "2027-01-04 09:45");

    [Theory]
    [InlineData("cron(*/20 9 * * ? *)", "09:00,09:20,09:40")]
    [InlineData("cron(10-40/15 9 * * ? *)", "09:10,09:25,09:40")]
    [InlineData("cron(0 8-10,22 * * ? *)", "08:00,09:00,10:00,22:00")]
    [InlineData("cron(0 0/6 * * ? *)", "00:00,06:00,12:00,18:00")]
    [InlineData("cron(59 23 * * ? *)", "23:59")]
    public void Minutes_and_hours_give_the_times_of_a_day(string expression, string times) =>
        Times(expression, "2027-01-04 00:00", "2027-01-05 00:00").Select(t => t[11..]).Should().Equal(times.Split(','));

    [Fact]
    public void Day_of_month_and_month_take_lists_and_names() =>
        Times("cron(0 12 1,15 JAN,mar ? 2027)", "2027-01-01 00:00", "2028-01-01 00:00").Should().Equal(
            "2027-01-01 12:00", "2027-01-15 12:00", "2027-03-01 12:00", "2027-03-15 12:00");

    [Fact]
    public void Month_steps_start_at_the_given_month() =>
        Times("cron(0 0 1 1/4 ? *)", "2027-01-01 00:00", "2028-01-01 00:00").Should().Equal(
            "2027-01-01 00:00", "2027-05-01 00:00", "2027-09-01 00:00");

    [Theory]
    [InlineData("cron(0 7 ? * MON-FRI *)")]
    [InlineData("cron(0 7 ? * mon-fri *)")]
    [InlineData("cron(0 7 ? * 2-6 *)")]
    [InlineData("cron(0 7 ? * MON,TUE,WED-FRI *)")]
    public void Day_of_week_counts_1_as_Sunday_and_takes_names(string expression) =>
        // 2027-01-01 is a Friday; 2 and 3 January are the weekend.
        Times(expression, "2027-01-01 00:00", "2027-01-09 00:00").Should().Equal(
            "2027-01-01 07:00", "2027-01-04 07:00", "2027-01-05 07:00", "2027-01-06 07:00", "2027-01-07 07:00", "2027-01-08 07:00");

    [Fact]
    public void Star_day_of_month_with_question_mark_day_of_week_is_every_day() =>
        Times("cron(0 0 * * ? *)", "2027-02-27 00:00", "2027-03-03 00:00").Should().Equal(
            "2027-02-27 00:00", "2027-02-28 00:00", "2027-03-01 00:00", "2027-03-02 00:00");

    [Fact]
    public void L_in_day_of_month_is_the_last_day_including_leap_years() =>
        Times("cron(0 0 L * ? *)", "2027-01-01 00:00", "2027-05-01 00:00")
            .Concat(Times("cron(0 0 L 2 ? *)", "2028-01-01 00:00", "2029-01-01 00:00")).Should().Equal(
                "2027-01-31 00:00", "2027-02-28 00:00", "2027-03-31 00:00", "2027-04-30 00:00", "2028-02-29 00:00");

    [Fact]
    public void LW_is_the_last_weekday_of_the_month() =>
        // January 2027 ends on a Sunday (-> Friday 29), April on a Friday, July on a Saturday (-> Friday 30).
        Times("cron(0 0 LW 1,4,7 ? 2027)", "2027-01-01 00:00", "2028-01-01 00:00").Should().Equal(
            "2027-01-29 00:00", "2027-04-30 00:00", "2027-07-30 00:00");

    [Theory]
    [InlineData("cron(0 0 15W 5 ? 2027)", "2027-05-14 00:00")] // Saturday 15 -> Friday 14
    [InlineData("cron(0 0 1W 5 ? 2027)", "2027-05-03 00:00")] // Saturday 1 -> Monday 3 (not back into April)
    [InlineData("cron(0 0 31W 1 ? 2027)", "2027-01-29 00:00")] // Sunday 31, the last day -> Friday 29
    [InlineData("cron(0 0 3W 1 ? 2027)", "2027-01-04 00:00")] // Sunday 3 -> Monday 4
    [InlineData("cron(0 0 4W 1 ? 2027)", "2027-01-04 00:00")] // a Monday stays
    public void nW_is_the_nearest_weekday_in_the_same_month(string expression, string expected) =>
        Times(expression, "2027-01-01 00:00", "2028-01-01 00:00").Should().Equal(expected);

    [Fact]
    public void nW_does_not_fire_in_a_month_without_day_n() =>
        Times("cron(0 0 31W * ? 2027)", "2027-04-01 00:00", "2027-05-01 00:00").Should().BeEmpty();

    [Theory]
    [InlineData("cron(0 12 ? * 6L 2027)")]
    [InlineData("cron(0 12 ? * FRIL 2027)")]
    public void dL_is_the_last_such_weekday_of_the_month(string expression) =>
        Times(expression, "2027-01-01 00:00", "2027-04-01 00:00").Should().Equal("2027-01-29 12:00", "2027-02-26 12:00", "2027-03-26 12:00");

    [Fact]
    public void L_in_day_of_week_is_Saturday() =>
        Times("cron(0 12 ? * L *)", "2027-01-01 00:00", "2027-01-17 00:00").Should().Equal("2027-01-02 12:00", "2027-01-09 12:00", "2027-01-16 12:00");

    [Theory]
    [InlineData("cron(0 12 ? * 3#2 2027)", "2027-01-12 12:00")]
    [InlineData("cron(0 12 ? * TUE#2 2027)", "2027-01-12 12:00")]
    [InlineData("cron(0 12 ? * 6#1 2027)", "2027-01-01 12:00")]
    public void Hash_is_the_nth_such_weekday_of_the_month(string expression, string expected) =>
        Times(expression, "2027-01-01 00:00", "2027-02-01 00:00").Should().Equal(expected);

    [Fact]
    public void A_fifth_weekday_fires_only_in_months_that_have_one() =>
        Times("cron(0 12 ? * 5#5 *)", "2027-01-01 00:00", "2028-01-01 00:00").Should().Equal(
            "2027-04-29 12:00", "2027-07-29 12:00", "2027-09-30 12:00", "2027-12-30 12:00");

    [Theory]
    [InlineData("cron(0 12 1 1 ? 2028,2030)", "2028-01-01 12:00,2030-01-01 12:00")]
    [InlineData("cron(0 12 1 1 ? 2027/2)", "2027-01-01 12:00,2029-01-01 12:00,2031-01-01 12:00")]
    [InlineData("cron(0 12 1 1 ? 2029-2030)", "2029-01-01 12:00,2030-01-01 12:00")]
    [InlineData("cron(0 12 1 1 ? 2026)", "")]
    public void Year_limits_the_years(string expression, string expected) =>
        Times(expression, "2027-01-01 00:00", "2032-01-01 00:00").Should().Equal(expected.Split(',', StringSplitOptions.RemoveEmptyEntries));

    [Fact]
    public void The_whole_range_of_DateTime_can_be_asked()
    {
        CronCalendar.Parse("cron(0 12 1 1 ? 2199)").Occurrences(DateTime.MinValue, DateTime.MaxValue, Paris).Select(Text).Should().Equal("2199-01-01 11:00");
        CronCalendar.Parse("cron(0 0 1 1 ? 1970)").Occurrences(DateTime.MinValue, DateTime.MaxValue, Utc).Select(Text).Should().Equal("1970-01-01 00:00");
    }

    [Fact]
    public void From_is_inclusive_and_to_exclusive() =>
        Times("cron(0 * * * ? *)", "2027-01-04 09:00", "2027-01-04 12:00").Should().Equal("2027-01-04 09:00", "2027-01-04 10:00", "2027-01-04 11:00");

    [Fact]
    public void A_cron_is_read_on_the_wall_clock_of_its_zone() =>
        // 19:00 in Paris is 18:00 UTC in winter (CET, +1) and 17:00 UTC in summer (CEST, +2).
        UtcTimes("cron(0 19 ? * MON *)", "2027-03-21 00:00", "2027-04-06 00:00", Paris).Should().Equal("2027-03-22 18:00", "2027-03-29 17:00", "2027-04-05 17:00");

    [Theory]
    // Paris, 2027-03-28: 02:00 CET becomes 03:00 CEST; 02:30 does not exist that day.
    [InlineData("Europe/Paris", "cron(30 2 * * ? *)", "2027-03-27 00:00", "2027-03-27 01:30,2027-03-29 00:30")]
    // New York, 2027-03-14: 02:00 EST becomes 03:00 EDT.
    [InlineData("America/New_York", "cron(30 2 * * ? *)", "2027-03-13 00:00", "2027-03-13 07:30,2027-03-15 06:30")]
    // Santiago changes at midnight: 2027-09-05 00:00 (-04) becomes 01:00 (-03); 00:30 does not exist that day.
    [InlineData("America/Santiago", "cron(30 0 * * ? *)", "2027-09-03 12:00", "2027-09-04 04:30,2027-09-06 03:30")]
    // Havana, 2027-03-14: 00:00 (-05) becomes 01:00 (-04): the day starts in the gap.
    [InlineData("America/Havana", "cron(30 0 * * ? *)", "2027-03-13 00:00", "2027-03-13 05:30,2027-03-15 04:30")]
    public void A_local_time_in_the_spring_forward_gap_is_skipped(string zone, string expression, string fromUtc, string expected) =>
        UtcTimes(expression, fromUtc, At(fromUtc).AddDays(3).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), TimeZoneInfo.FindSystemTimeZoneById(zone))
            .Should().Equal(expected.Split(','));

    [Theory]
    // Paris, 2027-10-31: 03:00 CEST becomes 02:00 CET; 02:30 happens at 00:30 and 01:30 UTC: fires at the first only.
    [InlineData("Europe/Paris", "cron(30 2 * * ? *)", "2027-10-30 00:00", "2027-10-30 00:30,2027-10-31 00:30,2027-11-01 01:30")]
    // New York, 2027-11-07: 02:00 EDT becomes 01:00 EST; 01:30 happens at 05:30 and 06:30 UTC.
    [InlineData("America/New_York", "cron(30 1 * * ? *)", "2027-11-06 00:00", "2027-11-06 05:30,2027-11-07 05:30,2027-11-08 06:30")]
    // Sydney (east of UTC), 2027-04-04: 03:00 AEDT becomes 02:00 AEST; 02:30 happens at 15:30 and 16:30 UTC on the 3rd.
    [InlineData("Australia/Sydney", "cron(30 2 * * ? *)", "2027-04-02 00:00", "2027-04-02 15:30,2027-04-03 15:30,2027-04-04 16:30")]
    // Santiago, at midnight: 2027-04-04 00:00 (-03) becomes 2027-04-03 23:00 (-04); 23:30 on the 3rd happens at 02:30
    // and 03:30 UTC on the 4th.
    [InlineData("America/Santiago", "cron(30 23 * * ? *)", "2027-04-02 12:00", "2027-04-03 02:30,2027-04-04 02:30,2027-04-05 03:30")]
    // Havana, 2027-11-07: 01:00 (-04) becomes 00:00 (-05): the day starts in the overlap; 00:30 is 04:30 and 05:30 UTC.
    [InlineData("America/Havana", "cron(30 0 * * ? *)", "2027-11-06 00:00", "2027-11-06 04:30,2027-11-07 04:30,2027-11-08 05:30")]
    public void A_local_time_in_the_fall_back_overlap_fires_once(string zone, string expression, string fromUtc, string expected) =>
        UtcTimes(expression, fromUtc, At(fromUtc).AddDays(3).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), TimeZoneInfo.FindSystemTimeZoneById(zone))
            .Should().Equal(expected.Split(','));

    [Fact]
    public void Every_minute_through_the_overlap_fires_once_per_local_minute_in_order()
    {
        // New York, 2027-11-07, local 00:00 EDT (04:00 UTC) to 03:00 EST (08:00 UTC): four real hours, three hours of
        // local minutes (00:00-02:59); the repeated 01:00-01:59 (06:00-06:59 UTC) does not fire again.
        var times = CronCalendar.Parse("cron(* * * * ? *)").Occurrences(At("2027-11-07 04:00"), At("2027-11-07 08:00"), NewYork).ToList();

        times.Should().HaveCount(180).And.BeInAscendingOrder().And.OnlyHaveUniqueItems();
        times.Should().NotContain(t => t >= At("2027-11-07 06:00") && t < At("2027-11-07 07:00"));
        times[0].Should().Be(At("2027-11-07 04:00"));
        times[^1].Should().Be(At("2027-11-07 07:59"));
    }

    [Fact]
    public void Every_minute_through_the_gap_skips_the_missing_hour()
    {
        // Paris, 2027-03-28, local 00:00 CET (23:00 UTC on the 27th) to 04:00 CEST (02:00 UTC): three real hours, all fire.
        var times = CronCalendar.Parse("cron(* * * * ? *)").Occurrences(At("2027-03-27 23:00"), At("2027-03-28 02:00"), Paris).ToList();

        times.Should().HaveCount(180).And.BeInAscendingOrder().And.OnlyHaveUniqueItems();
        times.Select(t => TimeZoneInfo.ConvertTimeFromUtc(t, Paris).Hour).Distinct().Should().Equal(0, 1, 3);
    }

    [Fact]
    public void A_rate_counts_periods_from_its_anchor()
    {
        var rate = CronCalendar.Parse("rate(5 minutes)", At("2027-01-01 00:02"));

        rate.Occurrences(At("2027-01-01 00:00"), At("2027-01-01 00:20"), Paris).Select(Text).Should().Equal(
            "2027-01-01 00:02", "2027-01-01 00:07", "2027-01-01 00:12", "2027-01-01 00:17");
        rate.Occurrences(At("2027-01-01 00:08"), At("2027-01-01 00:13"), Paris).Select(Text).Should().Equal("2027-01-01 00:12");
        rate.IsRate.Should().BeTrue();
        rate.Period.Should().Be(TimeSpan.FromMinutes(5));
    }

    [Theory]
    [InlineData("rate(1 minute)", 1)]
    [InlineData("rate(90 minutes)", 90)]
    [InlineData("rate(1 hour)", 60)]
    [InlineData("rate(12 hours)", 720)]
    [InlineData("rate(1 day)", 1440)]
    [InlineData("rate(7 days)", 10080)]
    public void A_rate_unit_is_a_fixed_duration(string expression, int minutes) =>
        CronCalendar.Parse(expression).Period.Should().Be(TimeSpan.FromMinutes(minutes));

    [Fact]
    public void A_daily_rate_stays_24_hours_apart_across_a_change_of_offset()
    {
        // Anchored at midnight in Paris the day before the spring-forward: 24 h later is 01:00 local on the 29th.
        var rate = CronCalendar.Parse("rate(1 day)", At("2027-03-26 23:00"));

        var local = rate.Occurrences(At("2027-03-26 00:00"), At("2027-03-30 00:00"), Paris)
            .Select(t => Text(TimeZoneInfo.ConvertTimeFromUtc(t, Paris))).ToList();

        local.Should().Equal("2027-03-27 00:00", "2027-03-28 00:00", "2027-03-29 01:00", "2027-03-30 01:00");
    }

    [Fact]
    public void Occurrences_before_a_rate_anchor_do_not_exist() =>
        CronCalendar.Parse("rate(1 hour)", At("2027-01-01 10:00")).Occurrences(At("2027-01-01 00:00"), At("2027-01-01 12:00"), Utc)
            .Select(Text).Should().Equal("2027-01-01 10:00", "2027-01-01 11:00");

    [Theory]
    [InlineData("cron(0 19 ? * MON-FRI *)", "2027-01-04 19:00", true)]
    [InlineData("cron(0 19 ? * MON-FRI *)", "2027-01-04 19:01", false)]
    [InlineData("cron(0 19 ? * MON-FRI *)", "2027-01-03 19:00", false)] // a Sunday
    [InlineData("cron(0 0 L * ? *)", "2028-02-29 00:00", true)]
    [InlineData("cron(0 0 L * ? *)", "2027-02-28 00:00", true)]
    [InlineData("cron(0 0 L * ? *)", "2028-02-28 00:00", false)]
    [InlineData("cron(30 2 * * ? *)", "2027-03-28 02:30", true)] // a wall-clock match; Occurrences skips it in Paris
    [InlineData("cron(0 12 1 1 ? 2028)", "2027-01-01 12:00", false)]
    [InlineData("cron(0 12 1 1 ? 2028)", "2028-01-01 12:00", true)]
    public void FiresAt_matches_a_local_minute(string expression, string local, bool fires) =>
        CronCalendar.Parse(expression).FiresAt(DateTime.ParseExact(local, "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)).Should().Be(fires);

    [Fact]
    public void FiresAt_of_a_rate_counts_whole_periods_since_the_anchor()
    {
        var rate = CronCalendar.Parse("rate(2 hours)", At("2027-01-01 00:00"));

        rate.FiresAt(At("2027-01-01 04:00")).Should().BeTrue();
        rate.FiresAt(At("2027-01-01 04:30").AddSeconds(20)).Should().BeFalse();
        rate.FiresAt(At("2027-01-01 03:00")).Should().BeFalse();
        rate.FiresAt(At("2026-12-31 22:00")).Should().BeFalse(); // before the anchor
    }

    [Theory]
    [InlineData("cron(0 2 * * ?)", "a cron expression has six fields")]
    [InlineData("cron(0 2 * * * *)", "one of day-of-month and day-of-week must be '?'")]
    [InlineData("rate(1 minutes)", "a value of 1 takes the singular unit (minute)")]
    [InlineData("every day", "it must be cron(...), rate(...) or at(...)")]
    [InlineData("at(2030-01-31T02:00:00)", "is a one-time schedule; a recurring calendar takes cron(...) or rate(...)")]
    public void Parse_refuses_what_is_not_a_recurring_Scheduler_expression(string expression, string message) =>
        FluentActions.Invoking(() => CronCalendar.Parse(expression)).Should().Throw<ArgumentException>().WithMessage($"*{message}*");

    [Fact]
    public void FirstCommonOccurrence_finds_the_first_shared_minute_of_two_crons()
    {
        var weekdays = CronCalendar.Parse("cron(0 19 ? * MON-FRI *)");
        var thursdays = CronCalendar.Parse("cron(0 19 ? * 5#2 *)"); // second Thursday: 2027-01-14
        var mornings = CronCalendar.Parse("cron(0 7 ? * * *)");

        weekdays.FirstCommonOccurrence(thursdays, At("2027-01-01 00:00"), At("2028-01-01 00:00"), Paris).Should().Be(At("2027-01-14 18:00"));
        weekdays.FirstCommonOccurrence(mornings, At("2027-01-01 00:00"), At("2055-01-01 00:00"), Paris).Should().BeNull();
    }

    [Fact]
    public void FirstCommonOccurrence_ignores_a_shared_minute_that_the_gap_removes()
    {
        // Both name 02:30 on the last Sunday of March in Paris, which does not exist in 2027 (nor in any year).
        var a = CronCalendar.Parse("cron(30 2 ? 3 1L *)");
        var b = CronCalendar.Parse("cron(30 2 ? 3 SUN *)");

        a.FirstCommonOccurrence(b, At("2027-01-01 00:00"), At("2055-01-01 00:00"), Paris).Should().BeNull();
        a.FirstCommonOccurrence(b, At("2027-01-01 00:00"), At("2028-01-01 00:00"), Utc).Should().Be(At("2027-03-28 02:30"));
    }

    [Fact]
    public void FirstCommonOccurrence_of_a_cron_and_a_rate_compares_instants()
    {
        var rate = CronCalendar.Parse("rate(6 hours)", At("2027-01-01 01:00")); // 01:00, 07:00, 13:00, 19:00 UTC
        var evening = CronCalendar.Parse("cron(0 20 ? * MON *)"); // 20:00 Paris in winter = 19:00 UTC

        rate.FirstCommonOccurrence(evening, At("2027-01-01 00:00"), At("2028-01-01 00:00"), Paris).Should().Be(At("2027-01-04 19:00"));
        evening.FirstCommonOccurrence(rate, At("2027-01-01 00:00"), At("2028-01-01 00:00"), Utc).Should().BeNull(); // 20:00 UTC never
    }

    [Fact]
    public void ToUtc_skips_the_gap_and_takes_the_first_instant_of_the_overlap()
    {
        CronCalendar.ToUtc(new DateTime(2027, 3, 14, 2, 30, 0), NewYork).Should().BeNull();
        CronCalendar.ToUtc(new DateTime(2027, 11, 7, 1, 30, 0), NewYork).Should().Be(At("2027-11-07 05:30"));
        CronCalendar.ToUtc(new DateTime(2027, 11, 7, 2, 30, 0), NewYork).Should().Be(At("2027-11-07 07:30"));
        CronCalendar.ToUtc(new DateTime(2027, 7, 1, 12, 0, 0), Paris).Should().Be(At("2027-07-01 10:00"));
    }
}
