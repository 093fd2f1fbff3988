using Amazon.CDK.AWS.APIGateway;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Patterns.Cdk.Core;

namespace Patterns.Cdk.EventDrivenSettlement;

/// <summary>The cdk-nag findings EventDrivenSettlement meets differently than the rule assumes, each with its reason (docs/EventDrivenSettlement.md lists them).</summary>
internal static class Suppressions
{
    public static void Apply(EventDrivenSettlement s, bool tracing)
    {
        foreach (var function in new[] { s.ConsumerFunction, s.ApiFunction }.OfType<Function>())
        {
            NagSuppressions.Add(function, new NagSuppression("Serverless-LambdaDLQ",
                "Invoked only synchronously (an SQS event source, API Gateway): failed messages go to the work queue's dead-letter queue, API callers see the error."));
        }

        if (s.PipeRole is Role pipeRole && pipeRole.Node.TryFindChild("DefaultPolicy") is { } pipePolicy)
        {
            NagSuppressions.Add(pipePolicy, new NagSuppression("AwsSolutions-IAM5",
                "dynamodb:ListStreams does not support resource-level permissions; reading records is limited to this table's stream.", "Resource::*"));
        }

        if (s.Api is RestApi api)
        {
            foreach (var method in api.Methods)
            {
                NagSuppressions.Add(method, new NagSuppression("AwsSolutions-COG4",
                    "Every method uses IAM authorization (SigV4): callers are AWS principals granted execute-api:Invoke (GrantSubmit, GrantRead), not Cognito users."));
            }

            if (api.Node.TryFindChild("CloudWatchRole") is Role cloudWatchRole)
            {
                NagSuppressions.Add(cloudWatchRole, new NagSuppression("AwsSolutions-IAM4",
                    "ApiCloudWatchRole: the account-wide API Gateway logging role writes the execution logs of every REST API in the account and region (log groups API Gateway names and creates itself); AmazonAPIGatewayPushToCloudWatchLogs is the policy AWS documents for it.",
                    "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"));
            }
        }

        if (s.ContainerService is { } service)
        {
            NagSuppressions.Add(service.TaskDefinition, new NagSuppression("AwsSolutions-ECS2",
                "The environment holds names and settings only (table name, queue and dead-letter queue URLs, the deductible table, the log level): the container's documented contract, no secret."));
            if (service.TaskDefinition.ExecutionRole is Role executionRole && executionRole.Node.TryFindChild("DefaultPolicy") is { } executionPolicy)
            {
                NagSuppressions.Add(executionPolicy, new NagSuppression("AwsSolutions-IAM5",
                    "ecr:GetAuthorizationToken does not support resource-level permissions; pulling layers is limited to the image's repository.", "Resource::*"));
            }
        }

        _ = tracing;
    }
}
