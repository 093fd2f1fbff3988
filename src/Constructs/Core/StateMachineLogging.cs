using Amazon.CDK;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.StepFunctions;
using Constructs;

namespace Patterns.Cdk.Core;

/// <summary>
/// Workflow logging the house way: an explicit log group with retention (kept on stack deletion), and by default
/// only ERROR events without execution data, so no input or output (partner data, parameters) reaches the logs.
/// </summary>
internal static class StateMachineLogging
{
    /// <summary>Creates the log group <paramref name="id"/> and the state machine's log options.</summary>
    public static LogOptions Create(Construct scope, string id, LogLevel level, RetentionDays retention, bool includeExecutionData = false)
    {
        var logGroup = new LogGroup(scope, id, new LogGroupProps
        {
            Retention = retention,
            RemovalPolicy = RemovalPolicy.RETAIN,
        });
        return new LogOptions
        {
            Destination = logGroup,
            Level = level,
            IncludeExecutionData = includeExecutionData,
        };
    }
}
