using System.Text.Json.Nodes;

namespace Patterns.Cdk.EventDrivenSettlement;

/// <summary>
/// The two event contracts of the settlement domain, as JSON Schemas. One copy of each lives in the repository
/// (src/Functions/EventDrivenSettlement/Contracts, linked into this assembly as embedded resources) and is used three
/// ways: published in the schema registry, as the REST API's request model, and embedded in the bundled handler, which
/// validates every event and request against it. The files carry no <c>$schema</c> (the handler's validator reads
/// draft 6 and later, the registry and API Gateway read draft 4, and the files use only keywords that mean the same in
/// both); the registry and the API model get <c>$schema</c> draft-04 added here.
/// </summary>
public static class SettlementContracts
{
    /// <summary>Source of the input event (the fraud domain).</summary>
    public const string InputSource = "fraud.service";

    /// <summary>Detail-type of the input event.</summary>
    public const string InputDetailType = "Fraud.Not.Detected";

    /// <summary>Source of the output event (the settlement domain).</summary>
    public const string OutputSource = "settlement.service";

    /// <summary>Detail-type of the output event.</summary>
    public const string OutputDetailType = "Settlement.Finalized";

    /// <summary>The JSON Schema dialect the registry (<c>JSONSchemaDraft4</c>) and API Gateway models read.</summary>
    public const string Draft04 = "http://json-schema.org/draft-04/schema#";

    /// <summary>File name of the input contract (the <c>Fraud.Not.Detected</c> detail, also the POST /settlements body).</summary>
    public const string InputFile = "fraud-not-detected.schema.json";

    /// <summary>File name of the output contract (the <c>Settlement.Finalized</c> detail).</summary>
    public const string OutputFile = "settlement-finalized.schema.json";

    private const string ResourcePrefix = "Patterns.Cdk.Contracts.";

    /// <summary>Serializes a published contract readably (no <c>\u0027</c> for an apostrophe); the result is still plain JSON.</summary>
    internal static readonly System.Text.Json.JsonSerializerOptions PublishedJson = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The input contract exactly as stored in the repository.</summary>
    public static string InputSchemaText => Read(InputFile);

    /// <summary>The output contract exactly as stored in the repository.</summary>
    public static string OutputSchemaText => Read(OutputFile);

    /// <summary>
    /// A contract as published (registry content, API model): the repository's document with <c>"$schema"</c>
    /// draft-04 added as its first member, everything else unchanged.
    /// </summary>
    /// <param name="file"><see cref="InputFile"/> or <see cref="OutputFile"/>.</param>
    public static JsonObject Draft4(string file)
    {
        var document = JsonNode.Parse(Read(file))?.AsObject()
            ?? throw new InvalidOperationException($"The contract {file} is not a JSON object.");
        var published = new JsonObject { ["$schema"] = Draft04 };
        foreach (var (name, value) in document)
        {
            published[name] = value?.DeepClone();
        }

        return published;
    }

    private static string Read(string file)
    {
        using var stream = typeof(SettlementContracts).Assembly.GetManifestResourceStream(ResourcePrefix + file)
            ?? throw new InvalidOperationException($"The contract {file} is not embedded in {typeof(SettlementContracts).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
