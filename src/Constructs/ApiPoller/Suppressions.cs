using Amazon.CDK.AWS.Apigatewayv2;
using Amazon.CDK.AWS.StepFunctions;
using Constructs;
using Patterns.Cdk.Core;

namespace Patterns.Cdk.ApiPoller;

/// <summary>The cdk-nag findings ApiPoller meets differently than the rule assumes, each with its reason.</summary>
internal static class Suppressions
{
    public static void Apply(Construct poller, StateMachine stateMachine, HttpApi api, ApiAuthorization authorization)
    {
        _ = poller;
        _ = stateMachine;
        _ = api;
        _ = authorization;
    }
}
