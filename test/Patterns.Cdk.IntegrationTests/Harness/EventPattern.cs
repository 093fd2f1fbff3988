using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Patterns.Cdk.IntegrationTests.Harness;

/// <summary>
/// An EventBridge event pattern (the language of rules, of Pipe filters and of event source mapping filters), matched
/// locally: no maintained matcher is served on npm or NuGet here, and <c>TestEventPattern</c> needs AWS.
/// <para>Supported, per AWS's operator table: exact values (strings, numbers compared as numbers, booleans, null), nested
/// objects, arrays in the event (any element matches), <c>prefix</c> and <c>suffix</c> (also with
/// <c>equals-ignore-case</c>), <c>equals-ignore-case</c>, <c>anything-but</c> (a value, a list, a prefix or a suffix),
/// <c>numeric</c> ranges, <c>exists</c>, <c>wildcard</c> and <c>$or</c>. Anything else (<c>cidr</c>, ...) is rejected when
/// the pattern is parsed, so a template that uses an operator the simulation does not know fails loudly.</para>
/// </summary>
public sealed class EventPattern
{
    private static readonly HashSet<string> Operators = new(StringComparer.Ordinal)
    {
        "prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "exists", "wildcard",
    };

    private readonly JsonObject _pattern;

    private EventPattern(JsonObject pattern) => _pattern = pattern;

    /// <summary>The pattern as JSON text (a rule's <c>EventPattern</c> or a filter's <c>Pattern</c>).</summary>
    public static EventPattern Parse(string json) => From(JsonNode.Parse(json) as JsonObject
        ?? throw new FormatException($"An event pattern is a JSON object, found {json}."));

    /// <summary>The pattern as a JSON object (a rule's <c>EventPattern</c> property in a template).</summary>
    public static EventPattern From(JsonObject pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        CheckObject(pattern, "$");
        return new EventPattern((JsonObject)pattern.DeepClone());
    }

    /// <summary>True when the event (or stream record, or SQS message) matches.</summary>
    public bool Matches(JsonNode? @event) => MatchObject(_pattern, @event as JsonObject);

    /// <inheritdoc />
    public override string ToString() => _pattern.ToJsonString();

