using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.IAM;

namespace Patterns.Cdk.ApiPoller;

/// <summary>Exact DynamoDB item actions per role on the progress table (no table management, no scans, no deletes).</summary>
internal static class ProgressTable
{
    /// <summary>The job API: conditional put of a job item, reads of the job item and its progress items.</summary>
    public static readonly string[] ApiActions = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"];

    /// <summary>Workflow and queue handlers: conditional state transitions and the consistent re-read after a conflict.</summary>
    public static readonly string[] WriterActions = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"];

    public static void Grant(IGrantable grantee, ITable table, string[] actions)
    {
        grantee.GrantPrincipal.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = actions,
            Resources = [table.TableArn],
        }));
        table.EncryptionKey?.Grant(grantee, "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey");
    }
}
