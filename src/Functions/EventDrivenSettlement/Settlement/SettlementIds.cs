namespace Patterns.Cdk.Functions.EventDrivenSettlement.Settlement;

/// <summary>
/// The settlement id of a claim: a UUID v5 of the claim id in the pattern's fixed namespace, so every copy of a
/// claim's outcome (a redelivered event, a REST retry, a replayed archive, a user's container) carries the same id,
/// and consumers of <c>Settlement.Finalized</c> deduplicate on it.
/// </summary>
public static class SettlementIds
{
    /// <summary>The namespace of settlement ids (fixed forever: changing it changes every id).</summary>
    public static readonly Guid Namespace = new("6f1c1b52-3a8e-4f43-9d3e-5b1f0c2e7a10");

    /// <summary>The settlement id of <paramref name="claimId"/>, lower-case <c>8-4-4-4-12</c> hex.</summary>
    public static string For(string claimId) => NameBasedUuid.Version5(Namespace, claimId).ToString("D");
}
