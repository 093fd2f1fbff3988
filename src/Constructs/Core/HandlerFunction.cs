using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Constructs;

namespace Patterns.Cdk.Core;

/// <summary>Tuning for one function a construct creates; every field has the house default.</summary>
internal sealed record FunctionSettings
{
    /// <summary>Shown in the console.</summary>
    public required string Description { get; init; }

    /// <summary>Memory in MB. Default 512 (a .NET function's sweet spot for cold start vs. price on arm64).</summary>
    public double MemorySize { get; init; } = 512;

    /// <summary>Default 30 seconds.</summary>
    public Duration Timeout { get; init; } = Duration.Seconds(30);

    /// <summary>Environment variables of the pattern (merged over the user's, ours win).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Reserved concurrency, or null for none.</summary>
    public double? ReservedConcurrency { get; init; }

    /// <summary>X-Ray active tracing. Default off.</summary>
    public bool Tracing { get; init; }

    /// <summary>Application log level (DEBUG, INFO, WARN, ERROR). Default INFO.</summary>
    public string LogLevel { get; init; } = "INFO";

    /// <summary>Log retention. Default three months.</summary>
    public RetentionDays LogRetention { get; init; } = RetentionDays.THREE_MONTHS;

    /// <summary>Where failed asynchronous invocations go (Lambda's DeadLetterConfig), or null.</summary>
    public Amazon.CDK.AWS.SQS.IQueue? DeadLetterQueue { get; init; }
}

/// <summary>
/// The one place Lambda functions are created: arm64, explicit log group with retention, JSON logs, a role
/// that can write only to that log group, recursive-loop detection set to Terminate, optional X-Ray.
/// </summary>
internal static class HandlerFunctions
{
    /// <summary>Creates a function running one of our bundled handlers: its zip's Native AOT <c>bootstrap</c> on provided.al2023, arm64.</summary>
    public static Function CreateBundled(Construct scope, string id, BundledHandler handler, FunctionSettings settings,
        FunctionProps? extra = null) =>
        Create(scope, id, settings, new FunctionProps
        {
            Code = BundledCode.For(handler),
            Handler = handler.Handler,
            Runtime = BundledHandler.Runtime,
            OnFailure = extra?.OnFailure,
            RetryAttempts = extra?.RetryAttempts,
            MaxEventAge = extra?.MaxEventAge,
        }, constructName: null);

    /// <summary>
    /// Creates a function from a user's <see cref="FunctionProps"/> (their code, handler and runtime) with our
    /// secure defaults filling everything they left unset.
    /// </summary>
    public static Function Create(Construct scope, string id, FunctionSettings settings, FunctionProps user, string? constructName)
    {
        var logGroup = user.LogGroup ?? new LogGroup(scope, id + "Logs", new LogGroupProps
        {
            Retention = settings.LogRetention,
            RemovalPolicy = RemovalPolicy.RETAIN,
        });
        var role = user.Role ?? new Role(scope, id + "Role", new RoleProps
        {
            AssumedBy = new ServicePrincipal("lambda.amazonaws.com"),
            Description = $"Execution role of {id}: writes its own logs; the pattern adds only what it needs.",
        });

        var environment = new Dictionary<string, string>(user.Environment ?? new Dictionary<string, string>());
        environment.TryAdd("LOG_LEVEL", settings.LogLevel);
        foreach (var (key, value) in settings.Environment)
        {
            environment[key] = value;
        }

        var defaults = new FunctionProps
        {
            Code = user.Code,
            Handler = user.Handler,
            Runtime = user.Runtime,
            Description = settings.Description,
            Architecture = Architecture.ARM_64,
            MemorySize = settings.MemorySize,
            Timeout = settings.Timeout,
            Role = role,
            LogGroup = logGroup,
            LoggingFormat = LoggingFormat.JSON,
            ApplicationLogLevelV2 = ParseLogLevel(settings.LogLevel),
            SystemLogLevelV2 = SystemLogLevel.WARN,
            RecursiveLoop = RecursiveLoop.TERMINATE,
            Tracing = settings.Tracing ? Amazon.CDK.AWS.Lambda.Tracing.ACTIVE : null,
            ReservedConcurrentExecutions = settings.ReservedConcurrency,
            DeadLetterQueue = settings.DeadLetterQueue,
        };
        var measured = LambdaEnvironment.MeasuredBytes(environment);
        if (measured > LambdaEnvironment.MaxBytes)
        {
            throw new ArgumentException(
                $"{scope.Node.Path}/{id}: its environment variables would measure about {measured} bytes once deployed, more than Lambda's {LambdaEnvironment.MaxBytes} " +
                $"(values known only at deploy time counted at {LambdaEnvironment.TokenBytes} bytes); shorten or remove variables of the function's Environment");
        }

        var props = PropsMerger.Merge(defaults, user);
        props.Environment = environment;
        props.Role = role;
        props.LogGroup = logGroup;
        var function = new Function(scope, id, props);

        // Logs only to its own log group (no AWSLambdaBasicExecutionRole and its "*" resource).
        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resources = [logGroup.LogGroupArn],
        }));
        if (constructName is not null && user.RecursiveLoop == RecursiveLoop.ALLOW)
        {
            Warnings.Add(function, constructName, "recursiveLoop", $"{id}: RecursiveLoop is ALLOW; Lambda will not stop a runaway S3/SQS loop.");
        }

        if (role is Role ownRole && user.Role is null)
        {
            var policy = ownRole.Node.FindChild("DefaultPolicy");
            NagSuppressions.Add(policy, new NagSuppression("AwsSolutions-IAM5",
                "Log streams are created at run time with generated names; the grant is limited to this function's own log group.",
                $"Resource::<{LogicalIdOf(logGroup)}.Arn>:*"));
            if (props.Tracing == Amazon.CDK.AWS.Lambda.Tracing.ACTIVE)
            {
                NagSuppressions.Add(policy, new NagSuppression("AwsSolutions-IAM5",
                    "X-Ray's PutTraceSegments and PutTelemetryRecords do not support resource-level permissions.", "Resource::*"));
            }
        }

        if (!settings.Tracing && user.Tracing is null)
        {
            NagSuppressions.Add(function, new NagSuppression("Serverless-LambdaTracing",
                "X-Ray active tracing is opt-in (EnableTracing) because it adds cost per request."));
        }

        return function;
    }

    /// <summary>The logical id of a construct's CloudFormation resource, as a token cdk-nag can match.</summary>
    public static string LogicalIdOf(IConstruct construct) =>
        Stack.Of(construct).GetLogicalId((CfnElement)(construct.Node.DefaultChild ?? construct));

    private static ApplicationLogLevel ParseLogLevel(string level) => level.ToUpperInvariant() switch
    {
        "TRACE" => ApplicationLogLevel.TRACE,
        "DEBUG" => ApplicationLogLevel.DEBUG,
        "WARN" => ApplicationLogLevel.WARN,
        "ERROR" => ApplicationLogLevel.ERROR,
        "FATAL" => ApplicationLogLevel.FATAL,
        _ => ApplicationLogLevel.INFO,
    };
}
