using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.CDK;

namespace Patterns.Cdk.Testing;

/// <summary>
/// Creates the CDK <see cref="App"/> a test synthesizes into: its context is the "context" object of a
/// <c>cdk.json</c> (the feature flags your real app synthesizes with), pinned so that neither the
/// <c>CDK_CONTEXT_JSON</c> environment of the machine nor the recommended flags of a newer CDK change the template;
/// analytics and version reporting, path and asset metadata and bundling are off, so that a template is the same on
/// every machine.
/// </summary>
public static class CdkTestApp
{
    /// <summary>The name of the file <see cref="Create(string?, CdkTestAppOptions?)"/> looks for.</summary>
    public const string CdkJsonFileName = "cdk.json";

    /// <summary>
    /// Creates an app whose context holds the feature flags of <paramref name="cdkJsonPath"/>'s "context" object.
    /// Without a path, the nearest <c>cdk.json</c> in the test's output directory or any directory above it is used;
    /// when there is none, no flag is set, and every flag keeps the default CDK v2 gives an app without it (a default
    /// no CDK upgrade changes).
    /// </summary>
    /// <param name="cdkJsonPath">A <c>cdk.json</c> file (or a directory holding one); null to search as described.</param>
    /// <param name="options">Extra context, and whether to keep asset bundling on.</param>
    /// <returns>A new app; create your stacks in it.</returns>
    /// <exception cref="FileNotFoundException">An explicit <paramref name="cdkJsonPath"/> does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not JSON or its "context" is not an object.</exception>
    public static App Create(string? cdkJsonPath = null, CdkTestAppOptions? options = null)
    {
        options ??= new CdkTestAppOptions();
        var path = cdkJsonPath is null ? FindCdkJson(AppContext.BaseDirectory) : ResolveExplicit(cdkJsonPath);
        var context = path is null ? new Dictionary<string, object>(StringComparer.Ordinal) : ReadContext(path);
        foreach (var (key, value) in NoiseOff(options.SkipBundling))
        {
            context[key] = value;
        }

        foreach (var (key, value) in options.Context ?? new Dictionary<string, object>())
        {
            context[key] = value;
        }

        return new App(new AppProps
        {
            AnalyticsReporting = false,
            StackTraces = false,
            Outdir = options.Outdir,
            // Post-CLI context wins over CDK_CONTEXT_JSON, so a variable set on the machine cannot change a flag.
            PostCliContext = context,
        });
    }

    /// <summary>
    /// The "context" object of a <c>cdk.json</c>, as values the CDK accepts (booleans, strings, numbers, lists and
    /// maps of them). An absent "context" gives an empty dictionary.
    /// </summary>
    /// <param name="cdkJsonPath">The <c>cdk.json</c> file.</param>
    /// <returns>The context, key by key.</returns>
    /// <exception cref="InvalidDataException">The file is not JSON or its "context" is not an object.</exception>
    public static Dictionary<string, object> ReadContext(string cdkJsonPath)
    {
        ArgumentNullException.ThrowIfNull(cdkJsonPath);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(cdkJsonPath), documentOptions: new JsonDocumentOptions
            {
                CommentHandling = JsonCommentHandling.Skip,
                AllowTrailingCommas = true,
            });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{cdkJsonPath} is not valid JSON: {e.Message}", e);
        }

        var result = new Dictionary<string, object>(StringComparer.Ordinal);
        switch (root?["context"])
        {
            case null:
                return result;
            case JsonObject context:
                foreach (var (key, value) in context)
                {
                    result[key] = ToContextValue(value, $"{cdkJsonPath}: context.{key}");
                }

                return result;
            default:
                throw new InvalidDataException($"{cdkJsonPath}: \"context\" must be an object.");
        }
    }

    /// <summary>The nearest <c>cdk.json</c> in <paramref name="directory"/> or a directory above it; null when none.</summary>
    /// <param name="directory">Where to start looking.</param>
    /// <returns>The file's full path, or null.</returns>
    public static string? FindCdkJson(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        for (var dir = new DirectoryInfo(directory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, CdkJsonFileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string ResolveExplicit(string path)
    {
        var file = Directory.Exists(path) ? Path.Combine(path, CdkJsonFileName) : path;
        return File.Exists(file) ? file : throw new FileNotFoundException($"No cdk.json at {path}.", file);
    }

    // What makes one machine's template differ from another's without the code changing.
    private static IEnumerable<KeyValuePair<string, object>> NoiseOff(bool skipBundling)
    {
        yield return new("aws:cdk:version-reporting", false);
        yield return new("aws:cdk:enable-path-metadata", false);
        yield return new("aws:cdk:enable-asset-metadata", false);
        if (skipBundling)
        {
            // The CLI's "--exclusively" mechanism: no stack is bundled (no Docker, no esbuild, no dotnet publish).
            yield return new("aws:cdk:bundling-stacks", Array.Empty<string>());
        }
    }

    private static object ToContextValue(JsonNode? value, string where) => value switch
    {
        JsonArray array => array.Select((item, i) => ToContextValue(item, $"{where}[{i}]")).ToArray(),
        JsonObject map => map.ToDictionary(entry => entry.Key, entry => ToContextValue(entry.Value, $"{where}.{entry.Key}"), StringComparer.Ordinal),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => double.Parse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture),
        _ => throw new InvalidDataException($"{where}: a null context value cannot be passed to the CDK."),
    };
}

/// <summary>Options of <see cref="CdkTestApp.Create(string?, CdkTestAppOptions?)"/>.</summary>
public sealed class CdkTestAppOptions
{
    /// <summary>Context set on top of the <c>cdk.json</c> flags (wins over them); e.g. the values your stacks read.</summary>
    public IReadOnlyDictionary<string, object>? Context { get; init; }

    /// <summary>
    /// Skip asset bundling (default true): assets that bundle (Docker, esbuild, <c>dotnet publish</c>) are not built,
    /// which a snapshot with scrubbed hashes cannot see anyway. Set false to test bundling itself.
    /// </summary>
    public bool SkipBundling { get; init; } = true;

    /// <summary>The cloud assembly directory; null lets the CDK use a fresh temporary directory.</summary>
    public string? Outdir { get; init; }
}
