using FluentAssertions;
using Patterns.Cdk.Core;
using Xunit;

namespace Patterns.Cdk.Tests;

/// <summary>The EventBridge Scheduler grammar of <see cref="ScheduleExpressions"/> (ApiPoller schedules; MwaaScheduler will reuse it).</summary>
public class ScheduleExpressionsTests
{
    [Theory]
    [InlineData("cron(0 2 * * ? *)")]
    [InlineData("cron(15 10 ? * MON-FRI *)")]
    [InlineData("cron(0/5 8-17 ? * MON-FRI *)")]
    [InlineData("cron(0 9 1,15 * ? 2030)")]
    [InlineData("cron(0 0 L * ? *)")]
    [InlineData("cron(0 0 LW * ? *)")]
    [InlineData("cron(0 0 15W * ? *)")]
    [InlineData("cron(0 12 ? * 6L *)")]
    [InlineData("cron(0 12 ? * FRIL *)")]
    [InlineData("cron(0 12 ? * 3#2 *)")]
    [InlineData("cron(0 12 ? * TUE#2 *)")]
    [InlineData("cron(0 12 ? * L *)")]
    [InlineData("cron(*/10 * ? JAN-MAR,DEC SUN 1970-2199)")]
    [InlineData("cron(59 23 31 12 ? 2199)")]
    [InlineData("cron(0 0 1/7 1/2 ? *)")]
    [InlineData("cron(0 8 ? * mon-fri *)")]
    [InlineData("rate(1 minute)")]
    [InlineData("rate(5 minutes)")]
    [InlineData("rate(1 hour)")]
    [InlineData("rate(12 hours)")]
    [InlineData("rate(1 day)")]
    [InlineData("rate(30 days)")]
    [InlineData("at(2030-01-31T02:00:00)")]
    [InlineData("at(2028-02-29T23:59:59)")]
    public void Accepts_what_Scheduler_accepts(string expression) =>
        ScheduleExpressions.Problem(expression).Should().BeNull();

