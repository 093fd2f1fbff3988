// TEMPORARY (mwaa-savings): a minimal copy of the savings API of design section 6 so the construct compiles and its
// tests run before the mwaa-savings branch lands. The lead deletes this file at merge and keeps Savings.cs,
// MwaaPrices.cs and Core/CronCalendar.cs from mwaa-savings. Same names and signatures as the design.
using System.Globalization;
using System.Text.RegularExpressions;

namespace Patterns.Cdk.MwaaScheduler;

// Written with get-only properties (not positional): NonFiniteNumberTests treats every public settable number as a prop.

/// <summary>TEMPORARY (mwaa-savings): the expected saving of a set of pause windows.</summary>
public sealed record MwaaSavingsEstimate
{
    /// <summary>Creates an estimate.</summary>
    public MwaaSavingsEstimate(double pausedHoursPerMonth, double hourlyPriceUsd, double monthlySavingsUsd, string environmentClass, string priceSource,
        string summary, IReadOnlyList<MwaaSavingsRow> rows) =>
        (PausedHoursPerMonth, HourlyPriceUsd, MonthlySavingsUsd, EnvironmentClass, PriceSource, Summary, Rows) =
        (pausedHoursPerMonth, hourlyPriceUsd, monthlySavingsUsd, environmentClass, priceSource, summary, rows);

    /// <summary>Paused hours per month, net of the billed time of each pause.</summary>
    public double PausedHoursPerMonth { get; }

    /// <summary>USD per hour.</summary>
    public double HourlyPriceUsd { get; }

    /// <summary>USD per month.</summary>
    public double MonthlySavingsUsd { get; }

    /// <summary>The environment class priced.</summary>
    public string EnvironmentClass { get; }

    /// <summary>Where the price comes from.</summary>
    public string PriceSource { get; }

    /// <summary>One line for the output.</summary>
    public string Summary { get; }

    /// <summary>One row per window.</summary>
    public IReadOnlyList<MwaaSavingsRow> Rows { get; }
}

/// <summary>TEMPORARY (mwaa-savings): one window's share of the estimate.</summary>
public sealed record MwaaSavingsRow
{
    /// <summary>Creates a row.</summary>
    public MwaaSavingsRow(string window, double pausedHoursPerMonth, int cyclesPerMonth) =>
        (Window, PausedHoursPerMonth, CyclesPerMonth) = (window, pausedHoursPerMonth, cyclesPerMonth);

    /// <summary>The window's name.</summary>
    public string Window { get; }

    /// <summary>Paused hours per month (gross).</summary>
    public double PausedHoursPerMonth { get; }

    /// <summary>Pauses per month.</summary>
    public int CyclesPerMonth { get; }
}

/// <summary>TEMPORARY (mwaa-savings): list prices per environment class (us-east-1).</summary>
internal static class MwaaPrices
{
    public const string PriceDate = "2026-12-04";

    public static double? HourlyUsd(string environmentClass) => environmentClass switch
    {
        "mw1.small" => 0.49,
        "mw1.medium" => 0.88,
        "mw1.large" => 1.65,
        _ => null,
    };
}

/// <summary>TEMPORARY (mwaa-savings): simulates 2027 minute by minute in the zone (cron with numbers, lists, ranges, steps and names; rate).</summary>
internal static partial class MwaaSavings
{
    private const double BilledHoursPerPause = 0.5;

    public static MwaaSavingsEstimate Estimate(IReadOnlyList<PauseWindow> windows, string timeZone, string environmentClass, double? hourlyPrice)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(timeZone);
        var price = hourlyPrice ?? MwaaPrices.HourlyUsd(environmentClass) ?? 0;
        var source = hourlyPrice is null ? $"list price us-east-1 {MwaaPrices.PriceDate}" : "HourlyPrice";
        var rows = new List<MwaaSavingsRow>();
        double pausedMinutes = 0, cycles = 0;
        foreach (var w in windows)
        {
            var (minutes, pauses) = Simulate(w, zone);
            pausedMinutes += minutes;
            cycles += pauses;
            rows.Add(new MwaaSavingsRow(w.Name, Math.Round(minutes / 60.0 / 12, 1), (int)Math.Round(pauses / 12.0)));
        }

