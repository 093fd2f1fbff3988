using System.Globalization;
using Patterns.Cdk.Core;

namespace Patterns.Cdk.MwaaScheduler;

/// <summary>
/// What pausing on the configured windows saves per month: the paused hours of a simulated calendar year (2027, in
/// the scheduler's time zone, daylight saving time included), net of an assumed 30 minutes of billed environment time
/// per pause, divided by 12, times the base environment's hourly price. It is an estimate of the base environment fee
/// only (extra workers, schedulers, web servers and storage are not counted).
/// </summary>
/// <param name="PausedHoursPerMonth">Net paused hours per month over all windows.</param>
/// <param name="HourlyPriceUsd">The hourly price used, USD.</param>
/// <param name="MonthlySavingsUsd"><paramref name="PausedHoursPerMonth"/> times <paramref name="HourlyPriceUsd"/>.</param>
/// <param name="EnvironmentClass">The environment class the price is for (the real class is read at run time).</param>
/// <param name="PriceSource">Where the price comes from: the list price with its Region and date, or the <c>HourlyPrice</c> prop.</param>
/// <param name="Summary">One line for the <c>EstimatedMonthlySavings</c> output, e.g. <c>~$224.48/month: 458.1 paused h/month x $0.49/h (mw1.small, list price us-east-1 2026-12-04; base environment only)</c>.</param>
/// <param name="Rows">One row per window, in the order of the windows.</param>
public sealed record MwaaSavingsEstimate(double PausedHoursPerMonth, double HourlyPriceUsd, double MonthlySavingsUsd,
    string EnvironmentClass, string PriceSource, string Summary, IReadOnlyList<MwaaSavingsRow> Rows);

/// <summary>A window's share of the estimate.</summary>
/// <param name="Window">The window's name.</param>
/// <param name="PausedHoursPerMonth">Net paused hours per month of the pauses this window started.</param>
/// <param name="CyclesPerMonth">Pauses per month this window starts while the environment runs (rounded).</param>
public sealed record MwaaSavingsRow(string Window, double PausedHoursPerMonth, int CyclesPerMonth);

/// <summary>
/// The savings estimate and the coincidence check of the pause windows, both from <see cref="CronCalendar"/>.
/// <para>
/// Simulation: every pause and resume occurrence of every window from the start of 2026 (a warm-up year, so 2027 starts
/// in the state the schedules leave it in) to the end of 2027, in the zone. The environment starts running; a pause
/// while running pauses it (the window that did is credited), a pause while paused changes nothing (the workflow
/// answers "already paused"), a resume while paused resumes it, a resume while running changes nothing. Paused time
/// counts from <see cref="BilledTimePerPause"/> after the pause (an assumption: the export and the delete, during which
/// the environment is still billed) to the resume, clipped to 2027. Whether the environment's creation on resume is
/// billed is not known and not counted. Rates count from the start of the warm-up year (a real rate schedule counts from
/// its creation). Occurrences at the same minute (a configuration <see cref="CoincidenceProblem"/> rejects) are applied
/// in window order, the pause first.
/// </para>
/// </summary>
internal static class MwaaSavings
{
    /// <summary>The simulated calendar year.</summary>
    public const int SimulatedYear = 2027;

    /// <summary>Assumed billed environment time of each pause: the metadata export and the delete.</summary>
    public static readonly TimeSpan BilledTimePerPause = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Years over which two crons are compared by <see cref="CoincidenceProblem"/>: 28 years repeat every combination of
    /// date, weekday and leap year (between 1901 and 2099).
    /// </summary>
    public const int CoincidenceYears = 28;

    /// <summary>The estimate for <paramref name="windows"/> in <paramref name="timeZone"/>.</summary>
    /// <exception cref="ArgumentException">
    /// A window's expression is not a cron or rate expression, the time zone is unknown, or no price is known (see
    /// <see cref="PriceProblem"/>); the props validation reports each before this is called.
    /// </exception>
    public static MwaaSavingsEstimate Estimate(IReadOnlyList<PauseWindow> windows, string timeZone, string environmentClass, double? hourlyPrice)
    {
        ArgumentNullException.ThrowIfNull(windows);
        var priceProblem = PriceProblem(environmentClass, hourlyPrice);
        if (priceProblem is not null)
        {
            throw new ArgumentException($"HourlyPrice: {priceProblem}", nameof(hourlyPrice));
        }

        var (zone, note) = EstimateZone(timeZone);
        var price = hourlyPrice ?? MwaaPrices.HourlyUsd(environmentClass)!.Value;
        var source = hourlyPrice is null ? $"list price {MwaaPrices.Region} {MwaaPrices.PriceDate}" : "HourlyPrice prop";
        var (paused, cycles, _) = Simulate(windows, zone);

        var rows = windows.Select((w, i) => new MwaaSavingsRow(w.Name, paused[i].TotalHours / 12, (int)Math.Round(cycles[i] / 12.0, MidpointRounding.AwayFromZero))).ToList();
        var hours = rows.Sum(r => r.PausedHoursPerMonth);
        var monthly = hours * price;
        var priceText = price.ToString("0.00##", CultureInfo.InvariantCulture);
        var summary = windows.Count == 0
            ? $"~$0.00/month: no pause windows, pause and resume on demand only ({environmentClass} at ${priceText}/h, {source})"
            : string.Create(CultureInfo.InvariantCulture, $"~${monthly:N2}/month: {hours:F1} paused h/month x ${priceText}/h ({environmentClass}, {source}; base environment only{note})");
        return new MwaaSavingsEstimate(hours, price, monthly, environmentClass, source, summary, rows);
    }

