using Amazon.CDK;
using Amazon.CDK.AWS.APIGateway;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Constructs;
using Patterns.Cdk.Core;

namespace Patterns.Cdk.PrivateUploadApi;

/// <summary>What the upload API is made of, resolved from the props.</summary>
/// <param name="Endpoint">The only <c>execute-api</c> endpoint the API is reachable through.</param>
/// <param name="Sessions">POST /uploads, POST /uploads/{id}/parts, GET and DELETE /uploads/{id}.</param>
/// <param name="Completer">POST /uploads/{id}/complete.</param>
/// <param name="Direct">PUT /files/{fileName}.</param>
/// <param name="BinaryMediaTypes">Content types API Gateway passes to the functions base64-encoded, unchanged.</param>
/// <param name="RateLimit">Stage requests per second.</param>
/// <param name="BurstLimit">Stage burst.</param>
internal sealed record UploadApiSettings(IInterfaceVpcEndpoint Endpoint, IFunction Sessions, IFunction Completer, IFunction Direct,
    IReadOnlyList<string> BinaryMediaTypes, double RateLimit, double BurstLimit);

/// <summary>
/// The PRIVATE REST API of the upload routes: IAM authorization (SigV4) on every method, request bodies validated against
/// the two JSON models before a function runs, the contract's error shape for API Gateway's own answers, JSON access logs,
/// stage throttling. Reachable only through the construct's <c>execute-api</c> endpoint (resource policy).
/// </summary>
internal static class UploadRestApi
{
    /// <summary>The stage the API is deployed to.</summary>
    public const string StageName = "v1";

    /// <summary>
    /// The six routes (method, path as in an execute-api ARN with <c>*</c> for a path parameter): exactly what
    /// <see cref="PrivateUploadApi.GrantUpload"/> grants.
    /// </summary>
    public static readonly (string Method, string Path)[] Routes =
    [
        ("POST", "/uploads"),
        ("POST", "/uploads/*/parts"),
        ("GET", "/uploads/*"),
        ("DELETE", "/uploads/*"),
        ("POST", "/uploads/*/complete"),
        ("PUT", "/files/*"),
    ];

    /// <summary>
    /// API Gateway's own refusals in the contract's shape (<c>{"error","message"}</c>); any other 4xx carries API Gateway's
    /// response type as its code (e.g. <c>MISSING_AUTHENTICATION_TOKEN</c> for an unsigned request or an unknown route). The
    /// message strings are documented as already quoted; the validation summary is not, so it is quoted here.
    /// </summary>
    public static readonly (ResponseType_ Type, string Id, string Status, string Code, string Message)[] GatewayErrors =
    [
        (ResponseType_.BAD_REQUEST_BODY, "BadRequestBody", "400", "InvalidRequest", "\"$context.error.validationErrorString\""),
        (ResponseType_.BAD_REQUEST_PARAMETERS, "BadRequestParameters", "400", "InvalidRequest", "\"$context.error.validationErrorString\""),
        (ResponseType_.REQUEST_TOO_LARGE, "RequestTooLarge", "413", "TooLarge", "$context.error.messageString"),
        (ResponseType_.UNSUPPORTED_MEDIA_TYPE, "UnsupportedMediaType", "415", "UnsupportedContentType", "$context.error.messageString"),
        (ResponseType_.ACCESS_DENIED, "AccessDenied", "403", "Forbidden", "$context.error.messageString"),
        (ResponseType_.THROTTLED, "Throttled", "429", "TryAgain", "$context.error.messageString"),
        (ResponseType_.DEFAULT_4XX, "Default4xx", "", "$context.error.responseType", "$context.error.messageString"),
        (ResponseType_.DEFAULT_5XX, "Default5xx", "", "TryAgain", "$context.error.messageString"),
    ];

