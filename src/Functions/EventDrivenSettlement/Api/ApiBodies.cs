using System.Text.Json.Serialization;
using Patterns.Cdk.Functions.EventDrivenSettlement.Settlement;

namespace Patterns.Cdk.Functions.EventDrivenSettlement.Api;

// The response bodies of the settlement API (README.md, "REST interface").

/// <summary>
/// 201 and 200: the settlement, with exactly the members of the <c>Settlement.Finalized</c> detail (same names, same
/// order, same values as the event the table's Pipe emits for it).
/// </summary>
internal sealed record SettlementBody(
    int SchemaVersion,
    string SettlementId,
    string ClaimId,
    string CustomerId,
    string DocumentType,
    string DamageLevel,
    string PayoutAmount,
    string OutOfPocketAmount,
    string Currency,
    string CorrelationId,
    string FinalizedAt)
{
    public static SettlementBody Of(SettlementRecord settlement) => new(
        settlement.SchemaVersion,
        settlement.SettlementId,
        settlement.ClaimId,
        settlement.CustomerId,
        settlement.DocumentType,
        settlement.DamageLevel,
        settlement.PayoutAmount,
        settlement.OutOfPocketAmount,
        settlement.Currency,
        settlement.CorrelationId,
        settlement.FinalizedAt);
}

/// <summary>409: the claim is settled from different content.</summary>
internal sealed record ConflictBody(string Message, string ClaimId, string SettlementId);

/// <summary>422: no deductible rule covers the claim.</summary>
internal sealed record UnsettleableBody(string Message, string ClaimId, string DocumentType, string DamageLevel);

/// <summary>400 (with <c>errors</c>: every problem, each <c>"&lt;JSON Pointer&gt;: &lt;what is wrong&gt;"</c>), 404, 405, 500.</summary>
internal sealed record ErrorBody(string Message)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Errors { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(SettlementBody))]
[JsonSerializable(typeof(ConflictBody))]
[JsonSerializable(typeof(UnsettleableBody))]
[JsonSerializable(typeof(ErrorBody))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
