namespace Patterns.Cdk.Functions.EventDrivenSettlement.Contracts;

/// <summary>
/// One way a document breaks its contract: where (a JSON Pointer into the document, RFC 6901; empty for the document
/// itself) and what is wrong. Messages name the rule that failed, never the offending value (payloads are not logged).
/// </summary>
/// <param name="Location">The JSON Pointer of the value at fault, for example <c>/damage/level</c>; for a missing required
/// property, the pointer where it should be.</param>
/// <param name="Message">What is wrong, for example <c>must be one of MINOR, MODERATE, SEVERE, TOTAL_LOSS</c>.</param>
public sealed record ContractViolation(string Location, string Message)
{
    /// <summary><c>/damage/level: must be one of ...</c>; the document itself is written <c>(document)</c>.</summary>
    public override string ToString() => (Location.Length == 0 ? "(document)" : Location) + ": " + Message;
}