    /// <summary>
    /// Per window, the shortest time from one of its pauses in 2027 to the resume that ends it (before the billed time is
    /// taken off); null for a window that starts no pause ended in the year. For the <c>shortPause</c> warning: a
    /// delete and create cycle costs about an hour of environment time, so a short pause saves little or nothing.
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="Estimate"/> (expressions, time zone).</exception>
    public static IReadOnlyList<TimeSpan?> ShortestPauses(IReadOnlyList<PauseWindow> windows, string timeZone)
    {
        ArgumentNullException.ThrowIfNull(windows);
        return Simulate(windows, EstimateZone(timeZone).Zone).Shortest;
    }

    /// <summary>
    /// The first time a window's pause and a window's resume (the same window or another) fire at the same minute, as
    /// <c>Windows[0].Pause and Windows[1].Resume both fire at 2027-01-04 19:00 Europe/Paris</c>; null when they never do.
    /// Two crons are compared from 2027 over <see cref="CoincidenceYears"/> years; a pair with a rate over 2027 (rates
    /// counted as in <see cref="Estimate"/>). Expressions that do not parse and an unknown time zone are skipped (the props
    /// validation reports them).
    /// </summary>
    public static string? CoincidenceProblem(IReadOnlyList<PauseWindow> windows, string timeZone)
    {
        ArgumentNullException.ThrowIfNull(windows);
        var zone = Zone(timeZone);
        if (zone is null)
        {
            return null;
        }

        var (warmUp, start) = (YearStart(SimulatedYear - 1, zone), YearStart(SimulatedYear, zone));
        var (rateEnd, cronEnd) = (YearStart(SimulatedYear + 1, zone), YearStart(SimulatedYear + CoincidenceYears, zone));
        var pauses = windows.Select(w => TryCalendar(w.Pause, warmUp)).ToArray();
        var resumes = windows.Select(w => TryCalendar(w.Resume, warmUp)).ToArray();
        (DateTime At, int Pause, int Resume)? first = null;
        for (var i = 0; i < pauses.Length; i++)
        {
            for (var j = 0; j < resumes.Length; j++)
            {
                if (pauses[i] is not { } pause || resumes[j] is not { } resume)
                {
                    continue;
                }

                var end = pause.IsRate || resume.IsRate ? rateEnd : cronEnd;
                if (first is { } found && found.At < end)
                {
                    end = found.At; // only an earlier coincidence replaces the one found
                }

                if (pause.FirstCommonOccurrence(resume, start, end, zone) is { } at)
                {
                    first = (at, i, j);
                }
            }
        }

        if (first is not { } coincidence)
        {
            return null;
        }

        var local = TimeZoneInfo.ConvertTimeFromUtc(coincidence.At, zone);
        return string.Create(CultureInfo.InvariantCulture,
            $"Windows[{coincidence.Pause}].Pause and Windows[{coincidence.Resume}].Resume both fire at {local:yyyy-MM-dd HH:mm} {timeZone}");
    }

    /// <summary>
    /// Why no price can be used (reported on the <c>HourlyPrice</c> prop); null when <paramref name="hourlyPrice"/> is a
    /// usable price or, when it is null, <see cref="MwaaPrices"/> knows <paramref name="environmentClass"/>.
    /// </summary>
    public static string? PriceProblem(string environmentClass, double? hourlyPrice) => hourlyPrice switch
    {
        { } price when !double.IsFinite(price) || price < 0 => "must be a finite price in US dollars, 0 or more",
        null when MwaaPrices.HourlyUsd(environmentClass) is null =>
            $"is required for environment class \"{environmentClass}\", which has no list price in this package (known: {string.Join(", ", MwaaPrices.KnownClasses)}; {MwaaPrices.Region}, {MwaaPrices.PriceDate})",
        _ => null,
    };