    private static bool MatchObject(JsonObject pattern, JsonObject? value)
    {
        foreach ((string field, JsonNode? expected) in pattern)
        {
            if (field == "$or")
            {
                if (!expected!.AsArray().Any(alternative => MatchObject(alternative!.AsObject(), value)))
                {
                    return false;
                }

                continue;
            }

            bool present = value is not null && value.ContainsKey(field);
            JsonNode? actual = present ? value![field] : null;
            bool ok = expected is JsonObject nested
                ? MatchNested(nested, actual)
                : MatchValues(expected!.AsArray(), present, actual);
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    // A nested pattern against a missing or non-object value still matches when it only asks for absence.
    private static bool MatchNested(JsonObject nested, JsonNode? actual) => actual is JsonObject o
        ? MatchObject(nested, o)
        : MatchObject(nested, null);

    private static bool MatchValues(JsonArray matchers, bool present, JsonNode? actual)
    {
        List<JsonNode?> values = actual is JsonArray list ? [.. list] : [actual];
        return matchers.Any(matcher => matcher is JsonObject op
            ? MatchOperator(op, present, values)
            : present && values.Any(v => LiteralEquals(matcher, v)));
    }

    private static bool MatchOperator(JsonObject op, bool present, List<JsonNode?> values)
    {
        (string name, JsonNode? argument) = op.Single();
        return name switch
        {
            "exists" => argument!.GetValue<bool>() == present,
            "prefix" => present && values.Any(v => TextMatch(argument, v, (s, a, c) => s.StartsWith(a, c))),
            "suffix" => present && values.Any(v => TextMatch(argument, v, (s, a, c) => s.EndsWith(a, c))),
            "equals-ignore-case" => present && values.Any(v => Text(v) is { } s && string.Equals(s, argument!.GetValue<string>(), StringComparison.OrdinalIgnoreCase)),
            "wildcard" => present && values.Any(v => Text(v) is { } s && Wildcard(argument!.GetValue<string>()).IsMatch(s)),
            "numeric" => present && values.Any(v => Number(v) is { } n && NumericMatch(argument!.AsArray(), n)),
            "anything-but" => present && values.Any(v => !Excluded(argument, v)),
            _ => throw new NotSupportedException($"Unsupported operator {name}."),
        };
    }

    private static bool Excluded(JsonNode? argument, JsonNode? value) => argument switch
    {
        JsonArray list => list.Any(item => LiteralEquals(item, value)),
        JsonObject { Count: 1 } inner when inner.ContainsKey("prefix") => TextMatch(inner["prefix"], value, (s, a, c) => s.StartsWith(a, c)),
        JsonObject { Count: 1 } inner when inner.ContainsKey("suffix") => TextMatch(inner["suffix"], value, (s, a, c) => s.EndsWith(a, c)),
        JsonObject { Count: 1 } inner when inner.ContainsKey("equals-ignore-case") => Text(value) is { } s
            && (inner["equals-ignore-case"] is JsonArray many
                ? many.Any(m => string.Equals(s, m!.GetValue<string>(), StringComparison.OrdinalIgnoreCase))
                : string.Equals(s, inner["equals-ignore-case"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase)),
        _ => LiteralEquals(argument, value),
    };

    // prefix/suffix take a string, or {"equals-ignore-case": string}.
    private static bool TextMatch(JsonNode? argument, JsonNode? value, Func<string, string, StringComparison, bool> test)
    {
        if (Text(value) is not { } s)
        {
            return false;
        }

        return argument is JsonObject { Count: 1 } o && o.ContainsKey("equals-ignore-case")
            ? test(s, o["equals-ignore-case"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase)
            : test(s, argument!.GetValue<string>(), StringComparison.Ordinal);
    }

    private static bool NumericMatch(JsonArray conditions, decimal n)
    {
        for (int i = 0; i < conditions.Count; i += 2)
        {
            decimal bound = conditions[i + 1]!.GetValue<decimal>();
            bool ok = conditions[i]!.GetValue<string>() switch
            {
                "=" => n == bound,
                "<" => n < bound,
                "<=" => n <= bound,
                ">" => n > bound,
                ">=" => n >= bound,
                string other => throw new NotSupportedException($"Unsupported numeric comparison {other}."),
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static bool LiteralEquals(JsonNode? expected, JsonNode? actual)
    {
        if (expected is null || actual is null)
        {
            return expected is null && actual is null;
        }

        if (Number(expected) is { } a && expected.GetValueKind() == System.Text.Json.JsonValueKind.Number)
        {
            return actual.GetValueKind() == System.Text.Json.JsonValueKind.Number && Number(actual) == a;
        }

        return JsonNode.DeepEquals(expected, actual);
    }

    private static string? Text(JsonNode? value) =>
        value is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String ? v.GetValue<string>() : null;

    private static decimal? Number(JsonNode? value) =>
        value is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number
        && decimal.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out decimal d) ? d : null;

    private static Regex Wildcard(string pattern) =>
        new("^" + string.Join(".*", pattern.Split('*').Select(Regex.Escape)) + "$", RegexOptions.CultureInvariant);

    // Rejects what the matcher does not implement, with the path of the offending part.
    private static void CheckObject(JsonObject pattern, string path)
    {
        foreach ((string field, JsonNode? expected) in pattern)
        {
            string at = $"{path}.{field}";
            switch (expected)
            {
                case JsonArray alternatives when field == "$or":
                    foreach (JsonNode? alternative in alternatives)
                    {
                        CheckObject(alternative as JsonObject ?? throw new NotSupportedException($"{at}: $or takes a list of patterns."), at);
                    }

                    break;
                case JsonObject nested:
                    CheckObject(nested, at);
                    break;
                case JsonArray matchers:
                    foreach (JsonObject op in matchers.OfType<JsonObject>())
                    {
                        if (op.Count != 1 || !Operators.Contains(op.Single().Key))
                        {
                            throw new NotSupportedException($"{at}: the local matcher does not support the operator {op.ToJsonString()}.");
                        }
                    }

                    break;
                default:
                    throw new NotSupportedException($"{at}: a pattern value must be an object or a list, found {expected?.ToJsonString()}.");
            }
        }
    }
}
