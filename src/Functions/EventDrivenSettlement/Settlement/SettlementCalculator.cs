using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Patterns.Cdk.Functions.EventDrivenSettlement.Settlement;

/// <summary>
/// Computes a claim's settlement from the rules: the deductible of its (document type, damage level);
/// <c>payoutAmount = max(0, estimatedCost - deductible)</c> and <c>outOfPocketAmount = min(estimatedCost, deductible)</c>,
/// with the estimated cost first rounded to cents (half away from zero), so the two always add up to it. Pure: the
/// correlation id and the time are given.
/// </summary>
public sealed class SettlementCalculator(SettlementRules rules)
{
    private readonly SettlementRules _rules = rules ?? throw new ArgumentNullException(nameof(rules));

    public SettlementRules Rules => _rules;

    /// <summary>The settlement, or false when no deductible rule covers the claim's document type and damage level.</summary>
    public bool TryCalculate(Claim claim, string correlationId, DateTimeOffset finalizedAt, [NotNullWhen(true)] out SettlementRecord? settlement)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentNullException.ThrowIfNull(correlationId);
        if (!_rules.TryGetDeductible(claim.DocumentType, claim.DamageLevel, out decimal deductible))
        {
            settlement = null;
            return false;
        }

        decimal cost = Money.ToCents(claim.EstimatedCost);
        (decimal payout, decimal outOfPocket) = Split(cost, deductible);
        settlement = new SettlementRecord
        {
            SettlementId = SettlementIds.For(claim.ClaimId),
            ClaimId = claim.ClaimId,
            CustomerId = claim.CustomerId,
            DocumentType = claim.DocumentType,
            DamageLevel = claim.DamageLevel,
            EstimatedCost = Money.Format(cost),
            PayoutAmount = Money.Format(payout),
            OutOfPocketAmount = Money.Format(outOfPocket),
            Currency = _rules.Currency,
            CorrelationId = correlationId,
            ContentHash = ClaimContent.Hash(claim),
            FinalizedAt = FormatTime(finalizedAt),
        };
        return true;
    }

    /// <summary>The payout and what the customer pays, both in cents: they add up to the (rounded) estimated cost.</summary>
    public static (decimal Payout, decimal OutOfPocket) Split(decimal estimatedCost, decimal deductible)
    {
        decimal cost = Money.ToCents(estimatedCost);
        decimal ded = Money.ToCents(deductible);
        return (Money.ToCents(Math.Max(0m, cost - ded)), Money.ToCents(Math.Min(cost, ded)));
    }

    /// <summary><c>yyyy-MM-ddTHH:mm:ss.fffZ</c> in UTC, the contract's <c>finalizedAt</c>.</summary>
    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
