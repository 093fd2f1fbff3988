using Amazon.CDK.AWS.Apigatewayv2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.StepFunctions;
using Constructs;
using Patterns.Cdk.Core;

namespace Patterns.Cdk.ApiPoller;

/// <summary>The cdk-nag findings ApiPoller meets differently than the rule assumes, each with its reason (docs/ApiPoller.md lists them).</summary>
internal static class Suppressions
{
    public static void Apply(Construct poller, StateMachine stateMachine, IEnumerable<IFunction> workflowFunctions, IEnumerable<IFunction> allFunctions,
        bool tracing)
    {
        var smId = HandlerFunctions.LogicalIdOf(stateMachine);
        NagSuppressions.Add(stateMachine,
            new NagSuppression("AwsSolutions-SF1",
                "The workflow logs ERROR events (StateMachineLogLevel) without execution data: ALL would write every transition of every job, and execution data would put job parameters into the logs."));
        if (!tracing)
        {
            const string why = "X-Ray tracing is opt-in (EnableTracing) because it adds cost per transition.";
            NagSuppressions.Add(stateMachine, new NagSuppression("AwsSolutions-SF2", why), new NagSuppression("Serverless-StepFunctionStateMachineXray", why));
        }

        if (stateMachine.Role is Role role && role.Node.TryFindChild("DefaultPolicy") is { } policy)
        {
            var invokes = workflowFunctions.Select(f => (object)$"Resource::<{HandlerFunctions.LogicalIdOf(f)}.Arn>:*").ToArray();
            NagSuppressions.Add(policy,
                new NagSuppression("AwsSolutions-IAM5",
                    "CDK's lambda:invoke integration also grants the function's versions and aliases (':*'); only the workflow's own functions are named.", invokes),
                new NagSuppression("AwsSolutions-IAM5",
                    "Log delivery to CloudWatch Logs (logs:CreateLogDelivery and related) does not support resource-level permissions.", "Resource::*"),
                new NagSuppression("AwsSolutions-IAM5",
                    "The Distributed Map reads each job's manifest (its key is only known at run time) and writes its results; CDK's ItemReader and ResultWriter grant these object actions on the payload bucket only.",
                    NagSuppression.Regex("/^Resource::arn:<AWS::Partition>:s3:::.*\\/\\*$/g")));
        }

        if (stateMachine.Node.TryFindChild("DistributedMapPolicy") is { } mapPolicy)
        {
            NagSuppressions.Add(mapPolicy, new NagSuppression("AwsSolutions-IAM5",
                "The Distributed Map describes and stops its own child executions, whose ids are only known at run time; the grant is limited to executions of this state machine.",
                $"Resource::<{smId}>:*"));
        }

        if (poller.Node.TryFindChild("PipeRole") is Role pipeRole && pipeRole.Node.TryFindChild("DefaultPolicy") is { } pipePolicy)
        {
            NagSuppressions.Add(pipePolicy, new NagSuppression("AwsSolutions-IAM5",
                "dynamodb:ListStreams does not support resource-level permissions; reading records is limited to this table's stream.", "Resource::*"));
        }

        foreach (var function in allFunctions.OfType<Function>())
        {
            NagSuppressions.Add(function, new NagSuppression("Serverless-LambdaDLQ",
                "Invoked only synchronously (API Gateway, Step Functions, an SQS event source): the caller sees and retries every failure, and failed pages go to the work queue's dead-letter queue."));
        }
    }

    /// <summary>Suppressions for a public HTTP API without authorization (the demo partner, or ApiAuthorization.None).</summary>
    public static void PublicRoutes(HttpApi api, string reason)
    {
        foreach (var child in api.Node.Children)
        {
            if (child.Node.DefaultChild is CfnRoute route)
            {
                NagSuppressions.Add(route, new NagSuppression("AwsSolutions-APIG4", reason));
            }
        }
    }
}