        var hours = Math.Max(0, pausedMinutes / 60.0 - cycles * BilledHoursPerPause) / 12;
        var savings = Math.Round(hours * price, 2);
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"~${savings:0.00}/month: {hours:0.0} paused h/month x ${price:0.00}/h ({environmentClass}, {source}; base environment only)");
        return new MwaaSavingsEstimate(Math.Round(hours, 1), price, savings, environmentClass, source, summary, rows);
    }

    public static string? CoincidenceProblem(IReadOnlyList<PauseWindow> windows, string timeZone)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(timeZone);
        var pauses = windows.Select(w => Parse(w.Pause)).ToList();
        var resumes = windows.Select(w => Parse(w.Resume)).ToList();
        foreach (var local in Minutes(zone))
        {
            for (var i = 0; i < windows.Count; i++)
            {
                if (!pauses[i](local))
                {
                    continue;
                }

                for (var j = 0; j < windows.Count; j++)
                {
                    if (resumes[j](local))
                    {
                        return string.Create(CultureInfo.InvariantCulture, $"Windows[{i}].Pause and Windows[{j}].Resume both fire at {local:yyyy-MM-dd HH:mm} {timeZone}");
                    }
                }
            }
        }

        return null;
    }

    private static (double PausedMinutes, int Pauses) Simulate(PauseWindow w, TimeZoneInfo zone)
    {
        var pause = Parse(w.Pause);
        var resume = Parse(w.Resume);
        var paused = false;
        double minutes = 0;
        var pauses = 0;
        for (var pass = 0; pass < 2; pass++)
        {
            minutes = 0;
            pauses = 0;
            foreach (var local in Minutes(zone))
            {
                if (pause(local) && !paused)
                {
                    paused = true;
                    pauses++;
                }
                else if (resume(local) && paused)
                {
                    paused = false;
                }

                minutes += paused ? 1 : 0;
            }
        }

        return (minutes, pauses);
    }

    private static IEnumerable<DateTime> Minutes(TimeZoneInfo zone)
    {
        var start = new DateTime(2027, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var utc = start; utc.Year == 2027; utc = utc.AddMinutes(1))
        {
            yield return TimeZoneInfo.ConvertTimeFromUtc(utc, zone);
        }
    }

    private static Func<DateTime, bool> Parse(string expression)
    {
        var rate = RateShape().Match(expression);
        if (rate.Success)
        {
            var n = int.Parse(rate.Groups[1].Value, CultureInfo.InvariantCulture);
            var unit = rate.Groups[2].Value.TrimEnd('s') switch { "minute" => 1, "hour" => 60, _ => 1440 };
            var anchor = new DateTime(2027, 1, 1);
            return t => (long)(t - anchor).TotalMinutes % (n * unit) == 0;
        }

        var fields = expression[5..^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var minute = Field(fields[0], 0, 59, []);
        var hour = Field(fields[1], 0, 23, []);
        var dom = Field(fields[2], 1, 31, []);
        var month = Field(fields[3], 1, 12, ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]);
        var dow = Field(fields[4], 1, 7, ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]);
        var year = Field(fields[5], 1970, 2199, []);
        return t => minute(t.Minute) && hour(t.Hour) && dom(t.Day) && month(t.Month) && dow((int)t.DayOfWeek + 1) && year(t.Year);
    }

    private static Func<int, bool> Field(string text, int min, int max, string[] names)
    {
        if (text is "*" or "?")
        {
            return _ => true;
        }

        var allowed = new HashSet<int>();
        foreach (var part in text.Split(','))
        {
            var step = 1;
            var range = part;
            if (part.Contains('/'))
            {
                step = int.Parse(part[(part.IndexOf('/') + 1)..], CultureInfo.InvariantCulture);
                range = part[..part.IndexOf('/')];
            }

            int from = min, to = max;
            if (range != "*")
            {
                var bounds = range.Split('-');
                from = Value(bounds[0]);
                to = bounds.Length > 1 ? Value(bounds[1]) : part.Contains('/') ? max : from;
            }

            for (var v = from; v <= to; v += step)
            {
                allowed.Add(v);
            }
        }

        return allowed.Contains;

        int Value(string s) => Array.IndexOf(names, s.ToUpperInvariant()) is var i and >= 0 ? i + min : int.TryParse(s, CultureInfo.InvariantCulture, out var n) ? n : -1;
    }

    [GeneratedRegex(@"^rate\((\d+) (minutes?|hours?|days?)\)$")]
    private static partial Regex RateShape();
}
