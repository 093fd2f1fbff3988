using System.Text.RegularExpressions;
using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.S3;
using Patterns.Cdk.Core;

namespace Patterns.Cdk.PrivateUploadApi;

/// <summary>Every synth-time rule of <see cref="PrivateUploadApiProps"/>, each with the message users see.</summary>
internal static partial class PrivateUploadApiValidation
{
    /// <summary>5 TiB: S3's largest object (the multipart limit the documentation has long stated).</summary>
    public const double MaxObjectBytes = 5d * 1024 * 1024 * 1024 * 1024;

    /// <summary>4 MiB: a direct upload's body travels base64-encoded (4/3 larger) inside Lambda's 6 MB invocation payload.</summary>
    public const double MaxDirectBytes = 4d * 1024 * 1024;

    /// <summary>Longest incomplete-upload lifetime accepted, in days.</summary>
    public const double MaxAbortDays = 30;

    public static void Validate(PrivateUploadApiProps p)
    {
        var v = new PropsValidator(nameof(PrivateUploadApi));

        // Bring-your-own resources and overrides.
        v.When(p.ExistingApiEndpoint is not null && p.ExistingVpc is null, nameof(p.ExistingApiEndpoint),
                "needs its VPC: the bucket policy admits presigned uploads from that VPC only", "an endpoint without ExistingVpc",
                "pass the endpoint's VPC as ExistingVpc, or remove ExistingApiEndpoint to have the construct create an endpoint")
            .When(p.ExistingVpc is not null && p.ExistingApiEndpoint is null && !HasCidr(p.ExistingVpc), nameof(p.ExistingVpc),
                "has no CIDR block, which the new execute-api endpoint's security group needs to admit HTTPS from the VPC", "a VPC without VpcCidrBlock",
                "import it with Vpc.FromLookup or with VpcCidrBlock in Vpc.FromVpcAttributes, or pass ExistingApiEndpoint")
            .FiniteNumbers(nameof(p.BucketProps), p.BucketProps)
            .Exclusive(nameof(p.ExistingBucket), p.ExistingBucket, nameof(p.BucketProps), p.BucketProps,
                "pass ExistingBucket to use your bucket, or BucketProps to tune the one the construct creates, not both")
            .When(p.ExistingBucket is not null && p.BucketEncryptionKey is not null, nameof(p.BucketEncryptionKey),
                "encrypts the bucket the construct creates, but ExistingBucket was given", "a key",
                "remove BucketEncryptionKey (an imported bucket's own EncryptionKey is granted to the functions), or remove ExistingBucket")
            .Exclusive($"{nameof(p.BucketProps)}.{nameof(BucketProps.EncryptionKey)}", p.BucketProps?.EncryptionKey, nameof(p.BucketEncryptionKey), p.BucketEncryptionKey,
                "pass the key once, as BucketEncryptionKey")
            .When(p.BucketProps?.LifecycleRules?.Any(r => r?.AbortIncompleteMultipartUploadAfter is not null) == true,
                $"{nameof(p.BucketProps)}.{nameof(BucketProps.LifecycleRules)}", "abort incomplete multipart uploads, which the construct's own rule does",
                "a rule with AbortIncompleteMultipartUploadAfter", "remove it and set AbortIncompleteUploadsAfter instead");

        // Safety switches.
        var restricted = p.RestrictBucketToVpc ?? true;
        v.When(p.AlarmTopic is not null && p.CreateAlarms == false, nameof(p.AlarmTopic),
                "was given but CreateAlarms is false, so nothing would notify it", "a topic", "remove AlarmTopic or set CreateAlarms to true")
            .When(p.OutsideVpcWriters is { Count: > 0 } && !restricted, nameof(p.OutsideVpcWriters),
                "exempts roles from the bucket policy's VPC restriction, but RestrictBucketToVpc is false, so there is none", "roles",
                "remove OutsideVpcWriters, or set RestrictBucketToVpc to true")
            .When(p.OutsideVpcWriters?.Any(r => r is null) == true, nameof(p.OutsideVpcWriters), "contains null", "a null role", "remove it or give a role");
        if (p.AbortIncompleteUploadsAfter is { } abort)
        {
            var days = abort.ToDays(new TimeConversionOptions { Integral = false });
            v.When(!double.IsFinite(days) || days < 1 || days > MaxAbortDays, nameof(p.AbortIncompleteUploadsAfter), "must be between 1 and 30 days", abort,
                    "the default is 1 day")
                .When(double.IsFinite(days) && days != Math.Floor(days), nameof(p.AbortIncompleteUploadsAfter),
                    "must be a whole number of days (S3 lifecycle rules count in days)", abort, "round it, e.g. Duration.Days(1)")
                .When(p.ExistingBucket is not null, nameof(p.AbortIncompleteUploadsAfter),
                    "sets the lifecycle rule of the bucket the construct creates, but ExistingBucket was given", abort,
                    "remove it and add an AbortIncompleteMultipartUploadAfter lifecycle rule to your bucket, or remove ExistingBucket");
        }

        // Tuning.
        v.When(p.LogLevel is { } ll && ll.ToUpperInvariant() is not ("TRACE" or "DEBUG" or "INFO" or "WARN" or "ERROR" or "FATAL"),
                nameof(p.LogLevel), "must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL", p.LogLevel, "the default is INFO")
            .When(PropsValidator.OutOfRange(p.ThrottlingRateLimit, 1, 10000), nameof(p.ThrottlingRateLimit), "must be between 1 and 10000 requests per second",
                p.ThrottlingRateLimit, "the default is 50")
            .When(PropsValidator.OutOfRange(p.ThrottlingBurstLimit, 1, 5000), nameof(p.ThrottlingBurstLimit), "must be between 1 and 5000 requests",
                p.ThrottlingBurstLimit, "the default is 100")
            .Whole((nameof(p.ThrottlingBurstLimit), p.ThrottlingBurstLimit), (nameof(p.MaxUploadBytes), p.MaxUploadBytes),
                (nameof(p.DirectUploadMaxBytes), p.DirectUploadMaxBytes));

        // Semantics.
        v.When(p.KeyPrefix is { } prefix && !KeyPrefixShape().IsMatch(prefix), nameof(p.KeyPrefix),
                "must be 1-63 lower-case letters, digits or '-', starting with a letter or digit (no '/': it is one key segment)", p.KeyPrefix,
                "e.g. \"uploads\"; the default is uploads")
            .When(PropsValidator.OutOfRange(p.MaxUploadBytes, 1, MaxObjectBytes), nameof(p.MaxUploadBytes),
                "must be between 1 byte and 5 TiB (5497558138880, S3's largest object)", p.MaxUploadBytes, "the default is 5 GiB (5368709120)")
            .When(PropsValidator.OutOfRange(p.DirectUploadMaxBytes, 1, MaxDirectBytes), nameof(p.DirectUploadMaxBytes),
                "must be between 1 byte and 4 MiB (4194304): the body reaches the function base64-encoded inside Lambda's 6 MB payload", p.DirectUploadMaxBytes,
                "the default is 4 MiB; larger files go through POST /uploads")
            .When(p.DirectUploadMaxBytes is { } direct && double.IsFinite(direct) && direct > (p.MaxUploadBytes is { } max && double.IsFinite(max) ? max : PrivateUploadApi.DefaultMaxUploadBytes),
                nameof(p.DirectUploadMaxBytes), "is more than MaxUploadBytes, the largest upload of any kind", p.DirectUploadMaxBytes,
                "lower DirectUploadMaxBytes to at most MaxUploadBytes")
            .When(PropsValidator.NotWholeSeconds(p.UrlExpiry), nameof(p.UrlExpiry), "must be a whole number of seconds (presigned URLs expire by the second)", p.UrlExpiry,
                "round it, e.g. Duration.Minutes(15)")
            .When(PropsValidator.OutOfRange(p.UrlExpiry, 60, 3600), nameof(p.UrlExpiry),
                "must be between 1 and 60 minutes (a presigned URL signed by the function's role dies with its session anyway)", p.UrlExpiry, "the default is 15 minutes");
        ValidateContentTypes(v, p.AllowedContentTypes);
        v.ThrowIfAny();
    }

