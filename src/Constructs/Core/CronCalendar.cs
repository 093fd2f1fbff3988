using System.Globalization;
using System.Numerics;

namespace Patterns.Cdk.Core;

/// <summary>
/// When an EventBridge Scheduler <c>cron(...)</c> or <c>rate(...)</c> expression fires, computed at synth (the savings
/// estimate and the coincidence check of MwaaScheduler). The grammar is the one <see cref="ScheduleExpressions"/> checks:
/// <c>cron(minutes hours day-of-month month day-of-week year)</c> with lists, ranges, <c>/</c> steps, <c>*</c>, <c>?</c>,
/// <c>L</c>, <c>LW</c>, <c>nW</c> (day-of-month), <c>dL</c>, <c>d#n</c> (day-of-week, 1 = SUN .. 7 = SAT, or names).
/// <para>
/// Time zones, as the AWS knowledge-center article on EventBridge Scheduler and daylight saving time states it
/// (https://repost.aws/knowledge-center/eventbridge-scheduler-adjust-dst; the Scheduler user guide's "Schedule types"
/// page, https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html, has a daylight saving time section
/// on the same behaviour): a cron expression is read on the wall clock of its zone; when the clock springs forward, an
/// invocation whose local time does not exist is skipped (none that day); when it falls back, a local time that happens
/// twice runs once and is not repeated, so this class takes the first (earlier) instant, which also keeps occurrences in
/// order. A rate counts fixed durations (a day is 24 hours, also on a 23- or 25-hour day) from an anchor: the schedule's start (Scheduler starts a rate schedule without StartDate when it is
/// created), here a given UTC instant.
/// </para>
/// Fields are precomputed as bit sets, so a day is tested with a few bit operations and <see cref="Occurrences"/> jumps
/// from one matching day to the next instead of testing every minute.
/// </summary>
internal sealed class CronCalendar
{
    private const int MinYear = 1970;
    private const int MaxYear = 2199;

    /// <summary>The rate anchor <see cref="Parse(string)"/> uses: 1970-01-01T00:00Z.</summary>
    public static readonly DateTime DefaultRateAnchorUtc = DateTime.UnixEpoch;

    private static readonly string[] MonthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    private static readonly string[] DayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    private readonly string _expression;

    // rate(...)
    private readonly long _periodTicks;
    private readonly DateTime _anchorUtc;

    // cron(...): bit v set = value v matches.
    private readonly ulong _minutes;
    private readonly uint _hours;
    private readonly uint _months;
    private readonly ulong[] _years = new ulong[4]; // bit (year - 1970)
    private readonly bool _byDayOfWeek; // day-of-month is '?'
    private readonly ulong _daysOfMonth; // bits 1..31
    private readonly bool _lastDayOfMonth; // L
    private readonly bool _lastWeekdayOfMonth; // LW
    private readonly int _nearestWeekdayTo; // nW: n, else 0
    private readonly uint _daysOfWeek; // bits 1..7 (1 = SUN)
    private readonly int _lastOfWeekday; // dL: d, else 0
    private readonly int _nthWeekday; // d#n: d, else 0
    private readonly int _nth; // d#n: n

    private CronCalendar(string expression, TimeSpan period, DateTime anchorUtc)
    {
        _expression = expression;
        _periodTicks = period.Ticks;
        _anchorUtc = anchorUtc;
    }

    private CronCalendar(string expression, string[] fields)
    {
        _expression = expression;
        _minutes = Bits(fields[0], 0, 59, null)[0];
        _hours = (uint)Bits(fields[1], 0, 23, null)[0];
        _months = (uint)Bits(fields[3], 1, 12, MonthNames)[0];
        _years = Bits(fields[5], MinYear, MaxYear, null, offset: MinYear);

        var dayOfMonth = fields[2];
        var dayOfWeek = fields[4];
        _byDayOfWeek = dayOfMonth == "?";
        if (!_byDayOfWeek)
        {
            if (dayOfMonth == "L")
            {
                _lastDayOfMonth = true;
            }
            else if (dayOfMonth == "LW")
            {
                _lastWeekdayOfMonth = true;
            }
            else if (dayOfMonth.Length > 1 && dayOfMonth[^1] == 'W')
            {
                _nearestWeekdayTo = Number(dayOfMonth[..^1]);
            }
            else
            {
                _daysOfMonth = Bits(dayOfMonth, 1, 31, null)[0];
            }

            return;
        }

        var hash = dayOfWeek.IndexOf('#', StringComparison.Ordinal);
        if (hash >= 0)
        {
            _nthWeekday = Value(dayOfWeek[..hash], 1, DayNames);
            _nth = Number(dayOfWeek[(hash + 1)..]);
        }
        else if (dayOfWeek == "L")
        {
            _daysOfWeek = 1u << 7; // the last day of the week: Saturday
        }
        else if (dayOfWeek.Length > 1 && dayOfWeek[^1] == 'L')
        {
            _lastOfWeekday = Value(dayOfWeek[..^1], 1, DayNames);
        }
        else
        {
            _daysOfWeek = (uint)Bits(dayOfWeek, 1, 7, DayNames)[0];
        }
    }

