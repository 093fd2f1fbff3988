using System.Globalization;
using Amazon.DynamoDBv2.Model;
using Patterns.Cdk.Functions.EventDrivenSettlement.Settlement;

namespace Patterns.Cdk.Functions.EventDrivenSettlement.Store;

/// <summary>
/// The table item of a settlement. Partition key <c>claimId</c> (S), no sort key. Every attribute is a string (S)
/// except <c>schemaVersion</c> (N), so the Pipe's input template emits amounts exactly as written ("250.00"; DynamoDB
/// would normalise a number to "250").
/// </summary>
public static class SettlementItem
{
    public const string ClaimId = "claimId";
    public const string SettlementId = "settlementId";
    public const string CustomerId = "customerId";
    public const string DocumentType = "documentType";
    public const string DamageLevel = "damageLevel";
    public const string EstimatedCost = "estimatedCost";
    public const string PayoutAmount = "payoutAmount";
    public const string OutOfPocketAmount = "outOfPocketAmount";
    public const string Currency = "currency";
    public const string CorrelationId = "correlationId";
    public const string ContentHash = "contentHash";
    public const string FinalizedAt = "finalizedAt";
    public const string SchemaVersion = "schemaVersion";

    public static Dictionary<string, AttributeValue> ToItem(SettlementRecord settlement)
    {
        ArgumentNullException.ThrowIfNull(settlement);
        return new Dictionary<string, AttributeValue>(13, StringComparer.Ordinal)
        {
            [ClaimId] = Text(settlement.ClaimId),
            [SettlementId] = Text(settlement.SettlementId),
            [CustomerId] = Text(settlement.CustomerId),
            [DocumentType] = Text(settlement.DocumentType),
            [DamageLevel] = Text(settlement.DamageLevel),
            [EstimatedCost] = Text(settlement.EstimatedCost),
            [PayoutAmount] = Text(settlement.PayoutAmount),
            [OutOfPocketAmount] = Text(settlement.OutOfPocketAmount),
            [Currency] = Text(settlement.Currency),
            [CorrelationId] = Text(settlement.CorrelationId),
            [ContentHash] = Text(settlement.ContentHash),
            [FinalizedAt] = Text(settlement.FinalizedAt),
            [SchemaVersion] = new AttributeValue { N = settlement.SchemaVersion.ToString(CultureInfo.InvariantCulture) },
        };
    }

    /// <summary>
    /// A stored item as a settlement. A member that is missing or of another type (a row written by hand or by a
    /// faulty container) reads as the empty string, so the stored row can still be shown and compared: without the
    /// same content hash it is never taken for a duplicate.
    /// </summary>
    public static SettlementRecord FromItem(IReadOnlyDictionary<string, AttributeValue> item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return new SettlementRecord
        {
            SchemaVersion = item.TryGetValue(SchemaVersion, out AttributeValue? version) && int.TryParse(version.N, NumberStyles.Integer, CultureInfo.InvariantCulture, out int number)
                ? number
                : SettlementRecord.CurrentSchemaVersion,
            ClaimId = String(item, ClaimId),
            SettlementId = String(item, SettlementId),
            CustomerId = String(item, CustomerId),
            DocumentType = String(item, DocumentType),
            DamageLevel = String(item, DamageLevel),
            EstimatedCost = String(item, EstimatedCost),
            PayoutAmount = String(item, PayoutAmount),
            OutOfPocketAmount = String(item, OutOfPocketAmount),
            Currency = String(item, Currency),
            CorrelationId = String(item, CorrelationId),
            ContentHash = String(item, ContentHash),
            FinalizedAt = String(item, FinalizedAt),
        };
    }

    private static string String(IReadOnlyDictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out AttributeValue? value) && value.S is { } text ? text : string.Empty;

    private static AttributeValue Text(string value) => new() { S = value };
}
