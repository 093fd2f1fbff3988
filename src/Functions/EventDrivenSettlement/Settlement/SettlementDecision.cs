using Patterns.Cdk.Functions.EventDrivenSettlement.Contracts;

namespace Patterns.Cdk.Functions.EventDrivenSettlement.Settlement;

/// <summary>What a claim's detail decides before anything is stored.</summary>
public enum DecisionKind
{
    /// <summary>A valid claim with a rule: <see cref="SettlementDecision.Settlement"/> is ready to be written.</summary>
    Settle,

    /// <summary>The detail breaks the input contract: <see cref="SettlementDecision.Violations"/> lists every violation.</summary>
    ContractViolated,

    /// <summary>A valid claim that no deductible rule covers: it cannot be settled.</summary>
    NoRule,
}

/// <summary>
/// The pure part of settling one claim, shared by the queue consumer and the REST API: validate the detail against
/// the input contract, read the claim, compute the settlement. No I/O.
/// </summary>
public sealed class SettlementDecision
{
    private SettlementDecision(DecisionKind kind, IReadOnlyList<ContractViolation> violations, Claim? claim, SettlementRecord? settlement)
    {
        Kind = kind;
        Violations = violations;
        Claim = claim;
        Settlement = settlement;
    }

    public DecisionKind Kind { get; }

    public IReadOnlyList<ContractViolation> Violations { get; }

    /// <summary>The claim (null when the contract is violated).</summary>
    public Claim? Claim { get; }

    /// <summary>The settlement (only for <see cref="DecisionKind.Settle"/>).</summary>
    public SettlementRecord? Settlement { get; }

    /// <summary>The reason a claim is not settled, fit for a log line, a dead-letter reason and a response message.</summary>
    public string Reason => Kind switch
    {
        DecisionKind.ContractViolated => "the claim breaks the Fraud.Not.Detected contract: " + string.Join("; ", Violations),
        DecisionKind.NoRule => $"no deductible rule for documentType {Claim!.DocumentType} and damageLevel {Claim.DamageLevel}: the claim cannot be settled (add a rule to the settlement rules)",
        _ => "settled",
    };

    public static SettlementDecision Decide(ReadOnlySpan<byte> detail, string correlationId, DateTimeOffset now, ContractSchema contract, SettlementCalculator calculator)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(calculator);
        IReadOnlyList<ContractViolation> violations = contract.Validate(detail);
        if (violations.Count > 0)
        {
            return new SettlementDecision(DecisionKind.ContractViolated, violations, claim: null, settlement: null);
        }

        Claim claim = Claim.ReadValidated(detail);
        return calculator.TryCalculate(claim, correlationId, now, out SettlementRecord? settlement)
            ? new SettlementDecision(DecisionKind.Settle, violations, claim, settlement)
            : new SettlementDecision(DecisionKind.NoRule, violations, claim, settlement: null);
    }
}
