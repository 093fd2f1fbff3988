using Amazon.S3.Model;

namespace Patterns.Cdk.Functions.RecursionSafeS3Processor;

/// <summary>The user metadata that marks an object as an original upload (for example <c>x-amz-meta-original: true</c>).</summary>
public static class OriginalMarker
{
    private const string UserMetadataPrefix = "x-amz-meta-";

    /// <summary>
    /// Whether <paramref name="metadata"/> has <paramref name="markerKey"/> (compared case-insensitively, with or without
    /// the <c>x-amz-meta-</c> prefix: S3 lowercases metadata keys) set to exactly <paramref name="markerValue"/>.
    /// </summary>
    public static bool IsPresent(MetadataCollection metadata, string markerKey, string markerValue)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentException.ThrowIfNullOrEmpty(markerKey);
        foreach (string key in metadata.Keys)
        {
            ReadOnlySpan<char> name = key.StartsWith(UserMetadataPrefix, StringComparison.OrdinalIgnoreCase) ? key.AsSpan(UserMetadataPrefix.Length) : key;
            if (name.Equals(markerKey, StringComparison.OrdinalIgnoreCase))
            {
                return string.Equals(metadata[key], markerValue, StringComparison.Ordinal);
            }
        }

        return false;
    }
}