    public static RestApi Create(Construct scope, UploadApiSettings s)
    {
        var logs = new LogGroup(scope, "ApiAccessLogs", new LogGroupProps { Retention = RetentionDays.THREE_MONTHS, RemovalPolicy = RemovalPolicy.RETAIN });
        var api = new RestApi(scope, "Api", new RestApiProps
        {
            RestApiName = Names.UniqueResourceName(scope, new UniqueResourceNameOptions { MaxLength = 120 }) + "-uploads",
            Description = "Uploads: POST /uploads, POST /uploads/{id}/parts, GET|DELETE /uploads/{id}, POST /uploads/{id}/complete, PUT /files/{fileName}; IAM-authorized, VPC endpoint only.",
            EndpointConfiguration = new EndpointConfiguration { Types = [EndpointType.PRIVATE], VpcEndpoints = [s.Endpoint] },
            Policy = PrivateRestApis.EndpointOnlyPolicy(s.Endpoint),
            BinaryMediaTypes = s.BinaryMediaTypes.Count == 0 ? null : s.BinaryMediaTypes.ToArray(),
            CloudWatchRole = false,
            DefaultMethodOptions = new MethodOptions { AuthorizationType = AuthorizationType.IAM },
            DeployOptions = new StageOptions
            {
                StageName = StageName,
                AccessLogDestination = new LogGroupLogDestination(logs),
                AccessLogFormat = AccessLogFormat.Custom(PrivateRestApis.AccessLogFormat),
                LoggingLevel = MethodLoggingLevel.ERROR,
                DataTraceEnabled = false,
                MetricsEnabled = true,
                TracingEnabled = false,
                ThrottlingRateLimit = s.RateLimit,
                ThrottlingBurstLimit = s.BurstLimit,
            },
        });

        var validator = api.AddRequestValidator("RequestValidator", new RequestValidatorOptions
        {
            ValidateRequestBody = true,
            ValidateRequestParameters = true,
        });
        foreach (var (type, id, status, code, message) in GatewayErrors)
        {
            api.AddGatewayResponse(id, new GatewayResponseOptions
            {
                Type = type,
                StatusCode = status.Length == 0 ? null : status,
                Templates = new Dictionary<string, string> { ["application/json"] = $"{{\"error\":\"{code}\",\"message\":{message}}}" },
            });
        }

        var startModel = api.AddModel("StartUploadModel", new ModelOptions
        {
            ContentType = "application/json",
            ModelName = "StartUpload",
            Description = "POST /uploads: the file's name, content type, size in bytes and (optional) SHA-256 in base64.",
            Schema = StartUploadSchema,
        });
        var partsModel = api.AddModel("PartUrlsModel", new ModelOptions
        {
            ContentType = "application/json",
            ModelName = "PartUrls",
            Description = "POST /uploads/{id}/parts: 1-1000 part numbers (1-10000) to mint presigned UploadPart URLs for.",
            Schema = PartUrlsSchema,
        });

        var sessions = new LambdaIntegration(s.Sessions, new LambdaIntegrationOptions { Proxy = true, AllowTestInvoke = false });
        var completer = new LambdaIntegration(s.Completer, new LambdaIntegrationOptions { Proxy = true, AllowTestInvoke = false });
        var direct = new LambdaIntegration(s.Direct, new LambdaIntegrationOptions { Proxy = true, AllowTestInvoke = false });

        var uploads = api.Root.AddResource("uploads");
        uploads.AddMethod("POST", sessions, Method(validator, body: startModel));
        var upload = uploads.AddResource("{id}");
        upload.AddMethod("GET", sessions, Method(validator, path: "id"));
        upload.AddMethod("DELETE", sessions, Method(validator, path: "id"));
        upload.AddResource("parts").AddMethod("POST", sessions, Method(validator, path: "id", body: partsModel));
        upload.AddResource("complete").AddMethod("POST", completer, Method(validator, path: "id"));
        api.Root.AddResource("files").AddResource("{fileName}").AddMethod("PUT", direct, Method(validator, path: "fileName"));
        return api;
    }

    private static MethodOptions Method(IRequestValidator validator, string? path = null, IModel? body = null) => new()
    {
        AuthorizationType = AuthorizationType.IAM,
        RequestValidator = validator,
        RequestParameters = path is null ? null : new Dictionary<string, bool> { [$"method.request.path.{path}"] = true },
        RequestModels = body is null ? null : new Dictionary<string, IModel> { ["application/json"] = body },
    };

    /// <summary>The POST /uploads body (JSON Schema draft-04). Further checks (names, types, sizes) are the function's, with their own error codes.</summary>
    public static JsonSchema StartUploadSchema => new()
    {
        Schema = JsonSchemaVersion.DRAFT4,
        Title = "StartUpload",
        Type = JsonSchemaType.OBJECT,
        Required = ["fileName", "contentType", "size"],
        Properties = new Dictionary<string, IJsonSchema>
        {
            ["fileName"] = new JsonSchema { Type = JsonSchemaType.STRING, MinLength = 1, MaxLength = 255 },
            ["contentType"] = new JsonSchema { Type = JsonSchemaType.STRING, MinLength = 1, MaxLength = 255 },
            ["size"] = new JsonSchema { Type = JsonSchemaType.INTEGER, Minimum = 0 },
            ["sha256"] = new JsonSchema { Type = JsonSchemaType.STRING, MinLength = 44, MaxLength = 44, Pattern = "^[A-Za-z0-9+/]{43}=$" },
            // Optional: makes the start idempotent (a retry whose first answer was lost gets the same session).
            ["clientToken"] = new JsonSchema { Type = JsonSchemaType.STRING, MinLength = 16, MaxLength = 64, Pattern = "^[A-Za-z0-9_-]{16,64}$" },
        },
    };

    /// <summary>The POST /uploads/{id}/parts body (JSON Schema draft-04).</summary>
    public static JsonSchema PartUrlsSchema => new()
    {
        Schema = JsonSchemaVersion.DRAFT4,
        Title = "PartUrls",
        Type = JsonSchemaType.OBJECT,
        Required = ["partNumbers"],
        Properties = new Dictionary<string, IJsonSchema>
        {
            ["partNumbers"] = new JsonSchema
            {
                Type = JsonSchemaType.ARRAY,
                MinItems = 1,
                MaxItems = 1000,
                Items = new JsonSchema { Type = JsonSchemaType.INTEGER, Minimum = 1, Maximum = 10000 },
            },
            // Optional: the base64 MD5 of each part, in partNumbers' order. The function signs it into each URL, because S3
            // refuses a Content-MD5 header that a presigned URL did not sign; the function checks the counts match.
            ["contentMd5"] = new JsonSchema
            {
                Type = JsonSchemaType.ARRAY,
                MinItems = 1,
                MaxItems = 1000,
                Items = new JsonSchema { Type = JsonSchemaType.STRING, MinLength = 24, MaxLength = 24, Pattern = "^[A-Za-z0-9+/]{22}==$" },
            },
        },
    };
}
