using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Patterns.Cdk.Functions.EventDrivenSettlement.Settlement;

/// <summary>
/// The content hash of a claim: lower-case hex SHA-256 of the UTF-8 bytes of its business fields, in this order,
/// joined by a line feed (<c>\n</c>): <c>customerId</c>, <c>claimId</c>, <c>documentType</c>, <c>fraudType</c>,
/// <c>damage.level</c>, <c>damage.part</c> (empty when absent; the contract forbids an empty part), and
/// <c>damage.estimatedCost</c> rounded to cents and written <c>0.00</c> (invariant, no exponent). The event id and
/// time are not part of it: two deliveries of the same claim hash the same, a different claim under the same claim id
/// does not. Only <c>damage.part</c> may contain a line feed, and every other field is fixed in number and free of
/// line feeds, so the joined text identifies the fields unambiguously.
/// Example: <c>C-1\nCLM-1\nCAR\nCLAIMS\nMINOR\nbumper\n1234.50</c>.
/// </summary>
public static class ClaimContent
{
    private const int StackBytes = 512;

    public static string Hash(Claim claim)
    {
        ArgumentNullException.ThrowIfNull(claim);
        Span<char> cost = stackalloc char[32];
        Money.TryFormat(Money.ToCents(claim.EstimatedCost), cost, out int costLength);
        string part = claim.DamagePart ?? string.Empty;
        int maxBytes = Encoding.UTF8.GetMaxByteCount(
            claim.CustomerId.Length + claim.ClaimId.Length + claim.DocumentType.Length + claim.FraudType.Length
            + claim.DamageLevel.Length + part.Length + costLength + 6);
        byte[]? rented = null;
        Span<byte> buffer = maxBytes <= StackBytes ? stackalloc byte[StackBytes] : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        try
        {
            int length = 0;
            length += Append(buffer[length..], claim.CustomerId);
            length += Append(buffer[length..], claim.ClaimId);
            length += Append(buffer[length..], claim.DocumentType);
            length += Append(buffer[length..], claim.FraudType);
            length += Append(buffer[length..], claim.DamageLevel);
            length += Append(buffer[length..], part);
            length += Encoding.UTF8.GetBytes(cost[..costLength], buffer[length..]);
            Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(buffer[..length], digest);
            return Convert.ToHexStringLower(digest);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static int Append(Span<byte> destination, string value)
    {
        int written = Encoding.UTF8.GetBytes(value, destination);
        destination[written] = (byte)'\n';
        return written + 1;
    }
}

/// <summary>Amounts: decimals rounded to cents (half away from zero) and written <c>0.00</c> in the invariant culture.</summary>
public static class Money
{
    public static decimal ToCents(decimal amount)
    {
        decimal cents = Math.Round(amount, 2, MidpointRounding.AwayFromZero);
        // Normalise a negative zero (from "-0" in JSON) and the scale, so 5, 5.0 and 5.000 all print 5.00.
        return cents == 0m ? 0.00m : cents;
    }

    public static string Format(decimal amount) => ToCents(amount).ToString("0.00", CultureInfo.InvariantCulture);

    public static bool TryFormat(decimal amount, Span<char> destination, out int written) =>
        ToCents(amount).TryFormat(destination, out written, "0.00", CultureInfo.InvariantCulture);
}
