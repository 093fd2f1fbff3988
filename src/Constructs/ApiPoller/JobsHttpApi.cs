using Amazon.CDK.AWS.Apigatewayv2;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AwsApigatewayv2Authorizers;
using Amazon.CDK.AwsApigatewayv2Integrations;
using HttpMethod = Amazon.CDK.AWS.Apigatewayv2.HttpMethod;
using Constructs;
using Patterns.Cdk.Core;

namespace Patterns.Cdk.ApiPoller;

/// <summary>
/// The HTTP API in front of the JobApi function: five routes, each authorized, with access logs and throttling.
/// <c>GET /jobs/...</c> shows a job to its creator only; <c>GET /admin/jobs/...</c> shows any job, so who may read
/// everything is an IAM decision (<see cref="ApiPoller.GrantReadAllJobs"/>), not something the function must know.
/// </summary>
internal static class JobsHttpApi
{
    /// <summary>The routes, as <c>(method, path)</c>.</summary>
    public static readonly (HttpMethod Method, string Path)[] Routes =
    [
        (HttpMethod.POST, "/jobs"), (HttpMethod.GET, "/jobs/{id}"), (HttpMethod.GET, "/jobs/{id}/tasks"),
        (HttpMethod.GET, "/admin/jobs/{id}"), (HttpMethod.GET, "/admin/jobs/{id}/tasks"),
    ];

    public static HttpApi Create(Construct scope, IFunction handler, ApiAuthorization authorization, double rateLimit, double burstLimit, RetentionDays retention)
    {
        var api = new HttpApi(scope, "Api", new HttpApiProps
        {
            Description = "ApiPoller job API: POST /jobs, GET /jobs/{id}, GET /jobs/{id}/tasks (creator only), GET /admin/jobs/{id}[/tasks] (any job).",
            CreateDefaultStage = true,
        });
        var integration = new HttpLambdaIntegration("JobApiIntegration", handler, new HttpLambdaIntegrationProps
        {
            PayloadFormatVersion = PayloadFormatVersion.VERSION_2_0,
        });
        IHttpRouteAuthorizer authorizer = authorization == ApiAuthorization.Iam ? new HttpIamAuthorizer() : new HttpNoneAuthorizer();
        foreach (var (method, path) in Routes)
        {
            api.AddRoutes(new AddRoutesOptions { Path = path, Methods = [method], Integration = integration, Authorizer = authorizer });
        }

        _ = HttpApiStage.Configure(scope, "ApiLogs", api, retention, rateLimit, burstLimit);
        return api;
    }
}
