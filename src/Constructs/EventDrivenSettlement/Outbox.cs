using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.Pipes;
using Amazon.CDK.AWS.SQS;
using Constructs;

namespace Patterns.Cdk.EventDrivenSettlement;

/// <summary>
/// The transactional outbox: an EventBridge Pipe from the settlement table's stream to the bus. A settlement row and
/// its <c>Settlement.Finalized</c> event exist together or not at all, because the event is made from the row after it
/// was written; a duplicate input that wrote no row makes no event. The pipe's role is the only principal of the
/// pattern allowed to put events on the bus.
/// </summary>
internal static class Outbox
{
    /// <summary>Stream records per PutEvents call (a bus target takes at most 10).</summary>
    public const double BatchSize = 10;

    /// <summary>Retries of a failed batch before its stream position goes to the pipe's dead-letter queue.</summary>
    public const double MaximumRetryAttempts = 10;

    /// <summary>How old a stream record may get (one hour) before it is given up on and sent to the dead-letter queue.</summary>
    public const double MaximumRecordAgeSeconds = 3600;

    /// <summary>Only a newly inserted settlement makes an event (an update or delete of a row, by hand say, makes none).</summary>
    public static string FilterPattern => new JsonObject { ["eventName"] = new JsonArray("INSERT") }.ToJsonString();

    /// <summary>
    /// The <c>Settlement.Finalized</c> detail rendered from the new row (settlement-finalized.schema.json). Every
    /// attribute is a DynamoDB string (S), so each value is emitted exactly as the handler wrote it; the schema version is
    /// a literal.
    /// </summary>
    public static string InputTemplate { get; } = "{" + string.Join(",",
        new[] { "\"schemaVersion\":1" }.Concat(
            new[]
            {
                "settlementId", "claimId", "customerId", "documentType", "damageLevel", "payoutAmount", "outOfPocketAmount", "currency",
                "correlationId", "finalizedAt",
            }.Select(a => $"\"{a}\":\"<$.dynamodb.NewImage.{a}.S>\""))) + "}";

    public static (CfnPipe Pipe, Role Role) Create(Construct scope, ITable table, IEventBus bus, IQueue deadLetterQueue, ILogGroup logs)
    {
        var role = new Role(scope, "PipeRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("pipes.amazonaws.com", new ServicePrincipalOpts
            {
                Conditions = new Dictionary<string, object>
                {
                    ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = Stack.Of(scope).Account },
                },
            }),
            Description = "The settlement outbox: reads the settlement table's stream and puts Settlement.Finalized on the bus (the only principal that may).",
        });
        table.GrantStreamRead(role);
        bus.GrantPutEventsTo(role);
        deadLetterQueue.GrantSendMessages(role);
        logs.GrantWrite(role);

        var pipe = new CfnPipe(scope, "Pipe", new CfnPipeProps
        {
            Description = "Settlement outbox: one Settlement.Finalized per new settlement row.",
            RoleArn = role.RoleArn,
            Source = table.TableStreamArn!,
            SourceParameters = new CfnPipe.PipeSourceParametersProperty
            {
                DynamoDbStreamParameters = new CfnPipe.PipeSourceDynamoDBStreamParametersProperty
                {
                    // TRIM_HORIZON: a row written before the pipe first polls is still published (a duplicate at worst, never a loss).
                    StartingPosition = "TRIM_HORIZON",
                    BatchSize = BatchSize,
                    MaximumRetryAttempts = MaximumRetryAttempts,
                    MaximumRecordAgeInSeconds = MaximumRecordAgeSeconds,
                    DeadLetterConfig = new CfnPipe.DeadLetterConfigProperty { Arn = deadLetterQueue.QueueArn },
                },
                FilterCriteria = new CfnPipe.FilterCriteriaProperty
                {
                    Filters = new object[] { new CfnPipe.FilterProperty { Pattern = FilterPattern } },
                },
            },
            Target = bus.EventBusArn,
            TargetParameters = new CfnPipe.PipeTargetParametersProperty
            {
                InputTemplate = InputTemplate,
                EventBridgeEventBusParameters = new CfnPipe.PipeTargetEventBridgeEventBusParametersProperty
                {
                    Source = SettlementContracts.OutputSource,
                    DetailType = SettlementContracts.OutputDetailType,
                },
            },
            LogConfiguration = new CfnPipe.PipeLogConfigurationProperty
            {
                // ERROR without execution data: failures are logged, claim data never is.
                Level = "ERROR",
                CloudwatchLogsLogDestination = new CfnPipe.CloudwatchLogsLogDestinationProperty { LogGroupArn = logs.LogGroupArn },
            },
        });
        // The role's policy must exist before the pipe validates its source, target and dead-letter queue.
        pipe.Node.AddDependency(role);
        return (pipe, role);
    }
}
