using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.RecursionSafeS3Processor;

/// <summary>One revision of an object: decoded key, and the version id (null when unversioned) or ETag that pins it.</summary>
public sealed record S3ObjectRef(string Bucket, string Key, string? VersionId, string? ETag)
{
    /// <summary>Builds the reference from a notification record and its already decoded key.</summary>
    public static S3ObjectRef From(S3EventRecord record, string decodedKey)
    {
        ArgumentNullException.ThrowIfNull(record);
        S3ObjectEntity entity = record.S3.Object;
        return new(record.S3.Bucket.Name, decodedKey, NormalizeVersionId(entity.VersionId), entity.ETag);
    }

    /// <summary>S3 reports objects written while versioning was off or suspended with the version id "null".</summary>
    public static string? NormalizeVersionId(string? versionId) =>
        string.IsNullOrEmpty(versionId) || versionId == "null" ? null : versionId;
}
