using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Amazon.CDK;

namespace Patterns.Cdk.Testing;

/// <summary>
/// A synthesized CloudFormation template without what changes when your code does not: asset hashes become
/// <c>[HASH]</c> (the S3 keys of file assets, the logical ids and values that carry an asset hash, the code hash in
/// the logical id of a function's current version), the <c>AWS::CDK::Metadata</c> resource and its condition,
/// <c>aws:cdk:path</c> and <c>aws:asset:*</c> metadata, and the bootstrap version parameter and rule are removed, and
/// (by default) the keys of every object are sorted. Compare <see cref="ToJson"/> with a snapshot library of your
/// choice.
/// </summary>
public sealed partial class ScrubbedTemplate
{
    /// <summary>What a scrubbed hash reads as.</summary>
    public const string HashPlaceholder = "[HASH]";

    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        // Keep "<", ">", "&", "+" and non-ASCII text readable in snapshots ("Fn::Join" parts, descriptions).
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly JsonObject _template;

    private ScrubbedTemplate(JsonObject template) => _template = template;

    /// <summary>Synthesizes <paramref name="stack"/> (as <c>Template.FromStack</c> does) and scrubs its template.</summary>
    /// <param name="stack">A stack of a <see cref="Stage"/> (an <see cref="App"/>); nested stacks work too.</param>
    /// <param name="options">Whether to sort keys; null for the defaults.</param>
    /// <returns>The scrubbed template.</returns>
    public static ScrubbedTemplate FromStack(Stack stack, ScrubOptions? options = null) =>
        FromJson(TemplateJson.Of(stack), options);

    /// <summary>Scrubs a template given as JSON text (a <c>*.template.json</c> of a cloud assembly, say).</summary>
    /// <param name="templateJson">The template.</param>
    /// <param name="options">Whether to sort keys; null for the defaults.</param>
    /// <returns>The scrubbed template.</returns>
    /// <exception cref="ArgumentException">The text is not a JSON object.</exception>
    public static ScrubbedTemplate FromJson(string templateJson, ScrubOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(templateJson);
        options ??= new ScrubOptions();
        // Hashes first, on the text: they occur in keys (logical ids) and values alike, and in references to both.
        var text = CurrentVersionHash().Replace(templateJson, HashPlaceholder);
        text = AssetHash().Replace(text, HashPlaceholder);
        if (JsonNode.Parse(text) is not JsonObject template)
        {
            throw new ArgumentException("A CloudFormation template is a JSON object.", nameof(templateJson));
        }

        RemoveCdkNoise(template);
        return new ScrubbedTemplate(options.SortKeys ? (JsonObject)Sorted(template)! : template);
    }

    /// <summary>The scrubbed template as indented JSON (two spaces, <c>\n</c> line ends).</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => _template.ToJsonString(Indented).ReplaceLineEndings("\n");

    /// <summary>A copy of the scrubbed template as a JSON node, to inspect or to hand to a snapshot library.</summary>
    /// <returns>A new node; changing it does not change this template.</returns>
    public JsonObject ToJsonNode() => (JsonObject)_template.DeepClone();

    /// <inheritdoc cref="ToJson"/>
    public override string ToString() => ToJson();

    private static void RemoveCdkNoise(JsonObject template)
    {
        if (template["Resources"] is JsonObject resources)
        {
            foreach (var id in resources.Where(r => (string?)r.Value?["Type"] == "AWS::CDK::Metadata").Select(r => r.Key).ToList())
            {
                resources.Remove(id);
            }

            foreach (var (_, resource) in resources)
            {
                if (resource?["Metadata"] is JsonObject metadata)
                {
                    foreach (var key in metadata.Select(m => m.Key).Where(IsCdkMetadataKey).ToList())
                    {
                        metadata.Remove(key);
                    }

                    if (metadata.Count == 0)
                    {
                        resource.AsObject().Remove("Metadata");
                    }
                }
            }
        }

        RemoveFrom(template, "Conditions", "CDKMetadataAvailable");
        RemoveFrom(template, "Parameters", "BootstrapVersion");
        RemoveFrom(template, "Rules", "CheckBootstrapVersion");
    }

    private static bool IsCdkMetadataKey(string key) =>
        key == "aws:cdk:path" || key.StartsWith("aws:asset:", StringComparison.Ordinal);

    private static void RemoveFrom(JsonObject template, string section, string name)
    {
        if (template[section] is JsonObject entries)
        {
            entries.Remove(name);
            if (entries.Count == 0)
            {
                template.Remove(section);
            }
        }
    }

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value))).ToList()),
        JsonArray a => new JsonArray(a.Select(Sorted).ToArray()),
        _ => node?.DeepClone(),
    };

    // A SHA-256 in hex: how the CDK names file and container assets (S3 keys, image tags, staged paths) and what
    // asset-derived logical ids and values carry.
    [GeneratedRegex("[0-9a-f]{64}")]
    private static partial Regex AssetHash();

    // Function.CurrentVersion's logical id: "<id>CurrentVersion<8 hex>" + an MD5 of the function's properties, code
    // location included; it changes with the asset.
    [GeneratedRegex("(?<=CurrentVersion[0-9A-F]{8})[0-9a-f]{32}")]
    private static partial Regex CurrentVersionHash();
}

/// <summary>Options of <see cref="ScrubbedTemplate"/>.</summary>
public sealed class ScrubOptions
{
    /// <summary>
    /// Sort the keys of every object ordinally (default true), so that the order does not depend on the order in
    /// which the CDK renders properties. False keeps the synthesized order.
    /// </summary>
    public bool SortKeys { get; init; } = true;
}