    private static void ValidateContentTypes(PropsValidator v, IReadOnlyList<string>? types)
    {
        const string name = nameof(PrivateUploadApiProps.AllowedContentTypes);
        if (types is null)
        {
            return;
        }

        v.When(types.Count == 0, name, "must name at least one content type, or no upload could succeed", "an empty list",
            "leave AllowedContentTypes out for the default list, or name the types to accept");
        for (var i = 0; i < types.Count; i++)
        {
            v.When(types[i] is not { } type || !MediaTypeShape().IsMatch(type), $"{name}[{i}]",
                "must be a lower-case type/subtype without parameters or wildcards", types[i],
                "e.g. \"image/png\" or \"application/pdf\"");
        }

        foreach (var duplicate in types.Where(t => t is not null).GroupBy(t => t, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            v.When(true, name, "names a content type twice", duplicate.Key, "keep one of each");
        }
    }

    /// <summary>True when the VPC's CIDR block is available (an imported VPC without <c>VpcCidrBlock</c> throws on access).</summary>
    private static bool HasCidr(IVpc vpc)
    {
        try
        {
            return vpc.VpcCidrBlock is not null;
        }
        catch (Exception e) when (e.Message.Contains("vpcCidrBlock", StringComparison.Ordinal))
        {
            return false;
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex KeyPrefixShape();

    /// <summary>RFC 6838 restricted names (type and subtype, each up to 127 characters), lower case only.</summary>
    [GeneratedRegex("^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")]
    private static partial Regex MediaTypeShape();
}
