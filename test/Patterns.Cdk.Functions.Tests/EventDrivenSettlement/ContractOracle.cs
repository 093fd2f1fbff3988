using System.Runtime.CompilerServices;
using System.Text.Json;
using Json.Schema;
using Patterns.Cdk.Functions.EventDrivenSettlement.Contracts;

namespace Patterns.Cdk.Functions.Tests.EventDrivenSettlement;

/// <summary>
/// JsonSchema.Net (a complete, maintained JSON Schema implementation) evaluating the same embedded schema documents
/// the handler's own validator compiles: the reference the handler's validator must agree with.
/// </summary>
internal static class ContractOracle
{
    private static readonly Lazy<JsonSchema> Input = new(() => Build(SettlementContracts.FraudNotDetectedFile));
    private static readonly Lazy<JsonSchema> Output = new(() => Build(SettlementContracts.SettlementFinalizedFile));

    public static JsonSchema FraudNotDetected => Input.Value;

    public static JsonSchema SettlementFinalized => Output.Value;

    public static bool IsValid(JsonSchema schema, string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return schema.Evaluate(document.RootElement).IsValid;
    }

    /// <summary>The repository's copy of a contract file (to prove the embedded one is the same document).</summary>
    public static string RepositoryFile(string fileName, [CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "../../../src/Functions/EventDrivenSettlement/Contracts", fileName));

    private static JsonSchema Build(string fileName) =>
        JsonSchema.FromText(System.Text.Encoding.UTF8.GetString(SettlementContracts.Read(fileName)));
}
