using Amazon.CDK;
using Amazon.CDK.AWS.S3;

namespace Patterns.Cdk.Core;

/// <summary>Whether two references denote the same AWS resource, whatever object each was obtained through.</summary>
internal static class SameResource
{
    /// <summary>
    /// True when <paramref name="a"/> and <paramref name="b"/> are the same bucket: the same object, or two imports
    /// (<c>Bucket.FromBucketName</c>, <c>FromBucketArn</c>, ...) or in-app buckets of the same name. Names only known at deploy time
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

        var (nameA, nameB) = (KnownName(a), KnownName(b));
        return nameA is not null && nameB is not null && string.Equals(nameA, nameB, StringComparison.Ordinal);
    }

    /// <summary>
    /// The bucket's name when it is known at synth: an import's name, or the explicit <c>BucketName</c> of a bucket
    /// defined in this app (whose <see cref="IBucket.BucketName"/> is a reference token).
    /// </summary>
    private static string? KnownName(IBucket bucket)
    {
        if (!Token.IsUnresolved(bucket.BucketName))
        {
            return bucket.BucketName;
        }

        return bucket.Node.DefaultChild is CfnBucket { BucketName: { } physical } && !Token.IsUnresolved(physical) ? physical : null;
    }

    /// <summary>How to describe the shared bucket in a message: its name when known.</summary>
    public static string DescribeBucket(IBucket bucket) =>
        KnownName(bucket) is { } name ? $"bucket \"{name}\"" : "the same bucket object";
}
