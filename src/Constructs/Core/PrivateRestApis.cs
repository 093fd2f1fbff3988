using System.Text.Json.Nodes;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;

namespace Patterns.Cdk.Core;

/// <summary>
/// What every REST API of the package has in common: the resource policy of a PRIVATE API (reachable through named
/// <c>execute-api</c> endpoints only) and the JSON access-log line. (CDK 2.160 has no <c>grantInvokeFromVpcEndpointsOnly</c>;
/// it arrived in 2.179.)
/// </summary>
internal static class PrivateRestApis
{
    /// <summary>
    /// A PRIVATE API's resource policy: Allow <c>execute-api:Invoke</c> to this account's principals (naming the account
    /// delegates to IAM: a caller still needs execute-api:Invoke in its own policies) and Deny it to everyone unless the
    /// request arrived through one of <paramref name="endpoints"/> (<c>aws:SourceVpce</c>).
    /// </summary>
    public static PolicyDocument EndpointOnlyPolicy(params IInterfaceVpcEndpoint[] endpoints) => new(new PolicyDocumentProps
    {
        Statements =
        [
            new PolicyStatement(new PolicyStatementProps
            {
                Sid = "AllowThisAccountsPrincipals",
                Effect = Effect.ALLOW,
                Principals = [new AccountRootPrincipal()],
                Actions = ["execute-api:Invoke"],
                Resources = ["execute-api:/*"],
            }),
            new PolicyStatement(new PolicyStatementProps
            {
                Sid = "DenyAnyOtherSourceThanTheEndpoint",
                Effect = Effect.DENY,
                Principals = [new AnyPrincipal()],
                Actions = ["execute-api:Invoke"],
                Resources = ["execute-api:/*"],
                Conditions = new Dictionary<string, object>
                {
                    ["StringNotEquals"] = new Dictionary<string, object>
                    {
                        ["aws:SourceVpce"] = endpoints.Length == 1 ? endpoints[0].VpcEndpointId : endpoints.Select(e => e.VpcEndpointId).ToArray(),
                    },
                },
            }),
        ],
    });

    /// <summary>Fields of one access-log line: who called what through which endpoint and how it went; no body, no query string.</summary>
    public static string AccessLogFormat => new JsonObject
    {
        ["requestId"] = "$context.requestId",
        ["requestTime"] = "$context.requestTime",
        ["httpMethod"] = "$context.httpMethod",
        ["resourcePath"] = "$context.resourcePath",
        ["status"] = "$context.status",
        ["responseLength"] = "$context.responseLength",
        ["integrationStatus"] = "$context.integrationStatus",
        ["integrationError"] = "$context.integrationErrorMessage",
        ["errorType"] = "$context.error.responseType",
        ["latency"] = "$context.responseLatency",
        ["caller"] = "$context.identity.caller",
        ["userArn"] = "$context.identity.userArn",
        ["sourceIp"] = "$context.identity.sourceIp",
        ["vpceId"] = "$context.identity.vpceId",
    }.ToJsonString();
}
