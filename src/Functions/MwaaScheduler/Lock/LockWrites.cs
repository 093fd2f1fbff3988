using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Patterns.Cdk.Functions.MwaaScheduler.Lock;

/// <summary>
/// The lock's conditional writes on the table (partition key <c>pk</c>, TTL attribute <c>ttl</c>). A lock is free when
/// there is no item, when its <c>expiresAt</c> (epoch seconds) has passed, or when the caller already holds it
/// (re-entrant: a retried acquire of the same execution succeeds and extends it). Only the holder deletes it.
/// </summary>
public static class LockWrites
{
    public const string PartitionKey = "pk";
    public const string OwnerAttribute = "owner";
    public const string OperationAttribute = "operation";
    public const string ExpiresAtAttribute = "expiresAt";
    public const string AcquiredAtAttribute = "acquiredAt";
    public const string TtlAttribute = "ttl";
    public const long MaxTtlSeconds = 7 * 24 * 3600;

    /// <summary>Acquire-or-take-over condition.</summary>
    public const string AcquireCondition = "attribute_not_exists(pk) OR expiresAt < :now OR #owner = :owner";

    /// <summary>Release condition.</summary>
    public const string ReleaseCondition = "#owner = :owner";

    /// <summary>The conditional PutItem of an acquire at <paramref name="now"/>.</summary>
    public static PutItemRequest Acquire(string table, string lockName, string owner, string operation, long ttlSeconds, DateTimeOffset now)
    {
        long nowSeconds = now.ToUnixTimeSeconds();
        long expiresAt = nowSeconds + ttlSeconds;
        return new PutItemRequest
        {
            TableName = table,
            Item = new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
            {
                [PartitionKey] = new() { S = lockName },
                [OwnerAttribute] = new() { S = owner },
                [OperationAttribute] = new() { S = operation },
                [ExpiresAtAttribute] = Number(expiresAt),
                [AcquiredAtAttribute] = new() { S = now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) },
                // DynamoDB deletes expired items some time after this; the condition never relies on it.
                [TtlAttribute] = Number(expiresAt),
            },
            ConditionExpression = AcquireCondition,
            ExpressionAttributeNames = new Dictionary<string, string>(StringComparer.Ordinal) { ["#owner"] = OwnerAttribute },
            ExpressionAttributeValues = new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
            {
                [":now"] = Number(nowSeconds),
                [":owner"] = new() { S = owner },
            },
            ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
        };
    }

    /// <summary>The conditional DeleteItem of a release.</summary>
    public static DeleteItemRequest Release(string table, string lockName, string owner) => new()
    {
        TableName = table,
        Key = new Dictionary<string, AttributeValue>(StringComparer.Ordinal) { [PartitionKey] = new() { S = lockName } },
        ConditionExpression = ReleaseCondition,
        ExpressionAttributeNames = new Dictionary<string, string>(StringComparer.Ordinal) { ["#owner"] = OwnerAttribute },
        ExpressionAttributeValues = new Dictionary<string, AttributeValue>(StringComparer.Ordinal) { [":owner"] = new() { S = owner } },
    };

    /// <summary>The message of <see cref="LockHeld"/>: who holds the lock, for what, until when.</summary>
    public static string HeldMessage(string lockName, IReadOnlyDictionary<string, AttributeValue>? holder)
    {
        if (holder is null || holder.Count == 0)
        {
            return $"lock {lockName} is held by another execution (its item could not be read back)";
        }

        string operation = holder.TryGetValue(OperationAttribute, out AttributeValue? op) && op.S is { } o ? o : "an operation";
        string owner = holder.TryGetValue(OwnerAttribute, out AttributeValue? ow) && ow.S is { } w ? w : "an unknown execution";
        string until = holder.TryGetValue(ExpiresAtAttribute, out AttributeValue? exp) && long.TryParse(exp.N, NumberStyles.Integer, CultureInfo.InvariantCulture, out long seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)
            : "an unknown time";
        return $"lock {lockName} is held by {operation} execution {owner} until {until}";
    }

    private static AttributeValue Number(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };
}
