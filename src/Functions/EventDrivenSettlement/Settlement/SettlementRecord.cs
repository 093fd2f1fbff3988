namespace Patterns.Cdk.Functions.EventDrivenSettlement.Settlement;

/// <summary>
/// A claim's settlement: the row in the table (one per claim id) and, through the table's Pipe, the detail of its
/// <c>Settlement.Finalized</c> event. Amounts and the estimated cost are decimal strings with two places.
/// </summary>
public sealed record SettlementRecord
{
    /// <summary>The <c>schemaVersion</c> of the Settlement.Finalized contract this record renders to.</summary>
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required string SettlementId { get; init; }

    public required string ClaimId { get; init; }

    public required string CustomerId { get; init; }

    public required string DocumentType { get; init; }

    public required string DamageLevel { get; init; }

    public required string EstimatedCost { get; init; }

    public required string PayoutAmount { get; init; }

    public required string OutOfPocketAmount { get; init; }

    public required string Currency { get; init; }

    /// <summary>The input event's id (REST: the <c>X-Correlation-Id</c> header, else API Gateway's request id).</summary>
    public required string CorrelationId { get; init; }

    /// <summary>SHA-256 of the claim's business content (<see cref="ClaimContent"/>): tells a duplicate from a conflict.</summary>
    public required string ContentHash { get; init; }

    /// <summary>When the settlement was computed, <c>yyyy-MM-ddTHH:mm:ss.fffZ</c> (UTC).</summary>
    public required string FinalizedAt { get; init; }
}
