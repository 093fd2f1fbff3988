using System.Text.RegularExpressions;
using Amazon.CDK;

namespace Patterns.Cdk.Core;

/// <summary>
/// Recognises configuration that carries a credential in plain text, so it never reaches a Lambda environment
/// variable (readable by anyone with lambda:GetFunctionConfiguration, and kept in the template and CloudTrail).
/// </summary>
internal static partial class Credentials
{
    private static readonly string[] Words =
        ["password", "passwd", "secret", "token", "apikey", "accesskey", "privatekey", "signature", "credential", "authorization", "bearer",
            "authkey", "appkey", "clientkey", "subscriptionkey", "sessionkey", "masterkey", "licensekey"];

    private static readonly string[] ExactNames = ["key", "sig", "auth", "pwd", "pass", "jwt"];

    // A setting that names where a credential lives (an ARN, a secret's name or id) is not the credential.
    private static readonly string[] PointerSuffixes = ["arn", "name", "id", "path", "parameter", "header", "field", "ttl", "url"];

    /// <summary>True when a setting or query-parameter name suggests its value is a credential (e.g. <c>api_key</c>, <c>access_token</c>, <c>DB_PASSWORD</c>).</summary>
    public static bool IsCredentialName(string name)
    {
        var normalized = new string(name.Where(char.IsAsciiLetterOrDigit).Select(char.ToLowerInvariant).ToArray());
        if (normalized.Length == 0 || PointerSuffixes.Any(normalized.EndsWith))
        {
            return false;
        }

        return ExactNames.Contains(normalized) || Words.Any(normalized.Contains);
    }

    /// <summary>
    /// True when <paramref name="value"/> is given in plain text: not empty, not a token resolved at deploy time
    /// (e.g. a secret's ARN or a dynamic reference), not an ARN.
    /// </summary>
    public static bool IsPlainValue(string? value) =>
        !string.IsNullOrEmpty(value) && !Token.IsUnresolved(value)
        && !value.StartsWith("arn:", StringComparison.Ordinal) && !value.StartsWith("{{resolve:", StringComparison.Ordinal);

    /// <summary>
    /// True when a plain-text <paramref name="value"/> carries a credential whatever the setting is called: a URL or
    /// connection URI with user-info (<c>postgres://user:pass@host/db</c>, <c>https://token@host</c>), a connection string with a
    /// <c>Password=</c> part, an AWS access key id, or a PEM private key.
    /// </summary>
    public static bool IsCredentialValue(string? value) =>
        IsPlainValue(value) && (UserInfoUri().IsMatch(value!) || PasswordPart().IsMatch(value!) || AccessKeyId().IsMatch(value!)
            || value!.Contains("PRIVATE KEY-----", StringComparison.Ordinal));

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9+.-]*://[^/@\s]+@")]
    private static partial Regex UserInfoUri();

    [GeneratedRegex(@"(^|;)\s*(password|pwd)\s*=\s*[^;\s]", RegexOptions.IgnoreCase)]
    private static partial Regex PasswordPart();

    [GeneratedRegex(@"\b(AKIA|ASIA)[A-Z0-9]{16}\b")]
    private static partial Regex AccessKeyId();

    /// <summary>The names of the query-string parameters of <paramref name="uri"/> that look like credentials.</summary>
    public static IEnumerable<string> CredentialQueryParameters(Uri uri) =>
        uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => Uri.UnescapeDataString(pair.Split('=', 2)[0]))
            .Where(IsCredentialName)
            .Distinct(StringComparer.Ordinal);
}
