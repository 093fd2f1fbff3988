using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.Apigatewayv2;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AwsApigatewayv2Authorizers;
using Amazon.CDK.AwsApigatewayv2Integrations;
using HttpMethod = Amazon.CDK.AWS.Apigatewayv2.HttpMethod;
using Constructs;
using Patterns.Cdk.Core;

namespace Patterns.Cdk.ApiPoller;

/// <summary>The HTTP API in front of the JobApi function: three routes, each authorized, with access logs and throttling.</summary>
internal static class JobsHttpApi
{
    /// <summary>The routes, as <c>(method, path)</c>.</summary>
    public static readonly (HttpMethod Method, string Path)[] Routes =
        [(HttpMethod.POST, "/jobs"), (HttpMethod.GET, "/jobs/{id}"), (HttpMethod.GET, "/jobs/{id}/tasks")];

    /// <summary>Fields of one access-log line (no request body, no query string: job parameters never reach the logs).</summary>
    public static string AccessLogFormat => new JsonObject
    {
        ["requestId"] = "$context.requestId",
        ["requestTime"] = "$context.requestTime",
        ["httpMethod"] = "$context.httpMethod",
        ["routeKey"] = "$context.routeKey",
        ["status"] = "$context.status",
        ["responseLength"] = "$context.responseLength",
        ["integrationStatus"] = "$context.integrationStatus",
        ["integrationError"] = "$context.integrationErrorMessage",
        ["latency"] = "$context.responseLatency",
        ["caller"] = "$context.identity.caller",
        ["userArn"] = "$context.identity.userArn",
        ["sourceIp"] = "$context.identity.sourceIp",
    }.ToJsonString();

    public static HttpApi Create(Construct scope, IFunction handler, ApiAuthorization authorization, double rateLimit, double burstLimit, RetentionDays retention)
    {
        var api = new HttpApi(scope, "Api", new HttpApiProps
        {
            Description = "ApiPoller job API: POST /jobs, GET /jobs/{id}, GET /jobs/{id}/tasks.",
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

        var logs = new LogGroup(scope, "ApiLogs", new LogGroupProps { Retention = retention, RemovalPolicy = RemovalPolicy.RETAIN });
        // The HttpApi L2 has no access-log or default-throttling props in CDK 2.160: set them on the default stage.
        var stage = (CfnStage)api.DefaultStage!.Node.DefaultChild!;
        stage.AccessLogSettings = new CfnStage.AccessLogSettingsProperty { DestinationArn = logs.LogGroupArn, Format = AccessLogFormat };
        stage.DefaultRouteSettings = new CfnStage.RouteSettingsProperty
        {
            ThrottlingRateLimit = rateLimit,
            ThrottlingBurstLimit = burstLimit,
            DetailedMetricsEnabled = true,
        };
        return api;
    }
}
