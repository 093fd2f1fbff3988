using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.StepFunctions;
using Patterns.Cdk.Core;

namespace Patterns.Cdk.MwaaScheduler;

/// <summary>
/// The permissions the pattern's principals get beyond what the Step Functions tasks grant themselves (airflow:* on the
/// environment ARN, lambda:InvokeFunction, sns:Publish): each scoped to what is known at synth.
/// </summary>
internal sealed class MwaaSchedulerGrants(MwaaScheduler scheduler, string environmentName, string executionRoleArn, IBucket dagBucket)
{
    /// <summary>The Airflow RBAC role InvokeRestApi acts as: "User" may trigger and un-pause DAGs.</summary>
    public const string AirflowRole = "User";

    /// <summary>The service-linked role MWAA creates in the account on its first environment.</summary>
    public const string ServiceLinkedRole = "aws-service-role/airflow.amazonaws.com/AWSServiceRoleForAmazonMWAA";

    private Stack Stack => Stack.Of(scheduler);

    /// <summary><c>arn:&lt;p&gt;:airflow:&lt;r&gt;:&lt;a&gt;:role/&lt;env&gt;/User</c>.</summary>
    public string AirflowRoleArn => Stack.FormatArn(new ArnComponents
    {
        Service = "airflow", Resource = "role", ResourceName = $"{environmentName}/{AirflowRole}", ArnFormat = ArnFormat.SLASH_RESOURCE_NAME,
    });

    /// <summary>The EC2 resources CreateEnvironment creates or uses (the network of the saved configuration, known at run time).</summary>
    public string[] Ec2Resources(params string[] types) => types.Select(t => Stack.FormatArn(new ArnComponents
    {
        Service = "ec2", Resource = t, ResourceName = "*", ArnFormat = ArnFormat.SLASH_RESOURCE_NAME,
    })).ToArray();

    /// <summary>Any KMS key of this account and region (the environment's own key, if it has one, is in its saved configuration).</summary>
    public string KeysOfAccount => Stack.FormatArn(new ArnComponents { Service = "kms", Resource = "key", ResourceName = "*", ArnFormat = ArnFormat.SLASH_RESOURCE_NAME });

    public void Apply(StateMachine pause, StateMachine resume, BackupResources store)
    {
        // DagRuns: InvokeRestApi as the environment's Airflow "User" role only.
        scheduler.DagRunsFunction.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["airflow:InvokeRestApi"],
            Resources = [AirflowRoleArn],
        }));

        // BackupCatalog: its environment's backups, and the saved object versions of the DAG bucket.
        var prefix = BackupStore.Prefix(environmentName);
        var catalog = scheduler.BackupCatalogFunction;
        catalog.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            Resources = [store.Bucket.ArnForObjects(prefix + "*")],
        }));
        catalog.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["s3:ListBucket"],
            Resources = [store.Bucket.BucketArn],
            Conditions = new Dictionary<string, object> { ["StringLike"] = new Dictionary<string, object> { ["s3:prefix"] = prefix + "*" } },
        }));
        store.Key.Grant(catalog, "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey");
        catalog.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["s3:GetObjectVersion"],
            Resources = [dagBucket.ArnForObjects("*")],
        }));

        // Lock: three item operations on the lock table.
        scheduler.LockFunction.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:GetItem"],
            Resources = [store.LockTable.TableArn],
        }));
        store.LockTable.EncryptionKey?.Grant(scheduler.LockFunction, "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey");

        // Both workflows publish to an encrypted topic.
        foreach (var workflow in new[] { pause, resume })
        {
            store.TopicKey?.Grant(workflow, "kms:Decrypt", "kms:GenerateDataKey");
        }

        // Resume: what CreateEnvironment needs from its caller (MWAA user guide, AmazonMWAAFullApiAccess), scoped.
        resume.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "PassTheExecutionRoleToMwaaOnly",
            Actions = ["iam:PassRole"],
            Resources = [executionRoleArn],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["iam:PassedToService"] = "airflow.amazonaws.com" },
            },
        }));
        resume.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "TagTheEnvironment",
            Actions = ["airflow:TagResource"],
            Resources = [EnvironmentArn],
        }));
        resume.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "CreateMwaaServiceLinkedRole",
            Actions = ["iam:CreateServiceLinkedRole"],
            Resources = [Stack.FormatArn(new ArnComponents { Service = "iam", Region = "", Resource = "role", ResourceName = ServiceLinkedRole, ArnFormat = ArnFormat.SLASH_RESOURCE_NAME })],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["iam:AWSServiceName"] = "airflow.amazonaws.com" },
            },
        }));
        resume.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "DescribeTheNetwork",
            Actions = ["ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs", "ec2:DescribeRouteTables"],
            Resources = ["*"],
        }));
        resume.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "CreateTheEnvironmentEndpoints",
            Actions = ["ec2:CreateVpcEndpoint"],
            Resources = Ec2Resources("vpc-endpoint", "vpc", "subnet", "security-group"),
        }));
        resume.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "CreateTheEnvironmentInterfaces",
            Actions = ["ec2:CreateNetworkInterface"],
            Resources = Ec2Resources("subnet", "network-interface"),
        }));
        resume.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ReadTheDagBucketEncryption",
            Actions = ["s3:GetEncryptionConfiguration"],
            Resources = [dagBucket.BucketArn],
        }));
        resume.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "UseTheEnvironmentKey",
            // The managed policy's GenerateDataKey* and ReEncrypt* written out (without the key-pair variants).
            Actions =
            [
                "kms:DescribeKey", "kms:ListGrants", "kms:CreateGrant", "kms:RevokeGrant", "kms:Decrypt", "kms:Encrypt",
                "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo",
            ],
            Resources = [KeysOfAccount],
        }));
    }

    /// <summary>The environment's ARN.</summary>
    public string EnvironmentArn => EnvironmentArnOf(Stack, environmentName);

    /// <summary><c>arn:&lt;p&gt;:airflow:&lt;r&gt;:&lt;a&gt;:environment/&lt;env&gt;</c>.</summary>
    public static string EnvironmentArnOf(Stack stack, string environmentName) => stack.FormatArn(new ArnComponents
    {
        Service = "airflow", Resource = "environment", ResourceName = environmentName, ArnFormat = ArnFormat.SLASH_RESOURCE_NAME,
    });
}