    [Theory]
    [InlineData("", "it is empty")]
    [InlineData("0 2 * * ? *", "it must be cron(...), rate(...) or at(...)")]
    [InlineData("CRON(0 2 * * ? *)", "it must be cron(...), rate(...) or at(...)")]
    [InlineData("cron(0 2 * * ?)", "a cron expression has six fields (minutes hours day-of-month month day-of-week year), not 5")]
    [InlineData("cron(0 0 2 * * ? *)", "not 7")]
    [InlineData("cron(0 2 * * * *)", "one of day-of-month and day-of-week must be '?' (they cannot both constrain the day)")]
    [InlineData("cron(0 2 1 * MON *)", "one of day-of-month and day-of-week must be '?'")]
    [InlineData("cron(0 2 ? * ? *)", "only one of day-of-month and day-of-week may be '?'")]
    [InlineData("cron(60 2 * * ? *)", "minutes \"60\" is not a value between 0 and 59")]
    [InlineData("cron(0 24 * * ? *)", "hours \"24\" is not a value between 0 and 23")]
    [InlineData("cron(0 2 0 * ? *)", "day-of-month \"0\" is not a value between 1 and 31")]
    [InlineData("cron(0 2 32 * ? *)", "day-of-month \"32\" is not a value between 1 and 31")]
    [InlineData("cron(0 2 * 13 ? *)", "month \"13\" is not a value between 1 and 12 or JAN-DEC")]
    [InlineData("cron(0 2 * JANUARY ? *)", "month \"JANUARY\" is not a value between 1 and 12 or JAN-DEC")]
    [InlineData("cron(0 2 ? * 8 *)", "day-of-week \"8\" is not a value between 1 and 7 or SUN-SAT")]
    [InlineData("cron(0 2 ? * 0 *)", "day-of-week \"0\" is not a value between 1 and 7 or SUN-SAT")]
    [InlineData("cron(0 2 * * ? 1969)", "year \"1969\" is not a value between 1970 and 2199")]
    [InlineData("cron(0 2 * * ? 2200)", "year \"2200\" is not a value between 1970 and 2199")]
    [InlineData("cron(0 17-8 * * ? *)", "hours \"17-8\": a range must go from the smaller value to the larger")]
    [InlineData("cron(0/0 2 * * ? *)", "minutes \"0/0\": the increment after '/' must be a whole number between 1 and 59")]
    [InlineData("cron(0/x 2 * * ? *)", "the increment after '/' must be a whole number")]
    [InlineData("cron(0 2 ? * MON/2 *)", "day-of-week \"MON/2\": '/' is not allowed in day-of-week")]
    [InlineData("cron(0 2 * ? * *)", "month cannot be '?' (only day-of-month and day-of-week can)")]
    [InlineData("cron(? 2 * * ? *)", "minutes cannot be '?'")]
    [InlineData("cron(0 2 1,,2 * ? *)", "day-of-month \"1,,2\" has an empty list item")]
    [InlineData("cron(0 2 L,15 * ? *)", "day-of-month \"L,15\": 'L' cannot be part of a list")]
    [InlineData("cron(0 2 32W * ? *)", "day-of-month \"32W\": W follows a day between 1 and 31")]
    [InlineData("cron(0 2 * * L *)", "one of day-of-month and day-of-week must be '?'")]
    [InlineData("cron(0 2 ? * 3#6 *)", "day-of-week \"3#6\": # takes a day (1-7 or SUN-SAT) and its occurrence in the month (1-5)")]
    [InlineData("cron(0 2 ? * 9#1 *)", "day-of-week \"9#1\"")]
    [InlineData("cron(0 2 ? * 8L *)", "day-of-week \"8L\": L follows a day")]
    [InlineData("cron(0 2 L * L *)", "one of day-of-month and day-of-week must be '?'")]
    [InlineData("cron(-1 2 * * ? *)", "minutes \"-1\"")]
    [InlineData("cron(1.5 2 * * ? *)", "minutes \"1.5\"")]
    [InlineData("rate(0 minutes)", "the rate's value must be a whole number of at least 1")]
    [InlineData("rate(1 minutes)", "a value of 1 takes the singular unit (minute)")]
    [InlineData("rate(1 hours)", "a value of 1 takes the singular unit (hour)")]
    [InlineData("rate(2 day)", "a value of 2 takes the plural unit (days)")]
    [InlineData("rate(5 weeks)", "a rate is rate(value unit), e.g. rate(5 minutes) or rate(1 day)")]
    [InlineData("rate(-5 minutes)", "a rate is rate(value unit)")]
    [InlineData("rate(1.5 hours)", "a rate is rate(value unit)")]
    [InlineData("rate(5minutes)", "a rate is rate(value unit)")]
    [InlineData("rate(99999999999 minutes)", "the rate's value must be a whole number of at least 1")]
    [InlineData("at(2030-02-30T02:00:00)", "a one-time schedule is at(yyyy-mm-ddThh:mm:ss) with a real date and time")]
    [InlineData("at(2030-01-31 02:00:00)", "a one-time schedule is at(yyyy-mm-ddThh:mm:ss)")]
    [InlineData("at(2030-01-31T02:00)", "a one-time schedule is at(yyyy-mm-ddThh:mm:ss)")]
    [InlineData("at(2030-01-31T24:00:00)", "a one-time schedule is at(yyyy-mm-ddThh:mm:ss)")]
    [InlineData("at(2030-01-31T02:00:00Z)", "a one-time schedule is at(yyyy-mm-ddThh:mm:ss)")]
    public void Refuses_everything_else_with_the_reason(string expression, string reason) =>
        ScheduleExpressions.Problem(expression).Should().Contain(reason);

    [Theory]
    [InlineData("UTC")]
    [InlineData("Europe/Paris")]
    [InlineData("America/Argentina/Buenos_Aires")]
    [InlineData("Asia/Kolkata")]
    [InlineData("Etc/GMT+5")]
    public void Accepts_IANA_time_zones_that_exist(string zone) =>
        ScheduleExpressions.TimeZoneProblem(zone).Should().BeNull();

    [Theory]
    [InlineData("Mars/Olympus", "no such zone in the IANA time-zone database")]
    [InlineData("Europe/Atlantis", "no such zone in the IANA time-zone database")]
    [InlineData("Romance Standard Time", "it is not an IANA time-zone id (Windows ids")]
    [InlineData("W. Europe Standard Time", "it is not an IANA time-zone id")]
    [InlineData("+01:00", "it is not an IANA time-zone id")]
    [InlineData("europe/paris", "the id is spelled \"Europe/Paris\"")]
    [InlineData("", "it is empty")]
    public void Refuses_unknown_zones_and_Windows_ids(string zone, string reason) =>
        ScheduleExpressions.TimeZoneProblem(zone).Should().Contain(reason);
}