    /// <summary>The simulation described on the class: net paused time, 2027 cycles and shortest pause per window.</summary>
    private static (TimeSpan[] Paused, int[] Cycles, TimeSpan?[] Shortest) Simulate(IReadOnlyList<PauseWindow> windows, TimeZoneInfo zone)
    {
        var (warmUp, yearStart, yearEnd) = (YearStart(SimulatedYear - 1, zone), YearStart(SimulatedYear, zone), YearStart(SimulatedYear + 1, zone));

        // Each window's pause and resume occurrences come in order; merge them (ties: window order, the pause first).
        var streams = new List<IEnumerator<DateTime>>();
        for (var i = 0; i < windows.Count; i++)
        {
            streams.Add(Calendar(windows[i].Pause, $"Windows[{i}].Pause", warmUp).Occurrences(warmUp, yearEnd, zone).GetEnumerator());
            streams.Add(Calendar(windows[i].Resume, $"Windows[{i}].Resume", warmUp).Occurrences(warmUp, yearEnd, zone).GetEnumerator());
        }

        var live = streams.Select(e => e.MoveNext()).ToArray();
        var paused = new TimeSpan[windows.Count];
        var cycles = new int[windows.Count];
        var shortest = new TimeSpan?[windows.Count];
        var (pausedBy, pausedAt) = (-1, DateTime.MinValue);
        while (true)
        {
            var next = -1;
            for (var k = 0; k < streams.Count; k++)
            {
                if (live[k] && (next < 0 || streams[k].Current < streams[next].Current))
                {
                    next = k;
                }
            }

            if (next < 0)
            {
                break;
            }

            var (at, window, pause) = (streams[next].Current, next / 2, next % 2 == 0);
            live[next] = streams[next].MoveNext();
            if (pause && pausedBy < 0)
            {
                (pausedBy, pausedAt) = (window, at);
                cycles[window] += at >= yearStart ? 1 : 0;
            }
            else if (!pause && pausedBy >= 0)
            {
                paused[pausedBy] += Saved(pausedAt, at, yearStart, yearEnd);
                if (pausedAt >= yearStart && (shortest[pausedBy] is not { } known || at - pausedAt < known))
                {
                    shortest[pausedBy] = at - pausedAt;
                }

                pausedBy = -1;
            }
        }

        foreach (var stream in streams)
        {
            stream.Dispose();
        }

        if (pausedBy >= 0)
        {
            paused[pausedBy] += Saved(pausedAt, yearEnd, yearStart, yearEnd);
        }

        return (paused, cycles, shortest);
    }

    /// <summary>
    /// The zone to simulate in. A machine without a time-zone database (ScheduleExpressions then checks only the id's
    /// shape) still synthesizes: the estimate is computed in UTC and its summary says so.
    /// </summary>
    private static (TimeZoneInfo Zone, string Note) EstimateZone(string timeZone)
    {
        if (Zone(timeZone) is { } zone)
        {
            return (zone, "");
        }

        return ScheduleExpressions.TimeZoneProblem(timeZone) is null
            ? (TimeZoneInfo.Utc, $"; computed in UTC, {timeZone} is not known on the synthesizing machine")
            : throw new ArgumentException($"TimeZone: \"{timeZone}\" is not a time zone of this machine's IANA database", nameof(timeZone));
    }

    private static TimeSpan Saved(DateTime pausedAt, DateTime resumedAt, DateTime yearStart, DateTime yearEnd)
    {
        var from = pausedAt + BilledTimePerPause;
        from = from < yearStart ? yearStart : from;
        var to = resumedAt > yearEnd ? yearEnd : resumedAt;
        return to > from ? to - from : TimeSpan.Zero;
    }

    private static CronCalendar Calendar(string expression, string prop, DateTime rateAnchor)
    {
        try
        {
            return CronCalendar.Parse(expression, rateAnchor);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{prop}: {e.Message}", e);
        }
    }

    private static CronCalendar? TryCalendar(string? expression, DateTime rateAnchor)
    {
        if (expression is null || ScheduleExpressions.Problem(expression) is not null || !(expression.StartsWith("cron(", StringComparison.Ordinal) || expression.StartsWith("rate(", StringComparison.Ordinal)))
        {
            return null;
        }

        return CronCalendar.Parse(expression, rateAnchor);
    }

    private static TimeZoneInfo? Zone(string? timeZone)
    {
        if (string.IsNullOrEmpty(timeZone))
        {
            return null;
        }

        if (timeZone is "UTC" or "Etc/UTC")
        {
            return TimeZoneInfo.Utc;
        }

        return TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out var zone) ? zone : null;
    }

    /// <summary>The UTC instant the zone's wall clock reaches <paramref name="year"/>-01-01 (its first existing minute).</summary>
    private static DateTime YearStart(int year, TimeZoneInfo zone)
    {
        var local = new DateTime(year, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);
        DateTime? utc;
        while ((utc = CronCalendar.ToUtc(local, zone)) is null)
        {
            local = local.AddMinutes(1);
        }

        return utc.Value;
    }
}
