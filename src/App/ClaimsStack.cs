using Amazon.CDK;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SQS;
using Amazon.CDK.AWS.StepFunctions;
using Amazon.CDK.AWS.StepFunctions.Tasks;
using Amazon.CDK.AWS.Logs;
using Constructs;
using Patterns.Cdk.EventDrivenSettlement;

namespace Patterns.Cdk.App;

/// <summary>
/// The claims domain's bus with the settlement service on it: EventDrivenSettlement settles every
/// <c>Fraud.Not.Detected</c> claim the fraud domain publishes (and every claim POSTed to its IAM-authorized REST API)
/// exactly once, and a downstream consumer (here a queue, standing in for the notification domain) receives each
/// <c>Settlement.Finalized</c>. Publish a claim with <c>aws events put-events</c> (see docs/EventDrivenSettlement.md).
/// </summary>
public sealed class ClaimsStack : Stack
{
    /// <summary>The claims domain's custom bus.</summary>
    public EventBus Bus { get; }

    /// <summary>Claims whose estimated cost is above this (USD) go to fraud review instead of settlement.</summary>
    public const double FraudReviewThreshold = 50_000;

    /// <summary>The notification domain's queue: every <c>Settlement.Finalized</c> event of the bus.</summary>
    public Queue FinalizedSettlements { get; }

    /// <summary>
    /// The fraud domain, reduced to what the settlement service sees of it: an Express state machine that takes a claim,
    /// screens it with one rule (an estimated cost above <see cref="FraudReviewThreshold"/> needs a human) and publishes
    /// <c>Fraud.Not.Detected</c> or <c>Fraud.Detected</c> (source <c>fraud.service</c>) on the claims bus.
    /// Start it with <c>aws stepfunctions start-sync-execution</c> and a claim as input.
    /// </summary>
    public StateMachine FraudScreening { get; }

    /// <summary>The settlement service.</summary>
    public EventDrivenSettlement.EventDrivenSettlement Settlement { get; }

    /// <summary>Creates the stack; every alarm notifies <paramref name="alarmTopic"/>.</summary>
    public ClaimsStack(Construct scope, string id, ITopic alarmTopic, IStackProps props) : base(scope, id, props)
    {
        Bus = new EventBus(this, "ClaimsBus", new EventBusProps { Description = "Claims processing: fraud, settlement and notification domains." });

        Settlement = new EventDrivenSettlement.EventDrivenSettlement(this, "Settlement", new EventDrivenSettlementProps
        {
            ExistingEventBus = Bus,
            AlarmTopic = alarmTopic,
            EnableRestApi = true,
        });

        FraudScreening = FraudDomain(Bus);

        // The notification domain's subscription: every finalized settlement, on an encrypted queue it reads at its own
        // pace. One dead-letter queue takes both what the rule cannot deliver and what the consumer fails five times.
        var undelivered = new Queue(this, "FinalizedSettlementsDeadLetters", new QueueProps
        {
            Encryption = QueueEncryption.SQS_MANAGED,
            EnforceSSL = true,
            RetentionPeriod = Duration.Days(14),
        });
        ((CfnResource)undelivered.Node.DefaultChild!).AddMetadata("cdk_nag", new Dictionary<string, object>
        {
            ["rules_to_suppress"] = new object[]
            {
                new Dictionary<string, object> { ["id"] = "Serverless-SQSRedrivePolicy", ["reason"] = "This queue is itself the dead-letter queue; messages stay 14 days for inspection and redrive." },
            },
        });
        FinalizedSettlements = new Queue(this, "FinalizedSettlements", new QueueProps
        {
            Encryption = QueueEncryption.SQS_MANAGED,
            EnforceSSL = true,
            RetentionPeriod = Duration.Days(4),
            DeadLetterQueue = new DeadLetterQueue { Queue = undelivered, MaxReceiveCount = 5 },
        });
        _ = new Rule(this, "OnSettlementFinalized", new RuleProps
        {
            EventBus = Bus,
            Description = "Settlement.Finalized events, as a downstream domain would consume them (deduplicating by settlementId).",
            EventPattern = new EventPattern
            {
                Source = ["settlement.service"],
                DetailType = ["Settlement.Finalized"],
            },
            Targets =
            [
                new Amazon.CDK.AWS.Events.Targets.SqsQueue(FinalizedSettlements, new Amazon.CDK.AWS.Events.Targets.SqsQueueProps
                {
                    DeadLetterQueue = undelivered,
                    RetryAttempts = 185,
                    MaxEventAge = Duration.Hours(24),
                }),
            ],
        });

        _ = new CfnOutput(this, "ClaimsBusName", new CfnOutputProps
        {
            Value = Bus.EventBusName,
            Description = "Publish Fraud.Not.Detected (source fraud.service) here; Settlement.Finalized comes back on it.",
        });
        _ = new CfnOutput(this, "SettlementApiUrl", new CfnOutputProps
        {
            Value = Settlement.ApiUrl ?? string.Empty,
            Description = "POST /settlements and GET /settlements/{claimId}, signed with SigV4 (IAM auth).",
        });
        _ = new CfnOutput(this, "FinalizedSettlementsQueueUrl", new CfnOutputProps
        {
            Value = FinalizedSettlements.QueueUrl,
            Description = "Every Settlement.Finalized event lands on this queue (the notification domain's subscription).",
        });
        _ = new CfnOutput(this, "FraudScreeningArn", new CfnOutputProps
        {
            Value = FraudScreening.StateMachineArn,
            Description = "The sample fraud domain: start-sync-execution with a claim publishes Fraud.Not.Detected (or Fraud.Detected) on the bus.",
        });
    }

