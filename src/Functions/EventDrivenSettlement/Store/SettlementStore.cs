using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Patterns.Cdk.Functions.EventDrivenSettlement.Settlement;

namespace Patterns.Cdk.Functions.EventDrivenSettlement.Store;

/// <summary>What writing a settlement did.</summary>
public enum StoreOutcomeKind
{
    /// <summary>The claim had no settlement: this one is stored (and the table's Pipe will emit its event).</summary>
    Created,

    /// <summary>The claim is already settled from the same content (a redelivery or a retry): nothing was written.</summary>
    Duplicate,

    /// <summary>The claim is already settled from different content: nothing was written; the stored one stands.</summary>
    Conflict,
}

/// <summary>The outcome and the settlement now in the table (the new one, or the one already there).</summary>
public sealed record StoreOutcome(StoreOutcomeKind Kind, SettlementRecord Stored);

/// <summary>
/// The settlements table. A settlement is written once per claim with a conditional put
/// (<c>attribute_not_exists(claimId)</c>) and is never overwritten. When the claim already has one, the stored item
/// comes back with the failed condition (<c>ReturnValuesOnConditionCheckFailure = ALL_OLD</c>) or, where that is not
/// returned (dynalite ignores it), from a consistent read; equal content hashes make a duplicate, different ones a
/// conflict. Service errors (throttling, 5xx, network) are thrown to the caller: the queue redelivers the message, the
/// API answers 500.
/// </summary>
public sealed class SettlementStore
{
    private const string NewClaimOnly = "attribute_not_exists(" + SettlementItem.ClaimId + ")";

    private readonly IAmazonDynamoDB _dynamoDb;
    private readonly string _tableName;

    public SettlementStore(IAmazonDynamoDB dynamoDb, string tableName)
    {
        ArgumentNullException.ThrowIfNull(dynamoDb);
        ArgumentException.ThrowIfNullOrEmpty(tableName);
        _dynamoDb = dynamoDb;
        _tableName = tableName;
    }

    /// <exception cref="SettlementVanishedException">The stored settlement that failed the condition was gone when read back (deleted meanwhile); retrying is safe.</exception>
    public async Task<StoreOutcome> PutAsync(SettlementRecord settlement, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(settlement);
        var request = new PutItemRequest
        {
            TableName = _tableName,
            Item = SettlementItem.ToItem(settlement),
            ConditionExpression = NewClaimOnly,
            ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
        };
        Dictionary<string, AttributeValue>? existing;
        try
        {
            await _dynamoDb.PutItemAsync(request, cancellation);
            return new StoreOutcome(StoreOutcomeKind.Created, settlement);
        }
        catch (ConditionalCheckFailedException e)
        {
            existing = e.Item is { Count: > 0 } old ? old : await ReadItemAsync(settlement.ClaimId, cancellation);
        }

        if (existing is null)
        {
            throw new SettlementVanishedException(settlement.ClaimId);
        }

        SettlementRecord stored = SettlementItem.FromItem(existing);
        StoreOutcomeKind kind = string.Equals(stored.ContentHash, settlement.ContentHash, StringComparison.Ordinal)
            ? StoreOutcomeKind.Duplicate
            : StoreOutcomeKind.Conflict;
        return new StoreOutcome(kind, stored);
    }

    /// <summary>The claim's settlement (consistent read), or null.</summary>
    public async Task<SettlementRecord?> GetAsync(string claimId, CancellationToken cancellation = default) =>
        await ReadItemAsync(claimId, cancellation) is { } item ? SettlementItem.FromItem(item) : null;

    private async Task<Dictionary<string, AttributeValue>?> ReadItemAsync(string claimId, CancellationToken cancellation)
    {
        GetItemResponse response = await _dynamoDb.GetItemAsync(
            new GetItemRequest
            {
                TableName = _tableName,
                Key = new Dictionary<string, AttributeValue>(1) { [SettlementItem.ClaimId] = new() { S = claimId } },
                ConsistentRead = true,
            },
            cancellation);
        return response.Item is { Count: > 0 } item ? item : null;
    }
}

/// <summary>
/// A claim's settlement failed the write condition but was not there when read back: it was deleted in between.
/// Transient: the next attempt writes it.
/// </summary>
public sealed class SettlementVanishedException : Exception
{
    public SettlementVanishedException(string claimId)
        : base($"the settlement of claim {claimId} existed when written but not when read back (deleted meanwhile); retry")
    {
    }

    public SettlementVanishedException()
    {
    }

    public SettlementVanishedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
