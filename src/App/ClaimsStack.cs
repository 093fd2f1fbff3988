using Amazon.CDK;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SQS;
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

    /// <summary>The notification domain's queue: every <c>Settlement.Finalized</c> event of the bus.</summary>
    public Queue FinalizedSettlements { get; }

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
    }
}
