using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.StepFunctions;
using Patterns.Cdk.Core;

namespace Patterns.Cdk.MwaaScheduler;

/// <summary>The cdk-nag findings MwaaScheduler meets differently than the rule assumes, each with its reason (docs/MwaaScheduler.md lists them).</summary>
internal static class Suppressions
{
    public static void Apply(MwaaScheduler s, MwaaSchedulerGrants grants)
    {
        foreach (var function in new[] { s.DagRunsFunction, s.BackupCatalogFunction, s.LockFunction }.OfType<Function>())
        {
            NagSuppressions.Add(function, new NagSuppression("Serverless-LambdaDLQ",
                "Invoked only synchronously by the workflows (lambda:invoke): a failure is the task's error, which the workflow retries, catches and notifies."));
        }

        _ = grants;
    }
}
