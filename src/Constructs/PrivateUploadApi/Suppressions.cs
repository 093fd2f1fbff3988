using Amazon.CDK.AWS.APIGateway;
using Amazon.CDK.AWS.Lambda;
using Patterns.Cdk.Core;

namespace Patterns.Cdk.PrivateUploadApi;

/// <summary>The cdk-nag findings PrivateUploadApi meets differently than the rule assumes, each with its reason (docs/PrivateUploadApi.md lists them).</summary>
internal static class Suppressions
{
    public static void Apply(PrivateUploadApi s, NagSuppression objects)
    {
        foreach (var function in new[] { s.SessionsFunction, s.CompleterFunction, s.DirectUploadFunction }.OfType<Function>())
        {
            NagSuppressions.Add(function, new NagSuppression("Serverless-LambdaDLQ",
                "Invoked only synchronously by API Gateway (Lambda proxy integration): a failure is the caller's 5xx, which the client retries; there is no asynchronous event to keep."));
            CommonSuppressions.OnRolePolicy(function, objects);
        }

        if (s.Api is RestApi api)
        {
            foreach (var method in api.Methods)
            {
                NagSuppressions.Add(method, new NagSuppression("AwsSolutions-COG4",
                    "Every method uses IAM authorization (SigV4): callers are AWS principals granted execute-api:Invoke (GrantUpload), not Cognito users."));
            }
        }
    }
}