    /// <summary>True for <c>rate(...)</c>, false for <c>cron(...)</c>.</summary>
    public bool IsRate => _periodTicks > 0;

    /// <summary>The period of a <c>rate(...)</c>; null for <c>cron(...)</c>.</summary>
    public TimeSpan? Period => IsRate ? TimeSpan.FromTicks(_periodTicks) : null;

    /// <summary>The UTC instant a <c>rate(...)</c> counts from (its first occurrence).</summary>
    public DateTime RateAnchorUtc => _anchorUtc;

    /// <summary>Reads <paramref name="expression"/>, a rate counting from <see cref="DefaultRateAnchorUtc"/>.</summary>
    /// <exception cref="ArgumentException">It is not a cron or rate expression Scheduler accepts (the message says why).</exception>
    public static CronCalendar Parse(string expression) => Parse(expression, DefaultRateAnchorUtc);

    /// <summary>Reads <paramref name="expression"/>; a rate counts from <paramref name="rateAnchorUtc"/> (its first occurrence).</summary>
    /// <exception cref="ArgumentException">It is not a cron or rate expression Scheduler accepts (the message says why).</exception>
    public static CronCalendar Parse(string expression, DateTime rateAnchorUtc)
    {
        var problem = ScheduleExpressions.Problem(expression);
        if (problem is not null)
        {
            throw new ArgumentException($"\"{expression}\" is not an EventBridge Scheduler expression: {problem}");
        }

        var body = expression[(expression.IndexOf('(', StringComparison.Ordinal) + 1)..^1];
        if (expression.StartsWith("at(", StringComparison.Ordinal))
        {
            throw new ArgumentException($"\"{expression}\" is a one-time schedule; a recurring calendar takes cron(...) or rate(...)");
        }

        if (expression.StartsWith("rate(", StringComparison.Ordinal))
        {
            var parts = body.Split(' ');
            var value = Number(parts[0]);
            var period = parts[1].TrimEnd('s') switch
            {
                "minute" => TimeSpan.FromMinutes(value),
                "hour" => TimeSpan.FromHours(value),
                _ => TimeSpan.FromDays(value),
            };
            return new CronCalendar(expression, period, AsUtc(rateAnchorUtc));
        }

        return new CronCalendar(expression, body.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>
    /// Cron: whether the expression matches the wall-clock minute <paramref name="localMinute"/> (seconds ignored; a
    /// minute that a spring-forward gap removes still matches here, <see cref="Occurrences"/> skips it). Rate: whether
    /// a whole number of periods separates <see cref="RateAnchorUtc"/> from <paramref name="localMinute"/>, both read
    /// on the anchor's continuous (UTC) clock.
    /// </summary>
    public bool FiresAt(DateTime localMinute)
    {
        var minute = new DateTime(localMinute.Ticks - (localMinute.Ticks % TimeSpan.TicksPerMinute), DateTimeKind.Unspecified);
        if (IsRate)
        {
            var elapsed = minute.Ticks - _anchorUtc.Ticks;
            return elapsed >= 0 && elapsed % _periodTicks == 0;
        }

        return MatchesDate(minute) && (_hours >> minute.Hour & 1) != 0 && (_minutes >> minute.Minute & 1) != 0;
    }

    /// <summary>
    /// The UTC instants in [<paramref name="fromUtc"/>, <paramref name="toUtc"/>) at which the schedule fires in
    /// <paramref name="zone"/>, in order: cron on the zone's wall clock (spring-forward gap skipped, fall-back overlap
    /// once, at its first instant), rate every period from its anchor (the zone does not matter).
    /// </summary>
    public IEnumerable<DateTime> Occurrences(DateTime fromUtc, DateTime toUtc, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var (from, to) = (AsUtc(fromUtc), AsUtc(toUtc));
        return IsRate ? RateOccurrences(from, to) : CronOccurrences(from, to, zone);
    }

    /// <summary>
    /// The first UTC instant in [<paramref name="fromUtc"/>, <paramref name="toUtc"/>) at which this schedule and
    /// <paramref name="other"/> both fire in <paramref name="zone"/>; null when there is none. Two crons are compared
    /// day by day on their bit sets (fast over decades); a rate by its occurrences.
    /// </summary>
    public DateTime? FirstCommonOccurrence(CronCalendar other, DateTime fromUtc, DateTime toUtc, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(other);
        ArgumentNullException.ThrowIfNull(zone);
        var (from, to) = (AsUtc(fromUtc), AsUtc(toUtc));
        if (IsRate || other.IsRate)
        {
            return FirstCommon(Occurrences(from, to, zone), other.Occurrences(from, to, zone));
        }

        var (hours, minutes) = (_hours & other._hours, _minutes & other._minutes);
        if (hours == 0 || minutes == 0)
        {
            return null;
        }

        foreach (var day in Days(from, to, zone))
        {
            if (!MatchesDate(day) || !other.MatchesDate(day))
            {
                continue;
            }

            foreach (var utc in Times(day, hours, minutes, zone))
            {
                if (utc >= to)
                {
                    return null;
                }

                if (utc >= from)
                {
                    return utc;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// The UTC instant of wall-clock time <paramref name="local"/> in <paramref name="zone"/>: null inside a
    /// spring-forward gap, the first (earlier) instant inside a fall-back overlap.
    /// </summary>
    public static DateTime? ToUtc(DateTime local, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
        {
            return null;
        }

        if (zone.IsAmbiguousTime(local))
        {
            var offsets = zone.GetAmbiguousTimeOffsets(local);
            return DateTime.SpecifyKind(local - offsets.Max(), DateTimeKind.Utc);
        }

        return TimeZoneInfo.ConvertTimeToUtc(local, zone);
    }

    /// <inheritdoc/>
    public override string ToString() => _expression;

    private IEnumerable<DateTime> RateOccurrences(DateTime from, DateTime to)
    {
        var skipped = from <= _anchorUtc ? 0 : (from.Ticks - _anchorUtc.Ticks + _periodTicks - 1) / _periodTicks;
        for (var ticks = _anchorUtc.Ticks + (skipped * _periodTicks); ticks < to.Ticks; ticks += _periodTicks)
        {
            yield return new DateTime(ticks, DateTimeKind.Utc);
        }
    }

    private IEnumerable<DateTime> CronOccurrences(DateTime from, DateTime to, TimeZoneInfo zone)
    {
        if (_hours == 0 || _minutes == 0)
        {
            yield break;
        }

        foreach (var day in Days(from, to, zone))
        {
            if (!MatchesDate(day))
            {
                continue;
            }

            // Local times map to increasing UTC instants (gap skipped, overlap at its first instant), so the first
            // instant past the end ends the enumeration.
            foreach (var utc in Times(day, _hours, _minutes, zone))
            {
                if (utc >= to)
                {
                    yield break;
                }

                if (utc >= from)
                {
                    yield return utc;
                }
            }
        }
    }

    /// <summary>The local days that can hold an instant of [from, to), with a day of margin either side.</summary>
    private static IEnumerable<DateTime> Days(DateTime from, DateTime to, TimeZoneInfo zone)
    {
        // Only the years a cron can name matter (and DateTime.MinValue/MaxValue would overflow the margins).
        var (earliest, latest) = (new DateTime(MinYear - 1, 12, 30, 0, 0, 0, DateTimeKind.Utc), new DateTime(MaxYear + 1, 1, 2, 0, 0, 0, DateTimeKind.Utc));
        (from, to) = (from < earliest ? earliest : from, to > latest ? latest : to);
        if (to <= from)
        {
            yield break;
        }

        var first = TimeZoneInfo.ConvertTimeFromUtc(from, zone).Date.AddDays(-1);
        var last = TimeZoneInfo.ConvertTimeFromUtc(to, zone).Date.AddDays(1);
        var firstYear = new DateTime(MinYear, 1, 1);
        var lastYear = new DateTime(MaxYear, 12, 31);
        first = first < firstYear ? firstYear : first;
        last = last > lastYear ? lastYear : last;
        for (var day = first; day <= last; day = day.AddDays(1))
        {
            yield return day;
        }
    }

    /// <summary>The UTC instants of the given local hours and minutes of <paramref name="day"/>, in order.</summary>
    private static IEnumerable<DateTime> Times(DateTime day, uint hours, ulong minutes, TimeZoneInfo zone)
    {
        // A day whose midnight is neither in a gap nor in an overlap and whose offset is the same at the next midnight
        // has no change of offset (zones change at most once a day) and converts with one subtraction; the few days
        // with a change go through ToUtc minute by minute.
        var offset = zone.GetUtcOffset(day);
        var plain = !zone.IsInvalidTime(day) && !zone.IsAmbiguousTime(day) && offset == zone.GetUtcOffset(day.AddDays(1));
        for (var h = hours; h != 0; h &= h - 1)
        {
            var hour = BitOperations.TrailingZeroCount(h);
            for (var m = minutes; m != 0; m &= m - 1)
            {
                var local = day.AddMinutes((hour * 60) + BitOperations.TrailingZeroCount(m));
                if (plain)
                {
                    yield return new DateTime((local - offset).Ticks, DateTimeKind.Utc);
                }
                else if (ToUtc(local, zone) is { } utc)
                {
                    yield return utc;
                }
            }
        }
    }

    private bool MatchesDate(DateTime day)
    {
        var year = day.Year;
        if (year is < MinYear or > MaxYear || (_years[(year - MinYear) >> 6] >> ((year - MinYear) & 63) & 1) == 0 || (_months >> day.Month & 1) == 0)
        {
            return false;
        }

        var date = day.Day;
        var daysInMonth = DateTime.DaysInMonth(year, day.Month);
        if (_byDayOfWeek)
        {
            var weekday = (int)day.DayOfWeek + 1; // 1 = SUN .. 7 = SAT
            if (_lastOfWeekday != 0)
            {
                return weekday == _lastOfWeekday && date + 7 > daysInMonth;
            }

            if (_nthWeekday != 0)
            {
                return weekday == _nthWeekday && ((date - 1) / 7) + 1 == _nth;
            }

            return (_daysOfWeek >> weekday & 1) != 0;
        }

        if (_lastDayOfMonth)
        {
            return date == daysInMonth;
        }

        if (_lastWeekdayOfMonth)
        {
            return date == Weekday(day.AddDays(daysInMonth - date), daysInMonth);
        }

        if (_nearestWeekdayTo != 0)
        {
            return _nearestWeekdayTo <= daysInMonth && date == Weekday(day.AddDays(_nearestWeekdayTo - date), daysInMonth);
        }

        return (_daysOfMonth >> date & 1) != 0;
    }

    /// <summary>The weekday (Monday to Friday) of the same month nearest to <paramref name="target"/> (W, LW).</summary>
    private static int Weekday(DateTime target, int daysInMonth) => target.DayOfWeek switch
    {
        DayOfWeek.Saturday => target.Day == 1 ? 3 : target.Day - 1,
        DayOfWeek.Sunday => target.Day == daysInMonth ? target.Day - 2 : target.Day + 1,
        _ => target.Day,
    };

    private static DateTime? FirstCommon(IEnumerable<DateTime> a, IEnumerable<DateTime> b)
    {
        using var x = a.GetEnumerator();
        using var y = b.GetEnumerator();
        var (hasX, hasY) = (x.MoveNext(), y.MoveNext());
        while (hasX && hasY)
        {
            if (x.Current == y.Current)
            {
                return x.Current;
            }

            if (x.Current < y.Current)
            {
                hasX = x.MoveNext();
            }
            else
            {
                hasY = y.MoveNext();
            }
        }

        return null;
    }

    /// <summary>
    /// The values a field (already checked by <see cref="ScheduleExpressions"/>) lists: <c>*</c>, values, names,
    /// ranges and <c>/</c> steps, comma-separated. Bit (value - offset) of the returned words.
    /// </summary>
    private static ulong[] Bits(string text, int min, int max, string[]? names, int offset = 0)
    {
        var bits = new ulong[((max - offset) >> 6) + 1];
        foreach (var item in text.Split(','))
        {
            var range = item;
            var step = 1;
            var slash = item.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0)
            {
                step = Number(item[(slash + 1)..]);
                range = item[..slash];
            }

            int from, to;
            var dash = range.IndexOf('-', StringComparison.Ordinal);
            if (range == "*")
            {
                (from, to) = (min, max);
            }
            else if (dash > 0)
            {
                (from, to) = (Value(range[..dash], min, names), Value(range[(dash + 1)..], min, names));
            }
            else
            {
                from = Value(range, min, names);
                to = slash >= 0 ? max : from; // "5/15": from 5 every 15 to the field's end
            }

            for (var v = from; v <= to; v += step)
            {
                bits[(v - offset) >> 6] |= 1UL << ((v - offset) & 63);
            }
        }

        return bits;
    }

    private static int Value(string text, int min, string[]? names)
    {
        var index = names is null ? -1 : Array.IndexOf(names, text.ToUpperInvariant());
        return index >= 0 ? min + index : Number(text);
    }

    private static int Number(string text) => int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);

    private static DateTime AsUtc(DateTime value) => value.Kind switch
    {
        DateTimeKind.Local => value.ToUniversalTime(),
        _ => DateTime.SpecifyKind(value, DateTimeKind.Utc),
    };
}
