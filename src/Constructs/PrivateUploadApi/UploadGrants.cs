using System.Text.RegularExpressions;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Patterns.Cdk.Core;

namespace Patterns.Cdk.PrivateUploadApi;

/// <summary>
/// Least privilege per function, with exact actions: object actions only on <c>&lt;bucket&gt;/&lt;KeyPrefix&gt;/*</c>, item
/// actions only on the session table, <c>events:PutEvents</c> only on the bus, and no <c>s3:DeleteObject</c> anywhere.
/// Presigned POST forms and part URLs act with the sessions function's credentials, so it holds <c>s3:PutObject</c>.
/// </summary>
internal static class UploadGrants
{
    /// <summary>The sessions function's S3 actions (CreateMultipartUpload and UploadPart are <c>s3:PutObject</c>).</summary>
    public static readonly string[] SessionsObjectActions = ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"];

    /// <summary>The completer's S3 actions (CompleteMultipartUpload is <c>s3:PutObject</c>; HeadObject is <c>s3:GetObject</c>).</summary>
    public static readonly string[] CompleterObjectActions = ["s3:PutObject", "s3:ListMultipartUploadParts", "s3:GetObject"];

    /// <summary>The direct-upload function's S3 action.</summary>
    public static readonly string[] DirectObjectActions = ["s3:PutObject"];

    /// <summary>Grants each function what it calls and returns the suppression that explains the object key pattern.</summary>
    public static NagSuppression Apply(PrivateUploadApi s)
    {
        var objects = s.Bucket.ArnForObjects(s.KeyPrefix + "/*");
        Grant(s.SessionsFunction, SessionsObjectActions, objects);
        Grant(s.CompleterFunction, CompleterObjectActions, objects);
        Grant(s.DirectUploadFunction, DirectObjectActions, objects);

        // SSE-KMS: S3 asks KMS for a data key on every write (and multipart parts are decrypted to complete the upload).
        s.Bucket.EncryptionKey?.Grant(s.SessionsFunction, "kms:GenerateDataKey", "kms:Decrypt");
        s.Bucket.EncryptionKey?.Grant(s.CompleterFunction, "kms:GenerateDataKey", "kms:Decrypt");
        s.Bucket.EncryptionKey?.Grant(s.DirectUploadFunction, "kms:GenerateDataKey");

        Grant(s.SessionsFunction, ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], s.SessionTable.TableArn);
        Grant(s.CompleterFunction, ["dynamodb:GetItem", "dynamodb:UpdateItem"], s.SessionTable.TableArn);
        Grant(s.DirectUploadFunction, ["dynamodb:PutItem"], s.SessionTable.TableArn);
        foreach (var function in new[] { s.SessionsFunction, s.CompleterFunction, s.DirectUploadFunction })
        {
            s.SessionTable.EncryptionKey?.Grant(function, "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey");
        }

        Grant(s.CompleterFunction, ["events:PutEvents"], s.EventBus.EventBusArn);
        Grant(s.DirectUploadFunction, ["events:PutEvents"], s.EventBus.EventBusArn);

        return new NagSuppression("AwsSolutions-IAM5",
            $"Object keys are chosen at run time (<caller>/<upload id>/<file name>), so the object actions are a key pattern, scoped to the prefix '{s.KeyPrefix}/' of one bucket.",
            NagSuppression.Regex($"/^Resource::.*\\/{Regex.Escape(s.KeyPrefix)}\\/\\*$/g"));
    }

    private static void Grant(IFunction function, string[] actions, string resource) =>
        function.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps { Actions = actions, Resources = [resource] }));
}
