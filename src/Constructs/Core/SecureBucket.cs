using Amazon.CDK;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.S3;
using Constructs;

namespace Patterns.Cdk.Core;

/// <summary>The one place buckets are created: private, encrypted, TLS-only, versioned, tidy.</summary>
internal static class SecureBucket
{
    /// <summary>Our defaults for every bucket a construct creates.</summary>
    public static BucketProps Defaults(IKey? encryptionKey) => new()
    {
        BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
        ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
        Encryption = encryptionKey is null ? BucketEncryption.S3_MANAGED : BucketEncryption.KMS,
        EncryptionKey = encryptionKey,
        BucketKeyEnabled = encryptionKey is null ? null : true,
        EnforceSSL = true,
        MinimumTLSVersion = 1.2,
        Versioned = true,
        RemovalPolicy = RemovalPolicy.RETAIN,
        LifecycleRules =
        [
            new LifecycleRule
            {
                Id = "AbortIncompleteMultipartUploads",
                AbortIncompleteMultipartUploadAfter = Duration.Days(7),
            },
            new LifecycleRule
            {
                Id = "ExpireNoncurrentVersions",
                NoncurrentVersionExpiration = Duration.Days(30),
            },
        ],
    };

    /// <summary>Creates a bucket from our defaults with the user's <paramref name="overrides"/> on top.</summary>
    /// <param name="scope">Parent construct.</param>
    /// <param name="id">Fixed construct id (API: it names the logical id).</param>
    /// <param name="overrides">User's props; anything set wins over our defaults (weakening emits a warning).</param>
    /// <param name="encryptionKey">Optional customer-managed key.</param>
    /// <param name="constructName">Owning construct's name, for warning ids.</param>
    public static Bucket Create(Construct scope, string id, BucketProps? overrides, IKey? encryptionKey, string constructName)
    {
        var props = PropsMerger.Merge(Defaults(encryptionKey), overrides);
        if (props.EnforceSSL == false && overrides?.MinimumTLSVersion is null)
        {
            props.MinimumTLSVersion = null; // CDK applies a TLS floor only together with EnforceSSL.
        }

        var bucket = new Bucket(scope, id, props);
        if (overrides?.EnforceSSL == false)
        {
            Warnings.Add(bucket, constructName, "bucketTls", $"{id}: EnforceSSL is off; requests over plain HTTP will be accepted.");
        }

        if (overrides?.Versioned == false)
        {
            Warnings.Add(bucket, constructName, "bucketVersioning", $"{id}: versioning is off; an overwritten or deleted object cannot be recovered.");
        }

        if (overrides?.BlockPublicAccess is not null || overrides?.PublicReadAccess == true)
        {
            Warnings.Add(bucket, constructName, "bucketPublicAccess", $"{id}: public access settings were changed from BLOCK_ALL.");
        }

        if (props.ServerAccessLogsBucket is null)
        {
            NagSuppressions.Add(bucket, new NagSuppression("AwsSolutions-S1",
                "Server access logging is opt-in: set BucketProps.ServerAccessLogsBucket to a log bucket you own. " +
                "The construct does not create a log bucket of its own (it would need its own log bucket)."));
        }

        return bucket;
    }
}
