using System.Text.Json;
using System.Text.Json.Nodes;

namespace Patterns.Cdk.IntegrationTests.Harness;

/// <summary>
/// The filter criteria of an event source mapping (<c>FilterCriteria.Filters[].Pattern</c>): a record passes when it
/// matches any pattern. Supported: nested objects and lists of exact values (<c>{"eventName":["INSERT"]}</c>), which is
/// what the construct uses; any other operator fails loudly instead of being silently ignored.
/// </summary>
public sealed class EventFilter
{
    private readonly List<JsonObject> _patterns;

    private EventFilter(List<JsonObject> patterns) => _patterns = patterns;

    /// <summary>Passes everything.</summary>
    public static EventFilter None { get; } = new([]);

    /// <summary>The filter of an AWS::Lambda::EventSourceMapping's properties.</summary>
    public static EventFilter From(JsonObject mappingProperties) =>
        new((mappingProperties["FilterCriteria"]?["Filters"]?.AsArray() ?? [])
            .Select(f => JsonNode.Parse((string)f!["Pattern"]!)!.AsObject())
            .ToList());

    public bool Matches(JsonObject record) => _patterns.Count == 0 || _patterns.Any(p => Matches(p, record));

    private static bool Matches(JsonObject pattern, JsonNode? value)
    {
        foreach ((string field, JsonNode? expected) in pattern)
        {
            JsonNode? actual = value is JsonObject o ? o[field] : null;
            bool ok = expected switch
            {
                JsonObject nested => Matches(nested, actual),
                JsonArray allowed => allowed.Any(candidate => candidate is JsonObject op
                    ? throw new NotSupportedException($"The simulation does not support the filter operator {op.ToJsonString()}.")
                    : JsonNode.DeepEquals(candidate, actual)),
                _ => throw new NotSupportedException($"A filter pattern value must be an object or a list, found {expected?.ToJsonString()}."),
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>For diagnostics.</summary>
    public override string ToString() => JsonSerializer.Serialize(_patterns.Select(p => p.ToJsonString()));
}
