using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.ApiPoller.Sources;

/// <summary>
/// The configured sources of a deployment (<c>API_POLLER_SOURCES</c>), parsed and validated once at start-up.
/// A catalog only exists when every source is valid: a misconfiguration fails the function's initialisation with a
/// message listing every problem, instead of failing job by job.
/// </summary>
internal sealed class SourceCatalog
{
    public const string EnvironmentVariable = "API_POLLER_SOURCES";

    private readonly Dictionary<string, SourceDefinition> _byName;

    private SourceCatalog(IReadOnlyList<SourceDefinition> sources)
    {
        Sources = sources;
        _byName = sources.ToDictionary(source => source.Name, StringComparer.Ordinal);
    }

    /// <summary>Every source, in configuration order.</summary>
    public IReadOnlyList<SourceDefinition> Sources { get; }

    /// <summary>Reads <see cref="EnvironmentVariable"/>.</summary>
    /// <exception cref="InvalidOperationException">The variable is missing, is not a JSON array of sources, or a source is invalid.</exception>
    public static SourceCatalog FromEnvironment(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? json = environment(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(json))
        {
            throw new InvalidOperationException($"{EnvironmentVariable} is required but not set.");
        }

        return Parse(json);
    }

    /// <exception cref="InvalidOperationException">Not a JSON array of valid sources; the message lists every problem.</exception>
    public static SourceCatalog Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        List<SourceDocument>? documents;
        try
        {
            documents = JsonSerializer.Deserialize(json, SourcesJsonContext.Default.ListSourceDocument);
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"{EnvironmentVariable} is not a JSON array of sources: {e.Message}", e);
        }

        if (documents is null)
        {
            throw new InvalidOperationException($"{EnvironmentVariable} is JSON null; expected an array of sources.");
        }

        SourceDefinition[] sources = documents.Select(document => document.ToDefinition()).ToArray();
        List<string> problems = SourceValidator.Validate(sources);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException($"{EnvironmentVariable} is invalid: {string.Join("; ", problems)}.");
        }

        return new SourceCatalog(sources);
    }

    public bool TryGet(string name, [NotNullWhen(true)] out SourceDefinition? source) =>
        _byName.TryGetValue(name, out source);

    /// <exception cref="BadInputException">No source has this name (an event naming it can never be processed).</exception>
    public SourceDefinition Get(string name) =>
        TryGet(name, out SourceDefinition? source) ? source : throw new BadInputException($"unknown source '{name}'");
}
