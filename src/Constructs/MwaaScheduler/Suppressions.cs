using System.Text.RegularExpressions;
using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.StepFunctions;
using Patterns.Cdk.Core;

namespace Patterns.Cdk.MwaaScheduler;

/// <summary>The cdk-nag findings MwaaScheduler meets differently than the rule assumes, each with its reason (docs/MwaaScheduler.md lists them).</summary>
internal static partial class Suppressions
{
    public static void Apply(MwaaScheduler s, MwaaSchedulerGrants grants, LogLevel workflowLogLevel, string environmentName, Amazon.CDK.AWS.S3.IBucket dagBucket)
    {
        var functions = new[] { s.DagRunsFunction, s.BackupCatalogFunction, s.LockFunction };
        foreach (var function in functions.OfType<Function>())
        {
            NagSuppressions.Add(function, new NagSuppression("Serverless-LambdaDLQ",
                "Invoked only synchronously by the workflows (lambda:invoke): a failure is the task's error, which the workflow retries, catches and notifies."));
        }

        var invokes = functions.Select(f => (object)$"Resource::<{HandlerFunctions.LogicalIdOf(f)}.Arn>:*").ToArray();
        foreach (var (workflow, isResume) in new[] { ((StateMachine)s.PauseStateMachine, false), ((StateMachine)s.ResumeStateMachine, true) })
        {
            if (workflowLogLevel != LogLevel.ALL)
            {
                NagSuppressions.Add(workflow, new NagSuppression("AwsSolutions-SF1",
                    "The workflow logs ERROR events (WorkflowLogLevel) without execution data: execution data would put the environment's configuration (Airflow configuration options are sensitive) into the logs; the execution history keeps every step."));
            }

            const string tracing = "X-Ray tracing is off: a workflow runs a few times a day and spends its time in Wait states; its execution history shows each step.";
            NagSuppressions.Add(workflow, new NagSuppression("AwsSolutions-SF2", tracing), new NagSuppression("Serverless-StepFunctionStateMachineXray", tracing));
            if (workflow.Role is not Role role || role.Node.TryFindChild("DefaultPolicy") is not { } policy)
            {
                continue;
            }

            NagSuppressions.Add(policy, new NagSuppression("AwsSolutions-IAM5",
                "CDK's lambda:invoke integration also grants the function's versions and aliases (':*'); only the pattern's three functions are named.", invokes));
            if (!isResume)
            {
                NagSuppressions.Add(policy, new NagSuppression("AwsSolutions-IAM5",
                    "Log delivery to CloudWatch Logs (logs:CreateLogDelivery and related) does not support resource-level permissions.", "Resource::*"));
                continue;
            }

            NagSuppressions.Add(policy,
                new NagSuppression("AwsSolutions-IAM5",
                    "Two grants without resource-level permissions: log delivery to CloudWatch Logs (logs:CreateLogDelivery and related), and the ec2:Describe* calls CreateEnvironment makes on the caller's behalf to check the saved network (AmazonMWAAFullApiAccess, MWAA user guide).",
                    "Resource::*"),
                new NagSuppression("AwsSolutions-IAM5",
                    "CreateEnvironment creates the environment's VPC endpoints and network interfaces in the subnets and security groups of the saved configuration, known only at run time; limited to this account and region (AmazonMWAAFullApiAccess, MWAA user guide).",
                    grants.Ec2Resources("vpc-endpoint", "vpc", "subnet", "security-group", "network-interface").Select(Rendered).ToArray()),
                new NagSuppression("AwsSolutions-IAM5",
                    "CreateEnvironment uses the environment's own KMS key (KmsKey of the saved configuration, read at run time; unused when the environment has none); limited to keys of this account and region (AmazonMWAAFullApiAccess, MWAA user guide).",
                    Rendered(grants.KeysOfAccount)));
        }

        if (s.BackupCatalogFunction.Role is Role catalogRole && catalogRole.Node.TryFindChild("DefaultPolicy") is { } catalogPolicy)
        {
            var prefix = BackupStore.Prefix(environmentName);
            NagSuppressions.Add(catalogPolicy,
                new NagSuppression("AwsSolutions-IAM5",
                    $"Backup object keys (backup id, table files) are only known at run time; the grant is scoped to the prefix '{prefix}' of the backup bucket.",
                    NagSuppression.Regex($"/^Resource::.*\\/{Regex.Escape(prefix).Replace("/", "\\/")}\\*$/g")),
                new NagSuppression("AwsSolutions-IAM5",
                    "Verification checks that the plugins, requirements and startup-script object versions saved with the configuration still exist (HeadObject with VersionId); their keys are in the environment's configuration, read at run time. Only s3:GetObjectVersion, on the environment's DAG bucket.",
                    Rendered(dagBucket.ArnForObjects("*"))));
        }
    }

    /// <summary>
    /// An ARN as cdk-nag prints it in a finding (<c>Resource::...</c>): a literal as it is; otherwise each token (a
    /// pseudo parameter such as <c>&lt;AWS::AccountId&gt;</c> when the stack's account or region is not fixed, or a
    /// resource attribute such as <c>&lt;Bucket.Arn&gt;</c>) matches any one rendered reference, or the literal that
    /// synthesis puts in its place (the partition of a known region), and the text between them exactly.
    /// </summary>
    internal static object Rendered(string arn)
    {
        if (!Token.IsUnresolved(arn))
        {
            return "Resource::" + arn;
        }

        var pattern = string.Concat(TokenPattern().Split(arn).Select((part, i) => i % 2 == 1 ? "(?:<[^>]+>|[^:/<>]+)" : Regex.Escape(part).Replace("/", "\\/")));
        return NagSuppression.Regex($"/^Resource::{pattern}$/g");
    }

    /// <summary>A token in a string (<c>${Token[...]}</c>), captured so that Split keeps the literal parts at even indexes.</summary>
    [GeneratedRegex(@"(\$\{Token\[[^\]]+\]\})")]
    private static partial Regex TokenPattern();
}
