using Amazon.DynamoDBv2;
using Amazon.SQS;
using Patterns.Cdk.Functions.EventDrivenSettlement.Settlement;
using Patterns.Cdk.Functions.EventDrivenSettlement.Store;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.EventDrivenSettlement;

/// <summary>
/// Entry point of the settlement consumer: the work queue's event source mapping (ReportBatchItemFailures) hands it
/// batches of messages whose bodies are <c>Fraud.Not.Detected</c> EventBridge events. Per message: read the envelope,
/// validate the detail against the input contract, compute the settlement, write it once per claim (conditional put).
/// <list type="bullet">
/// <item>New claim: stored; the table's stream and Pipe emit <c>Settlement.Finalized</c> (this handler never calls PutEvents).</item>
/// <item>Same claim, same content (a redelivery): success, nothing written.</item>
/// <item>Not an event, another event type, a contract violation, no deductible rule, or the same claim id with
/// different content (conflict): parked in the dead-letter queue at once with the reason, never retried, never overwritten.</item>
/// <item>Throttling, 5xx, network: reported as a batch item failure; the queue redelivers it later. On the last receive
/// (<c>MAX_RECEIVE_COUNT</c>) it is parked in the dead-letter queue with the reason <c>retries exhausted ...</c> instead.</item>
/// </list>
/// Logs one line per message with messageId, correlationId, claimId and settlementId, never the payload.
/// Handler string: <c>SettlementConsumer</c> (served by the project's <c>bootstrap</c>, see <see cref="Bootstrap"/>).
/// </summary>
public sealed class SettlementConsumer
{
    private readonly SettlementCalculator _calculator;
    private readonly SettlementStore _store;
    private readonly SqsBatchProcessor _batches;
    private readonly JsonLog _log;
    private readonly TimeProvider _clock;

    /// <summary>Used by Lambda: reads the settings from the environment and creates the AWS clients once.</summary>
    public SettlementConsumer()
        : this(SettlementSettings.FromEnvironment(Environment.GetEnvironmentVariable, nameof(SettlementConsumer)))
    {
    }

    public SettlementConsumer(IAmazonDynamoDB dynamoDb, IAmazonSQS sqs, SettlementSettings settings, JsonLog? log = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(dynamoDb);
        ArgumentNullException.ThrowIfNull(sqs);
        ArgumentNullException.ThrowIfNull(settings);
        _log = log ?? JsonLog.CreateDefault();
        _clock = clock ?? TimeProvider.System;
        _calculator = new SettlementCalculator(settings.Rules);
        _store = new SettlementStore(dynamoDb, settings.TableName);
        _batches = new SqsBatchProcessor(sqs, settings.DeadLetterQueueUrl, _log, settings.MaxReceiveCount);
    }

    private SettlementConsumer(SettlementSettings settings)
        : this(AwsClients.CreateDynamoDb(), AwsClients.CreateSqs(), settings)
    {
    }

    /// <summary>Handles one batch and returns <c>{"batchItemFailures":[...]}</c> naming only the messages to retry.</summary>
    public Task<Stream> HandleAsync(Stream input) => Invocation.RunAsync(_log, async () =>
    {
        SqsEvent batch = await LambdaJson.ReadAsync(input, LambdaEventsJsonContext.Default.SqsEvent);
        BatchResponse response = await _batches.ProcessAsync(batch, SettleAsync);
        return LambdaJson.Write(response, LambdaEventsJsonContext.Default.BatchResponse);
    });

    /// <summary>Settles the claim of one message; throws <see cref="BadInputException"/> to park it, anything else to retry it.</summary>
    internal async Task SettleAsync(SqsMessage message)
    {
        JsonLog log = _log.With(("messageId", message.MessageId));
        (SettlementDecision decision, string correlationId) = QueueMessage.Decide(message.Body, _clock.GetUtcNow(), _calculator);
        log = log.With(("correlationId", correlationId), ("claimId", decision.Claim?.ClaimId), ("settlementId", decision.Settlement?.SettlementId));
        if (decision.Kind != DecisionKind.Settle)
        {
            log.Warn(decision.Kind == DecisionKind.NoRule ? "claim cannot be settled: no deductible rule" : "claim breaks the input contract");
            throw new BadInputException(decision.Reason);
        }

        SettlementRecord settlement = decision.Settlement!;
        StoreOutcome outcome;
        try
        {
            outcome = await _store.PutAsync(settlement);
        }
        catch (Exception e) when (ErrorClassifier.Classify(e) == ErrorKind.Transient)
        {
            log.Warn("settlement not stored (transient error); the message will be redelivered", e);
            throw;
        }

        switch (outcome.Kind)
        {
            case StoreOutcomeKind.Created:
                log.Info("settlement finalized", ("payoutAmount", settlement.PayoutAmount), ("currency", settlement.Currency));
                break;
            case StoreOutcomeKind.Duplicate:
                log.Info("claim already settled with the same content (duplicate delivery); nothing to do", ("storedCorrelationId", outcome.Stored.CorrelationId));
                break;
            default:
                log.Error("claim already settled with different content (conflict); the stored settlement stands", ("storedCorrelationId", outcome.Stored.CorrelationId));
                throw new BadInputException(
                    $"conflict: claim {settlement.ClaimId} is already settled (settlementId {outcome.Stored.SettlementId}, correlationId {outcome.Stored.CorrelationId}) from different content; the stored settlement is not overwritten");
        }
    }
}
