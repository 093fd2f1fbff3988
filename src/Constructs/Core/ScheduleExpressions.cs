using System.Globalization;
using System.Text.RegularExpressions;

namespace Patterns.Cdk.Core;

/// <summary>
/// Checks EventBridge Scheduler schedule expressions and time zones the way the service reads them, so a schedule
/// that would be refused at deploy (or never fire) fails at synth with the reason. Grammar (Scheduler user guide,
/// "Schedule types"): <c>cron(minutes hours day-of-month month day-of-week year)</c>, <c>rate(value unit)</c>,
/// <c>at(yyyy-mm-ddThh:mm:ss)</c>.
/// </summary>
internal static partial class ScheduleExpressions
{
    /// <summary>Why <paramref name="expression"/> is not a schedule expression Scheduler accepts; null when it is one.</summary>
    public static string? Problem(string? expression)
    {
        if (string.IsNullOrEmpty(expression))
        {
            return "it is empty";
        }

        var match = ExpressionShape().Match(expression);
        if (!match.Success)
        {
            return "it must be cron(...), rate(...) or at(...)";
        }

        var body = match.Groups["body"].Value;
        return match.Groups["kind"].Value switch
        {
            "cron" => CronProblem(body),
            "rate" => RateProblem(body),
            _ => AtProblem(body),
        };
    }

    /// <summary>
    /// Why <paramref name="timeZone"/> is not an IANA time-zone id Scheduler knows; null when it is one. Ids are
    /// looked up in the time-zone database of the machine that synthesizes (exact spelling, as Scheduler wants it).
    /// </summary>
    public static string? TimeZoneProblem(string? timeZone)
    {
        if (string.IsNullOrEmpty(timeZone))
        {
            return "it is empty";
        }

        if (!TimeZoneShape().IsMatch(timeZone))
        {
            return "it is not an IANA time-zone id (Windows ids such as \"Romance Standard Time\" and offsets such as \"+01:00\" are not accepted)";
        }

        if (timeZone is "localtime" or "posixrules" || timeZone.StartsWith("posix/", StringComparison.Ordinal) || timeZone.StartsWith("right/", StringComparison.Ordinal))
        {
            // Files of the machine's zoneinfo folder that are not zone ids: the host's own zone, and the POSIX/leap-second copies.
            return "it is a file of the local zoneinfo folder, not an IANA time-zone id";
        }

        if (!HasTimeZoneDatabase)
        {
            return null; // Without a database to consult, the shape is all that can be checked.
        }

        if (!TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out var zone))
        {
            return "no such zone in the IANA time-zone database";
        }

