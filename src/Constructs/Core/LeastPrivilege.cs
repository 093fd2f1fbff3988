using System.Text.RegularExpressions;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.S3;

namespace Patterns.Cdk.Core;

/// <summary>
/// Object-level S3 grants scoped to a key prefix, with exact actions (no <c>s3:GetObject*</c>-style wildcards),
/// and the cdk-nag suppression that explains the one wildcard that remains: the key pattern itself.
/// </summary>
internal static class LeastPrivilege
{
    /// <summary>Read objects under <paramref name="prefix"/> (GetObject, plus ListBucket on that prefix so a missing key reads as 404, not 403).</summary>
    public static NagSuppression ReadObjects(IGrantable grantee, IBucket bucket, string prefix)
    {
        grantee.GrantPrincipal.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["s3:GetObject", "s3:GetObjectVersion"],
            Resources = [bucket.ArnForObjects(prefix + "*")],
        }));
        grantee.GrantPrincipal.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["s3:ListBucket"],
            Resources = [bucket.BucketArn],
            Conditions = new Dictionary<string, object>
            {
                ["StringLike"] = new Dictionary<string, object> { ["s3:prefix"] = prefix + "*" },
            },
        }));
        bucket.EncryptionKey?.Grant(grantee, "kms:Decrypt");
        return ObjectsSuppression(prefix, "read");
    }

    /// <summary>Write objects under <paramref name="prefix"/> only.</summary>
    public static NagSuppression WriteObjects(IGrantable grantee, IBucket bucket, string prefix)
    {
        grantee.GrantPrincipal.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["s3:PutObject"],
            Resources = [bucket.ArnForObjects(prefix + "*")],
        }));
        bucket.EncryptionKey?.Grant(grantee, "kms:GenerateDataKey", "kms:Decrypt");
        return ObjectsSuppression(prefix, "write");
    }

    private static NagSuppression ObjectsSuppression(string prefix, string verb) => new(
        "AwsSolutions-IAM5",
        $"Object keys are only known at run time, so the grant to {verb} is a key pattern, scoped to the prefix '{prefix}' of one bucket.",
        NagSuppression.Regex($"/^Resource::.*\\/{Regex.Escape(prefix).Replace("/", "\\/")}\\*$/g"));
}
