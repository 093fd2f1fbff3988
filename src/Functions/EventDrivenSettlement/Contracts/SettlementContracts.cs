namespace Patterns.Cdk.Functions.EventDrivenSettlement.Contracts;

/// <summary>
/// The two event contracts, read from the schema files embedded in this assembly (the one copy in the repository,
/// <c>Contracts/*.schema.json</c>, which src/Constructs also embeds for the schema registry and the REST request model)
/// and compiled once per process.
/// </summary>
public static class SettlementContracts
{
    /// <summary>The input: the detail of <c>Fraud.Not.Detected</c>, and the body of <c>POST /settlements</c>.</summary>
    public const string FraudNotDetectedFile = "fraud-not-detected.schema.json";

    /// <summary>The output: the detail of <c>Settlement.Finalized</c>, which the table's Pipe renders from each new row.</summary>
    public const string SettlementFinalizedFile = "settlement-finalized.schema.json";

    /// <summary>The manifest name prefix of the embedded schemas (the same in src/Constructs).</summary>
    public const string ResourcePrefix = "Patterns.Cdk.Contracts.";

    private static readonly Lazy<ContractSchema> Input = new(() => ContractSchema.Compile(Read(FraudNotDetectedFile)));
    private static readonly Lazy<ContractSchema> Output = new(() => ContractSchema.Compile(Read(SettlementFinalizedFile)));

    public static ContractSchema FraudNotDetected => Input.Value;

    public static ContractSchema SettlementFinalized => Output.Value;

    /// <summary>The bytes of an embedded schema file, exactly as committed.</summary>
    /// <exception cref="InvalidOperationException">No schema of that name is embedded.</exception>
    public static byte[] Read(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        using Stream stream = typeof(SettlementContracts).Assembly.GetManifestResourceStream(ResourcePrefix + fileName)
            ?? throw new InvalidOperationException($"the contract {fileName} is not embedded in {typeof(SettlementContracts).Assembly.GetName().Name}");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
