using System.Globalization;
using System.Text.Json;
using Patterns.Cdk.Functions.EventDrivenSettlement.Contracts;

namespace Patterns.Cdk.Functions.EventDrivenSettlement.Settlement;

/// <summary>
/// The business content of a <c>Fraud.Not.Detected</c> detail (or a <c>POST /settlements</c> body): what the settlement
/// is computed from and what its content hash covers. Other top-level members of the detail are ignored (the contract
/// lets the fraud domain add fields).
/// </summary>
public sealed record Claim(
    string CustomerId,
    string ClaimId,
    string DocumentType,
    string FraudType,
    string DamageLevel,
    string? DamagePart,
    decimal EstimatedCost)
{
    /// <summary>
    /// Reads a detail that <see cref="SettlementContracts.FraudNotDetected"/> has accepted (types and required members
    /// are not checked again here).
    /// </summary>
    /// <exception cref="ArgumentException">The document is not a valid detail (it was not validated first).</exception>
    public static Claim ReadValidated(ReadOnlySpan<byte> detail)
    {
        string? customerId = null, claimId = null, documentType = null, fraudType = null, level = null, part = null;
        decimal? cost = null;
        var reader = new Utf8JsonReader(detail);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("customerId"u8))
            {
                customerId = NextString(ref reader);
            }
            else if (reader.ValueTextEquals("claimId"u8))
            {
                claimId = NextString(ref reader);
            }
            else if (reader.ValueTextEquals("documentType"u8))
            {
                documentType = NextString(ref reader);
            }
            else if (reader.ValueTextEquals("fraudType"u8))
            {
                fraudType = NextString(ref reader);
            }
            else if (reader.ValueTextEquals("damage"u8))
            {
                reader.Read();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("level"u8))
                    {
                        level = NextString(ref reader);
                    }
                    else if (reader.ValueTextEquals("part"u8))
                    {
                        part = NextString(ref reader);
                    }
                    else if (reader.ValueTextEquals("estimatedCost"u8))
                    {
                        reader.Read();
                        cost = ReadDecimal(ref reader);
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (customerId is null || claimId is null || documentType is null || fraudType is null || level is null || cost is null)
        {
            throw new ArgumentException("the detail lacks a required member; validate it against the contract first", nameof(detail));
        }

        return new Claim(customerId, claimId, documentType, fraudType, level, part, cost.Value);
    }

    private static string NextString(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.String
            ? reader.GetString()!
            : throw new ArgumentException("a member has the wrong type; validate the detail against the contract first");
    }

    // The contract bounds the cost to [0, 10000000]; a number with more digits than decimal keeps (or a tiny exponent)
    // is read as a double and rounds to cents like any other.
    private static decimal ReadDecimal(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            throw new ArgumentException("estimatedCost is not a number; validate the detail against the contract first");
        }

        if (reader.TryGetDecimal(out decimal value))
        {
            return value;
        }

        double wide = double.Parse(System.Text.Encoding.UTF8.GetString(reader.ValueSpan), NumberStyles.Float, CultureInfo.InvariantCulture);
        return Math.Abs(wide) < 1e-20 ? 0m : (decimal)wide;
    }
}
