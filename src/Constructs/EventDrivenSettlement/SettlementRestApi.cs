using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.APIGateway;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Constructs;

namespace Patterns.Cdk.EventDrivenSettlement;

/// <summary>What the REST API is made of, resolved from the props.</summary>
/// <param name="EndpointType">REGIONAL, EDGE or PRIVATE.</param>
/// <param name="VpcEndpoint">The execute-api endpoint of a PRIVATE API.</param>
/// <param name="RateLimit">Requests per second.</param>
/// <param name="BurstLimit">Burst.</param>
/// <param name="Tracing">X-Ray on the stage.</param>
/// <param name="CloudWatchRole">Create the account's API Gateway CloudWatch role.</param>
/// <param name="LogRetention">Access log retention.</param>
internal sealed record RestApiSettings(EndpointType EndpointType, IInterfaceVpcEndpoint? VpcEndpoint, double RateLimit, double BurstLimit, bool Tracing,
    bool CloudWatchRole, RetentionDays LogRetention);

/// <summary>
/// The optional REST API in front of the bundled SettlementApi function: <c>POST /settlements</c> (body validated by
/// API Gateway against the input contract, then again by the handler) and <c>GET /settlements/{claimId}</c>, both
/// IAM-authorized (SigV4), with access logs, error-level execution logs and throttling. A PRIVATE API is reachable only
/// through its <c>execute-api</c> VPC endpoint.
/// </summary>
internal static class SettlementRestApi
{
    /// <summary>The stage the API is deployed to.</summary>
    public const string StageName = "prod";

    /// <summary>Name of the request model (the input contract).</summary>
    public const string ModelName = "FraudNotDetected";

    /// <summary>
    /// What API Gateway answers when the body breaks the contract: the design's 400 shape, with API Gateway's validation
    /// summary as the one error. <c>messageString</c> is documented as already quoted; <c>validationErrorString</c> is
    /// not, so it is quoted here, as AWS's own request-validation examples do.
    /// </summary>
    public const string BadRequestBodyTemplate = "{\"message\":$context.error.messageString,\"errors\":[\"$context.error.validationErrorString\"]}";

    /// <summary>Fields of one access-log line: who called what and how it went; no body, no query string.</summary>
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

    public static RestApi Create(Construct scope, IFunction handler, RestApiSettings s)
    {
        var logs = new LogGroup(scope, "ApiAccessLogs", new LogGroupProps { Retention = s.LogRetention, RemovalPolicy = RemovalPolicy.RETAIN });
        var isPrivate = s.EndpointType == EndpointType.PRIVATE;
        var api = new RestApi(scope, "Api", new RestApiProps
        {
            RestApiName = Names.UniqueResourceName(scope, new UniqueResourceNameOptions { MaxLength = 128 }) + "-settlements",
            Description = "Settlements: POST /settlements (the Fraud.Not.Detected contract), GET /settlements/{claimId}; IAM-authorized.",
            EndpointConfiguration = new EndpointConfiguration
            {
                Types = [s.EndpointType],
                VpcEndpoints = isPrivate && s.VpcEndpoint is not null ? [s.VpcEndpoint] : null,
            },
            Policy = isPrivate ? PrivatePolicy(s.VpcEndpoint!) : null,
            CloudWatchRole = s.CloudWatchRole,
            CloudWatchRoleRemovalPolicy = s.CloudWatchRole ? RemovalPolicy.RETAIN : null,
            DefaultMethodOptions = new MethodOptions { AuthorizationType = AuthorizationType.IAM },
            DeployOptions = new StageOptions
            {
                StageName = StageName,
                AccessLogDestination = new LogGroupLogDestination(logs),
                AccessLogFormat = Amazon.CDK.AWS.APIGateway.AccessLogFormat.Custom(AccessLogFormat),
                LoggingLevel = MethodLoggingLevel.ERROR,
                DataTraceEnabled = false,
                MetricsEnabled = true,
                TracingEnabled = s.Tracing,
                ThrottlingRateLimit = s.RateLimit,
                ThrottlingBurstLimit = s.BurstLimit,
            },
        });

        var model = api.AddModel("InputModel", new ModelOptions
        {
            ContentType = "application/json",
            ModelName = ModelName,
            Description = "The Fraud.Not.Detected contract (fraud-not-detected.schema.json), the same document the schema registry publishes and the handler validates with.",
            Schema = new JsonSchema(),
        });
        // The CDK's typed JsonSchema would re-spell the document; the model gets the contract itself.
        ((CfnModel)model.Node.DefaultChild!).AddPropertyOverride("Schema", ToJsii(SettlementContracts.Draft4(SettlementContracts.InputFile))!);
        var validator = api.AddRequestValidator("RequestValidator", new RequestValidatorOptions
        {
            ValidateRequestBody = true,
            ValidateRequestParameters = true,
        });
        api.AddGatewayResponse("BadRequestBody", new GatewayResponseOptions
        {
            Type = ResponseType_.BAD_REQUEST_BODY,
            StatusCode = "400",
            Templates = new Dictionary<string, string> { ["application/json"] = BadRequestBodyTemplate },
        });

        var integration = new LambdaIntegration(handler, new LambdaIntegrationOptions { Proxy = true, AllowTestInvoke = false });
        var settlements = api.Root.AddResource("settlements");
        settlements.AddMethod("POST", integration, new MethodOptions
        {
            AuthorizationType = AuthorizationType.IAM,
            RequestValidator = validator,
            RequestModels = new Dictionary<string, IModel> { ["application/json"] = model },
        });
        settlements.AddResource("{claimId}").AddMethod("GET", integration, new MethodOptions
        {
            AuthorizationType = AuthorizationType.IAM,
            RequestValidator = validator,
            RequestParameters = new Dictionary<string, bool> { ["method.request.path.claimId"] = true },
        });
        return api;
    }

    /// <summary>
    /// A PRIVATE API's resource policy: only requests through <paramref name="endpoint"/>, and only from this account's
    /// principals whose own IAM policies allow the call (naming the account delegates to IAM; it grants no one by itself).
    /// </summary>
    private static PolicyDocument PrivatePolicy(IInterfaceVpcEndpoint endpoint) => new(new PolicyDocumentProps
    {
        Statements =
        [
            new PolicyStatement(new PolicyStatementProps
            {
                Effect = Effect.ALLOW,
                Principals = [new AccountRootPrincipal()],
                Actions = ["execute-api:Invoke"],
                Resources = ["execute-api:/*"],
            }),
            new PolicyStatement(new PolicyStatementProps
            {
                Effect = Effect.DENY,
                Principals = [new AnyPrincipal()],
                Actions = ["execute-api:Invoke"],
                Resources = ["execute-api:/*"],
                Conditions = new Dictionary<string, object>
                {
                    ["StringNotEquals"] = new Dictionary<string, object> { ["aws:SourceVpce"] = endpoint.VpcEndpointId },
                },
            }),
        ],
    });

    /// <summary>A JSON object as nested dictionaries and arrays jsii passes to CloudFormation unchanged.</summary>
    public static object? ToJsii(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o.ToDictionary(p => p.Key, p => ToJsii(p.Value)!),
        JsonArray a => a.Select(ToJsii).ToArray(),
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<string>(out var str) => str,
        JsonValue v when v.TryGetValue<int>(out var i) => i,
        JsonValue v => v.GetValue<double>(),
        _ => throw new ArgumentException($"Unexpected JSON node {node.GetType().Name}.", nameof(node)),
    };
}
