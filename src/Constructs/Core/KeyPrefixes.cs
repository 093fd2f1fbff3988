namespace Patterns.Cdk.Core;

/// <summary>S3 key-prefix arithmetic shared by the constructs' loop checks.</summary>
internal static class KeyPrefixes
{
    /// <summary>
    /// True when some key can start with both prefixes, i.e. one is a prefix of the other (the empty prefix
    /// overlaps everything). Output written under one of them can then match a filter on the other.
    /// </summary>
    public static bool Overlap(string a, string b) =>
        a.StartsWith(b, StringComparison.Ordinal) || b.StartsWith(a, StringComparison.Ordinal);
}
