using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime.Internal.Auth;

namespace Patterns.Cdk.IntegrationTests.Uploads.Host;

/// <summary>
/// Signature Version 4 verification for the local hosts: the canonical request is built here from what arrived on
/// the wire, the signature is computed with AWSSDK.Core's <see cref="AWS4Signer"/> (signing key and HMAC), and compared.
/// </summary>
public static class SigV4
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>RFC 3986 percent-encoding as SigV4 wants it: unreserved characters kept, everything else %XX (upper case).</summary>
    public static string Encode(string value)
    {
        var builder = new StringBuilder(value.Length * 2);
        foreach (byte b in Encoding.UTF8.GetBytes(value))
        {
            char c = (char)b;
            if (c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.' or '~')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// The canonical URI of a raw (percent-encoded) path: each segment decoded, then encoded once (S3) or twice
    /// (every other service, execute-api included).
    /// </summary>
    public static string CanonicalUri(string rawPath, bool doubleEncode)
    {
        string[] segments = rawPath.Split('/');
        return string.Join('/', segments.Select(s =>
        {
            string once = Encode(Uri.UnescapeDataString(s));
            return doubleEncode ? Encode(once) : once;
        }));
    }

    /// <summary>The query parameters of a raw query string (without '?'), decoded, in order of appearance.</summary>
    public static List<KeyValuePair<string, string>> ParseQuery(string rawQuery)
    {
        var parameters = new List<KeyValuePair<string, string>>();
        foreach (string pair in rawQuery.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            string name = eq < 0 ? pair : pair[..eq];
            string value = eq < 0 ? string.Empty : pair[(eq + 1)..];
            parameters.Add(new(Uri.UnescapeDataString(name.Replace('+', ' ')), Uri.UnescapeDataString(value.Replace('+', ' '))));
        }

        return parameters;
    }

    public static string CanonicalQuery(IEnumerable<KeyValuePair<string, string>> parameters) =>
        string.Join('&', parameters
            .Select(p => (Name: Encode(p.Key), Value: Encode(p.Value)))
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={p.Value}"));

    public static string CanonicalRequest(string method, string canonicalUri, string canonicalQuery, IReadOnlyList<string> signedHeaders,
        Func<string, string?> header, string payloadHash)
    {
        var builder = new StringBuilder();
        builder.Append(method).Append('\n').Append(canonicalUri).Append('\n').Append(canonicalQuery).Append('\n');
        foreach (string name in signedHeaders)
        {
            string value = header(name) ?? string.Empty;
            builder.Append(name).Append(':').Append(string.Join(' ', value.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries))).Append('\n');
        }

        builder.Append('\n').Append(string.Join(';', signedHeaders)).Append('\n').Append(payloadHash);
        return builder.ToString();
    }

    /// <summary>The hex signature of <paramref name="canonicalRequest"/> by AWSSDK.Core's signer.</summary>
    public static string Sign(string accessKey, string secretKey, string region, string service, DateTime signedAt, IReadOnlyList<string> signedHeaders, string canonicalRequest) =>
        AWS4Signer.ComputeSignature(accessKey, secretKey, region, signedAt, service, string.Join(';', signedHeaders), canonicalRequest).Signature;

    /// <summary>The hex HMAC of a string (a POST policy) with the SigV4 signing key of that day, region and service.</summary>
    public static string SignString(string secretKey, string date, string region, string service, string stringToSign)
    {
        byte[] key = AWS4Signer.ComposeSigningKey(secretKey, region, date, service);
        return Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
    }

    public static DateTime ParseAmzDate(string value) =>
        DateTime.ParseExact(value, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    public static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));

    public static string Sha256Hex(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(SHA256.HashData(body));
}