        return zone.Id == timeZone ? null : $"the id is spelled \"{zone.Id}\"";
    }

    private static readonly bool HasTimeZoneDatabase = TimeZoneInfo.TryFindSystemTimeZoneById("Europe/Paris", out _);

    private static string? RateProblem(string body)
    {
        var match = RateShape().Match(body);
        if (!match.Success)
        {
            return "a rate is rate(value unit), e.g. rate(5 minutes) or rate(1 day)";
        }

        if (!int.TryParse(match.Groups["value"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1)
        {
            return "the rate's value must be a whole number of at least 1";
        }

        var unit = match.Groups["unit"].Value;
        var singular = unit is "minute" or "hour" or "day";
        return (value == 1, singular) switch
        {
            (true, false) => $"a value of 1 takes the singular unit ({unit.TrimEnd('s')})",
            (false, true) => $"a value of {value} takes the plural unit ({unit}s)",
            _ => null,
        };
    }

    private static string? AtProblem(string body) =>
        DateTime.TryParseExact(body, "yyyy'-'MM'-'dd'T'HH':'mm':'ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
            ? null
            : "a one-time schedule is at(yyyy-mm-ddThh:mm:ss) with a real date and time, e.g. at(2030-01-31T02:00:00)";

    private static string? CronProblem(string body)
    {
        var fields = body.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 6)
        {
            return $"a cron expression has six fields (minutes hours day-of-month month day-of-week year), not {fields.Length}";
        }

        var problem = Field(fields[0], Minutes) ?? Field(fields[1], Hours) ?? Field(fields[2], DayOfMonth) ?? Field(fields[3], Month)
            ?? Field(fields[4], DayOfWeek) ?? Field(fields[5], Year);
        if (problem is not null)
        {
            return problem;
        }

        return (fields[2] == "?", fields[4] == "?") switch
        {
            (true, true) => "only one of day-of-month and day-of-week may be '?'",
            (false, false) => "one of day-of-month and day-of-week must be '?' (they cannot both constrain the day)",
            _ => null,
        };
    }

    private static string? Field(string text, CronField field)
    {
        if (text == "?")
        {
            return field.AllowsQuestionMark ? null : $"{field.Name} cannot be '?' (only day-of-month and day-of-week can)";
        }

        var items = text.Split(',');
        if (items.Length > 1 && items.Any(i => i.Length == 0))
        {
            return $"{field.Name} \"{text}\" has an empty list item";
        }

        foreach (var item in items)
        {
            if (items.Length > 1 && (item == "?" || field.IsSpecial(item)))
            {
                return $"{field.Name} \"{text}\": '{item}' cannot be part of a list";
            }

            var problem = Item(item, field);
            if (problem is not null)
            {
                return problem;
            }
        }

        return null;
    }

    private static string? Item(string item, CronField field)
    {
        var special = field.Special(item);
        if (special is not null)
        {
            return special.Length == 0 ? null : special;
        }

        var slash = item.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            if (!field.AllowsStep)
            {
                return $"{field.Name} \"{item}\": '/' is not allowed in {field.Name}";
            }

            var stepText = item[(slash + 1)..];
            if (!int.TryParse(stepText, NumberStyles.None, CultureInfo.InvariantCulture, out var step) || step < 1 || step > field.Max)
            {
                return $"{field.Name} \"{item}\": the increment after '/' must be a whole number between 1 and {field.Max}";
            }

            item = item[..slash];
            if (item == "*")
            {
                return null;
            }
        }

        if (item == "*")
        {
            return null;
        }

        var dash = item.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            return field.Value(item) is null ? field.OutOfRange(item) : null;
        }

        if (dash == 0 || dash == item.Length - 1)
        {
            return field.OutOfRange(item);
        }

        var (from, to) = (field.Value(item[..dash]), field.Value(item[(dash + 1)..]));
        if (from is null)
        {
            return field.OutOfRange(item[..dash]);
        }

        if (to is null)
        {
            return field.OutOfRange(item[(dash + 1)..]);
        }

        return from <= to ? null : $"{field.Name} \"{item}\": a range must go from the smaller value to the larger";
    }

    private sealed class CronField(string name, int min, int max, string[]? names = null)
    {
        public string Name => name;
        public int Max => max;
        public bool AllowsQuestionMark { get; init; }
        public bool AllowsStep { get; init; } = true;

        /// <summary>Checks the field's own wildcards (L, W, #): "" when valid, a problem when malformed, null when the item is not one.</summary>
        public Func<CronField, string, string?> SpecialCheck { get; init; } = (_, _) => null;

        public string? Special(string item) => SpecialCheck(this, item);

        public bool IsSpecial(string item) => Special(item) is not null;

        public int? Value(string text)
        {
            if (names is not null)
            {
                var index = Array.IndexOf(names, text.ToUpperInvariant());
                if (index >= 0)
                {
                    return min + index;
                }
            }

            return text.Length is > 0 and <= 4 && text.All(char.IsAsciiDigit)
                && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
                ? value
                : null;
        }

        public string OutOfRange(string text) =>
            $"{name} \"{text}\" is not a value between {min} and {max}{(names is null ? "" : $" or {names[0]}-{names[^1]}")}";
    }

    private static readonly CronField Minutes = new("minutes", 0, 59);
    private static readonly CronField Hours = new("hours", 0, 23);
    private static readonly CronField Month = new("month", 1, 12, ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]);
    private static readonly CronField Year = new("year", 1970, 2199);

    private static readonly CronField DayOfMonth = new("day-of-month", 1, 31)
    {
        AllowsQuestionMark = true,
        SpecialCheck = (field, item) =>
        {
            if (item is "L" or "LW")
            {
                return "";
            }

            if (item.Length > 1 && item[^1] == 'W')
            {
                return field.Value(item[..^1]) is null ? $"day-of-month \"{item}\": W follows a day between 1 and 31 (nearest weekday), e.g. 15W" : "";
            }

            return null;
        },
    };

    private static readonly CronField DayOfWeek = new("day-of-week", 1, 7, ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])
    {
        AllowsQuestionMark = true,
        AllowsStep = false,
        SpecialCheck = (field, item) =>
        {
            if (item == "L")
            {
                return "";
            }

            if (item.Length > 1 && item[^1] == 'L')
            {
                return field.Value(item[..^1]) is null ? $"day-of-week \"{item}\": L follows a day (1-7 or SUN-SAT) for the last such day of the month, e.g. 6L" : "";
            }

            var hash = item.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0)
            {
                var nth = item[(hash + 1)..];
                return field.Value(item[..hash]) is null || nth.Length != 1 || nth[0] is < '1' or > '5'
                    ? $"day-of-week \"{item}\": # takes a day (1-7 or SUN-SAT) and its occurrence in the month (1-5), e.g. 3#2"
                    : "";
            }

            return null;
        },
    };

    [GeneratedRegex(@"^(?<kind>cron|rate|at)\((?<body>[^()]*)\)$")]
    private static partial Regex ExpressionShape();

    [GeneratedRegex(@"^(?<value>[0-9]+) (?<unit>minutes?|hours?|days?)$")]
    private static partial Regex RateShape();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}$")]
    private static partial Regex TimeZoneShape();
}
