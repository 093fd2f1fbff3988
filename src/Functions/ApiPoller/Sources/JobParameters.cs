using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Patterns.Cdk.Functions.ApiPoller.Sources;

/// <summary>
/// The validated parameters of one job: names declared by the source, string values, sorted by name (ordinal), so
/// two requests with the same parameters in any order have the same <see cref="ToJson"/> and the same canonical form.
/// Only <see cref="Validate(SourceDefinition, JsonElement?)"/> and <see cref="Validate(SourceDefinition, IReadOnlyDictionary{string, string}?)"/>
/// produce them from caller input; <see cref="FromStoredJson"/> reads back what a job item stores.
/// </summary>
internal sealed class JobParameters
{
    public const int MaxProblems = 20;

    private JobParameters(IReadOnlyList<KeyValuePair<string, string>> values) => Values = values;

    public static JobParameters Empty { get; } = new([]);

    /// <summary>Name/value pairs, sorted by name (ordinal).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Values { get; }

    /// <summary>
    /// Validates a JSON object of parameters (a job request's <c>parameters</c>; absent or null means none).
    /// Problems name the parameter, never echo its value.
    /// </summary>
    public static ParameterValidation Validate(SourceDefinition source, JsonElement? parameters)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (parameters is not { } element || element.ValueKind == JsonValueKind.Null)
        {
            return Validate(source, new Dictionary<string, string>(), []);
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            return ParameterValidation.Invalid(["parameters must be a JSON object of strings"]);
        }

        var problems = new List<string>();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String)
            {
                problems.Add($"parameter '{Shorten(property.Name)}' must be a string (got {property.Value.ValueKind.ToString().ToLowerInvariant()})");
            }
            else if (!values.TryAdd(property.Name, property.Value.GetString()!))
            {
                problems.Add($"parameter '{Shorten(property.Name)}' is given more than once");
            }
        }

        ParameterValidation checkedValues = Validate(source, values, problems);
        return checkedValues;
    }

    /// <summary>Validates name/value pairs (a schedule's parameters, for example).</summary>
    public static ParameterValidation Validate(SourceDefinition source, IReadOnlyDictionary<string, string>? parameters)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Validate(source, parameters ?? new Dictionary<string, string>(), []);
    }

    /// <summary>Reads the compact JSON object a job item stores in <c>parameters</c> (written by <see cref="ToJson"/>).</summary>
    /// <exception cref="JsonException">Not a JSON object of strings.</exception>
    public static JobParameters FromStoredJson(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("stored job parameters are not a JSON object");
        }

        var values = new List<KeyValuePair<string, string>>();
        foreach (JsonProperty property in document.RootElement.EnumerateObject())
        {
            string value = property.Value.ValueKind == JsonValueKind.String
                ? property.Value.GetString()!
                : throw new JsonException("stored job parameters hold a value that is not a string");
            values.Add(new(property.Name, value));
        }

        return Sorted(values);
    }

    /// <summary>The value of a parameter, or null when the job does not set it.</summary>
    public string? this[string name] =>
        Values.FirstOrDefault(pair => string.Equals(pair.Key, name, StringComparison.Ordinal)).Value;

    /// <summary>Compact JSON object, keys sorted (ordinal): <c>{"since":"2024-01-01"}</c>.</summary>
    public string ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteTo(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        foreach ((string name, string value) in Values)
        {
            writer.WriteString(name, value);
        }

        writer.WriteEndObject();
    }

    private static ParameterValidation Validate(SourceDefinition source, IReadOnlyDictionary<string, string> values, List<string> problems)
    {
        foreach ((string name, string value) in values)
        {
            if (source.FindParameter(name) is not { } parameter)
            {
                problems.Add($"parameter '{Shorten(name)}' is not accepted by source '{source.Name}'");
            }
            else if (value.Length > parameter.MaxLength)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"parameter '{name}' is longer than {parameter.MaxLength} characters"));
            }
            else if (!MatchesSafely(parameter, value))
            {
                problems.Add($"parameter '{name}' does not match the pattern {parameter.Pattern}");
            }
        }

        foreach (SourceParameter parameter in source.Parameters)
        {
            if (parameter.Required && !values.ContainsKey(parameter.Name))
            {
                problems.Add($"parameter '{parameter.Name}' is required");
            }
        }

        if (problems.Count > 0)
        {
            return ParameterValidation.Invalid(problems.Count > MaxProblems ? [.. problems.Take(MaxProblems), "(more problems not listed)"] : problems);
        }

        return ParameterValidation.Valid(Sorted(values.ToList()));
    }

    private static bool MatchesSafely(SourceParameter parameter, string value)
    {
        try
        {
            return parameter.Matches(value);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private static JobParameters Sorted(List<KeyValuePair<string, string>> values)
    {
        values.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return values.Count == 0 ? Empty : new JobParameters(values);
    }

    // A problem names an unknown parameter, but a caller-chosen name must not turn the answer into an echo chamber.
    private static string Shorten(string name) => name.Length <= 64 ? name : string.Concat(name.AsSpan(0, 64), "...");
}

/// <summary>The outcome of validating job parameters: the parameters, or the list of problems (never both).</summary>
internal sealed record ParameterValidation
{
    private ParameterValidation(JobParameters? parameters, IReadOnlyList<string> problems)
    {
        Parameters = parameters;
        Problems = problems;
    }

    public JobParameters? Parameters { get; }

    public IReadOnlyList<string> Problems { get; }

    public bool IsValid => Parameters is not null;

    public static ParameterValidation Valid(JobParameters parameters) => new(parameters, []);

    public static ParameterValidation Invalid(IReadOnlyList<string> problems) => new(null, problems);
}
