namespace Patterns.Cdk.EventDrivenSettlement;

/// <summary>
/// One row of the settlement table: the deductible for a claim of <see cref="DocumentType"/> with damage
/// <see cref="DamageLevel"/>. The payout is <c>max(0, estimatedCost - Amount)</c> and the customer's share is
/// <c>min(estimatedCost, Amount)</c>, both in <see cref="EventDrivenSettlementProps.Currency"/>. A claim with no matching
/// row cannot be settled: the event goes to the dead-letter queue with that reason (REST: 422).
/// </summary>
public sealed class Deductible
{
    /// <summary>The claim's document type, as in the input contract: <c>CAR</c>, <c>HOME</c> or <c>TRAVEL</c>. Required.</summary>
    public string? DocumentType { get; init; }

    /// <summary>The damage level, as in the input contract: <c>MINOR</c>, <c>MODERATE</c>, <c>SEVERE</c> or <c>TOTAL_LOSS</c>. Required.</summary>
    public string? DamageLevel { get; init; }

    /// <summary>The deductible, at least 0 and at most 10,000,000, with at most two decimal places. Required.</summary>
    public decimal? Amount { get; init; }
}
