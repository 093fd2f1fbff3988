using Amazon.CDK;
using Amazon.CDK.AWS.S3;

namespace Patterns.Cdk.Core;

/// <summary>Whether two references denote the same AWS resource, whatever object each was obtained through.</summary>
internal static class SameResource
{
    /// <summary>
    /// True when <paramref name="a"/> and <paramref name="b"/> are the same bucket: the same object, or two imports
    /// (<c>Bucket.FromBucketName</c>, <c>FromBucketArn</c>, ...) of the same name. Names only known at deploy time
    /// (tokens) cannot be compared, so those fall back to object identity.
    /// </summary>
    public static bool Buckets(IBucket? a, IBucket? b)
    {
        if (a is null || b is null)
        {
            return false;
        }

        if (ReferenceEquals(a, b))
        {
            return true;
        }

        var (nameA, nameB) = (a.BucketName, b.BucketName);
        return !Token.IsUnresolved(nameA) && !Token.IsUnresolved(nameB) && string.Equals(nameA, nameB, StringComparison.Ordinal);
    }

    /// <summary>How to describe the shared bucket in a message: its name when known.</summary>
    public static string DescribeBucket(IBucket bucket) =>
        Token.IsUnresolved(bucket.BucketName) ? "the same bucket object" : $"bucket \"{bucket.BucketName}\"";
}
