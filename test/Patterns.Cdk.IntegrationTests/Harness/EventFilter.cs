using System.Text.Json;
using System.Text.Json.Nodes;

namespace Patterns.Cdk.IntegrationTests.Harness;

/// <summary>
/// The filter criteria of an event source mapping or a Pipe (<c>FilterCriteria.Filters[].Pattern</c>): a record passes
/// when it matches any pattern (each an <see cref="EventPattern"/>); with no filters everything passes.
/// </summary>
public sealed class EventFilter
{
    private readonly List<EventPattern> _patterns;

    private EventFilter(List<EventPattern> patterns) => _patterns = patterns;

    /// <summary>Passes everything.</summary>
    public static EventFilter None { get; } = new([]);

    /// <summary>The filter of an AWS::Lambda::EventSourceMapping's properties, or of an AWS::Pipes::Pipe's <c>SourceParameters</c>.</summary>
    public static EventFilter From(JsonObject properties) =>
        new((properties["FilterCriteria"]?["Filters"]?.AsArray() ?? [])
            .Select(f => EventPattern.Parse((string)f!["Pattern"]!))
            .ToList());

    public bool Matches(JsonObject record) => _patterns.Count == 0 || _patterns.Any(p => p.Matches(record));

    /// <summary>For diagnostics.</summary>
    public override string ToString() => JsonSerializer.Serialize(_patterns.Select(p => p.ToString()));
}
