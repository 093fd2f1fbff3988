using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Patterns.Cdk.IntegrationTests.FaceBlur;

/// <summary>A received HTTP request, as the server saw it: method, path, raw query, headers (by name, case-insensitive) and body.</summary>
public sealed record ReceivedRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out string? value) ? value : null;
}

/// <summary>What a valid Authorization header said.</summary>
public sealed record SigV4Credential(string AccessKey, string Date, string Region, string Service, IReadOnlyList<string> SignedHeaders, string Signature);

/// <summary>
/// An independent, test-side implementation of AWS Signature Version 4 verification (header-based, single-chunk payload),
/// written from the published algorithm and proven against AWS's own test-suite vectors (<see cref="SigV4VerifierTests"/>).
/// It recomputes the signature of a received request from its raw parts; the code under test signs with AWSSDK.Core.
/// </summary>
public static partial class SigV4Verifier
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    private static readonly string[] AlwaysSigned = ["host", "x-amz-date"];

    /// <summary>Parses <c>AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/service/aws4_request, SignedHeaders=a;b, Signature=hex</c>.</summary>
    public static SigV4Credential? Parse(string? authorization)
    {
        Match match = AuthorizationFormat().Match(authorization ?? "");
        return match.Success
            ? new SigV4Credential(
                match.Groups["accessKey"].Value,
                match.Groups["date"].Value,
                match.Groups["region"].Value,
                match.Groups["service"].Value,
                match.Groups["signedHeaders"].Value.Split(';'),
                match.Groups["signature"].Value)
            : null;
    }

    /// <summary>
    /// Every problem with <paramref name="request"/>'s signature; empty when it is valid. Checks the Authorization format,
    /// the credential scope (service, and date = X-Amz-Date's day), that the signed headers are sorted, lower case, include
    /// <c>host</c>, <c>x-amz-date</c> and <paramref name="requiredSignedHeaders"/>, that <c>x-amz-content-sha256</c> (when
    /// sent) is the body's hash, and finally recomputes the signature with the secret of the access key.
    /// </summary>
    public static List<string> Verify(ReceivedRequest request, string expectedService, Func<string, string?> secretOf, params string[] requiredSignedHeaders)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(secretOf);
        var problems = new List<string>();
        SigV4Credential? credential = Parse(request.Header("Authorization"));
        if (credential is null)
        {
            problems.Add($"Authorization is not a SigV4 header: '{Redact(request.Header("Authorization"))}'");
            return problems;
        }

        string? amzDate = request.Header("X-Amz-Date");
        if (amzDate is null || !DateTime.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            problems.Add($"X-Amz-Date is missing or malformed: '{amzDate}'");
            return problems;
        }

        if (credential.Service != expectedService)
        {
            problems.Add($"the credential scope names service '{credential.Service}', expected '{expectedService}'");
        }

        if (!amzDate.StartsWith(credential.Date, StringComparison.Ordinal))
        {
            problems.Add($"the credential scope date {credential.Date} is not the day of X-Amz-Date {amzDate}");
        }

        if (!credential.SignedHeaders.SequenceEqual(credential.SignedHeaders.Select(h => h.ToLowerInvariant()).Order(StringComparer.Ordinal)))
        {
            problems.Add($"SignedHeaders is not sorted lower case: {string.Join(';', credential.SignedHeaders)}");
        }

        foreach (string required in AlwaysSigned.Concat(requiredSignedHeaders))
        {
            if (!credential.SignedHeaders.Contains(required))
            {
                problems.Add($"'{required}' is not among the signed headers ({string.Join(';', credential.SignedHeaders)})");
            }
        }

        string payloadHash = Hex(SHA256.HashData(request.Body));
        if (request.Header("X-Amz-Content-SHA256") is { } declared && declared != payloadHash)
        {
            problems.Add("x-amz-content-sha256 is not the SHA-256 of the body");
        }

        var signed = new List<(string Name, string Value)>();
        foreach (string name in credential.SignedHeaders)
        {
            if (request.Header(name) is { } value)
            {
                signed.Add((name, value));
            }
            else
            {
                problems.Add($"signed header '{name}' was not received");
            }
        }

        if (secretOf(credential.AccessKey) is not { } secret)
        {
            problems.Add($"unknown access key {credential.AccessKey}");
            return problems;
        }

        string scope = $"{credential.Date}/{credential.Region}/{credential.Service}/aws4_request";
        string expected = Signature(secret, request.Method, request.Path, request.Query, signed, payloadHash, amzDate, scope);
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(credential.Signature)))
        {
            problems.Add("the signature does not match the request");
        }

        return problems;
    }

    /// <summary>The signature of a request, from the algorithm's definition (<c>signedHeaders</c>: lower-case names in order, raw values).</summary>
    public static string Signature(string secret, string method, string path, string query, IReadOnlyList<(string Name, string Value)> signedHeaders, string payloadHash, string amzDate, string scope)
    {
        string canonicalRequest = CanonicalRequest(method, path, query, signedHeaders, payloadHash);
        string stringToSign = $"{Algorithm}\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";
        string[] parts = scope.Split('/');
        byte[] key = Encoding.UTF8.GetBytes("AWS4" + secret);
        foreach (string part in parts)
        {
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        }

        return Hex(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
    }

    public static string CanonicalRequest(string method, string path, string query, IReadOnlyList<(string Name, string Value)> signedHeaders, string payloadHash)
    {
        var canonical = new StringBuilder();
        canonical.Append(method).Append('\n');
        canonical.Append(path.Length == 0 ? "/" : path).Append('\n');
        canonical.Append(CanonicalQuery(query)).Append('\n');
        foreach ((string name, string value) in signedHeaders)
        {
            canonical.Append(name.ToLowerInvariant()).Append(':').Append(Spaces().Replace(value.Trim(), " ")).Append('\n');
        }

        canonical.Append('\n');
        canonical.Append(string.Join(';', signedHeaders.Select(h => h.Name.ToLowerInvariant()))).Append('\n');
        canonical.Append(payloadHash);
        return canonical.ToString();
    }

    public static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    // Sorted by name then value; the parameters arrive already URI-encoded.
    private static string CanonicalQuery(string query) =>
        string.Join('&', query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Contains('=', StringComparison.Ordinal) ? p : p + "=")
            .Order(StringComparer.Ordinal));

    private static string Redact(string? authorization) =>
        authorization is null ? "(none)" : SignatureValue().Replace(authorization, "Signature=<redacted>");

    [GeneratedRegex("^AWS4-HMAC-SHA256 Credential=(?<accessKey>[A-Za-z0-9]+)/(?<date>\\d{8})/(?<region>[a-z0-9-]+)/(?<service>[a-z0-9-]+)/aws4_request, SignedHeaders=(?<signedHeaders>[a-z0-9;-]+), Signature=(?<signature>[0-9a-f]{64})$")]
    private static partial Regex AuthorizationFormat();

    [GeneratedRegex("\\s+")]
    private static partial Regex Spaces();

    [GeneratedRegex("Signature=[0-9a-fA-F]+")]
    private static partial Regex SignatureValue();
}
