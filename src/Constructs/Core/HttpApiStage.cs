using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.Apigatewayv2;
using Amazon.CDK.AWS.Logs;
using Constructs;

namespace Patterns.Cdk.Core;

/// <summary>
/// Access logging and default throttling for an HTTP API's default stage. The HttpApi L2 of CDK 2.160 has props for
/// neither, so both are set on the stage's CloudFormation resource.
/// </summary>
internal static class HttpApiStage
{
    /// <summary>Fields of one access-log line: who called which route and how it went; no body, no query string.</summary>
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

    /// <summary>Logs every request of <paramref name="api"/>'s default stage to a new log group and throttles its routes.</summary>
    public static LogGroup Configure(Construct scope, string logGroupId, HttpApi api, RetentionDays retention, double rateLimit, double burstLimit)
    {
        var logs = new LogGroup(scope, logGroupId, new LogGroupProps { Retention = retention, RemovalPolicy = RemovalPolicy.RETAIN });
        var stage = (CfnStage)(api.DefaultStage ?? throw new InvalidOperationException("The API has no default stage.")).Node.DefaultChild!;
        stage.AccessLogSettings = new CfnStage.AccessLogSettingsProperty { DestinationArn = logs.LogGroupArn, Format = AccessLogFormat };
        stage.DefaultRouteSettings = new CfnStage.RouteSettingsProperty
        {
            ThrottlingRateLimit = rateLimit,
            ThrottlingBurstLimit = burstLimit,
            DetailedMetricsEnabled = true,
        };
        return logs;
    }
}