    private StateMachine FraudDomain(IEventBus bus)
    {
        static EventBridgePutEvents Publish(Construct scope, string id, IEventBus bus, string detailType) => new(scope, id, new EventBridgePutEventsProps
        {
            Entries =
            [
                new EventBridgePutEventsEntry
                {
                    EventBus = bus,
                    Source = "fraud.service",
                    DetailType = detailType,
                    Detail = TaskInput.FromJsonPathAt("$"),
                },
            ],
            ResultPath = JsonPath.DISCARD,
        });

        var screen = new Choice(this, "Screen the claim")
            .When(Condition.NumberGreaterThan("$.damage.estimatedCost", FraudReviewThreshold), Publish(this, "Publish Fraud.Detected", bus, "Fraud.Detected"))
            .Otherwise(Publish(this, "Publish Fraud.Not.Detected", bus, "Fraud.Not.Detected"));
        var logs = new LogGroup(this, "FraudScreeningLogs", new LogGroupProps
        {
            Retention = RetentionDays.ONE_MONTH,
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        var machine = new StateMachine(this, "FraudScreening", new StateMachineProps
        {
            StateMachineType = StateMachineType.EXPRESS,
            DefinitionBody = DefinitionBody.FromChainable(screen),
            Timeout = Duration.Seconds(30),
            TracingEnabled = true,
            Logs = new LogOptions { Destination = logs, Level = LogLevel.ALL, IncludeExecutionData = true },
            Comment = "The sample's fraud domain: screens a claim and publishes Fraud.Not.Detected or Fraud.Detected on the claims bus.",
        });
        if (machine.Role.Node.TryFindChild("DefaultPolicy") is Amazon.CDK.AWS.IAM.Policy policy)
        {
            ((CfnResource)policy.Node.DefaultChild!).AddMetadata("cdk_nag", new Dictionary<string, object>
            {
                ["rules_to_suppress"] = new object[]
                {
                    new Dictionary<string, object>
                    {
                        ["id"] = "AwsSolutions-IAM5",
                        ["reason"] = "Log delivery (logs:CreateLogDelivery and related) and X-Ray (xray:PutTraceSegments and related) do not support resource-level permissions.",
                        ["applies_to"] = new object[] { "Resource::*" },
                    },
                },
            });
        }

        return machine;
    }
}
