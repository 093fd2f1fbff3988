using Amazon.SQS;

namespace Patterns.Cdk.Functions.Shared;

/// <summary>
/// Processes the messages of an SQS batch one by one and builds the partial batch response:
/// a transient failure is reported (the message comes back after its visibility timeout, and reaches the
/// queue's dead-letter queue after <c>maxReceiveCount</c>); a <see cref="BadInputException"/> is not retried: the
/// original body is sent straight to the dead-letter queue with the attributes <see cref="ReasonAttribute"/> and
/// <see cref="SourceMessageIdAttribute"/>, and the message counts as handled. If that forward fails, or no dead-letter
/// queue is configured, the message is reported as failed instead, so it is never lost.
/// A null entry in <c>Records</c> (only a hand-made payload has one) has no id to report, so it is set aside first, before
/// any message runs: sent to the dead-letter queue as the body <c>null</c> with its reason; when that is impossible the
/// whole invocation fails before anything was processed (bad input without a dead-letter queue, transient when the send failed).
/// </summary>
public sealed class SqsBatchProcessor
{
    public const string ReasonAttribute = DeadLetterForwarder.ReasonAttribute;
    public const string SourceMessageIdAttribute = DeadLetterForwarder.SourceMessageIdAttribute;

    private readonly DeadLetterForwarder _deadLetters;
    private readonly JsonLog _log;

    /// <param name="sqs">Client used to forward bad input.</param>
    /// <param name="deadLetterQueueUrl">The consumer queue's dead-letter queue (env <c>DEAD_LETTER_QUEUE_URL</c>); null or empty when there is none.</param>
    /// <param name="log">Where per-message outcomes are logged.</param>
    public SqsBatchProcessor(IAmazonSQS sqs, string? deadLetterQueueUrl, JsonLog log)
    {
        ArgumentNullException.ThrowIfNull(sqs);
        ArgumentNullException.ThrowIfNull(log);
        _deadLetters = new DeadLetterForwarder(sqs, deadLetterQueueUrl, log);
        _log = log;
    }

    public async Task<BatchResponse> ProcessAsync(SqsEvent batch, Func<SqsMessage, Task> handleMessage)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(handleMessage);
        await NullRecords.SetAsideAsync(batch.Records, _deadLetters, _log);
        List<BatchItemFailure>? failures = null;
        foreach (SqsMessage? message in batch.Records)
        {
            if (message is not null && !await TryHandleAsync(message, handleMessage))
            {
                (failures ??= []).Add(new BatchItemFailure { ItemIdentifier = message.MessageId });
            }
        }

        return new BatchResponse { BatchItemFailures = failures ?? [] };
    }

    private async Task<bool> TryHandleAsync(SqsMessage message, Func<SqsMessage, Task> handleMessage)
    {
        try
        {
            await handleMessage(message);
            return true;
        }
        catch (BadInputException e) when (_deadLetters.IsConfigured)
        {
            _log.Error("message rejected as bad input; forwarding it to the dead-letter queue", e, ("messageId", message.MessageId));
            if (await _deadLetters.TryForwardAsync(message.Body, e.Reason, message.MessageId))
            {
                return true;
            }

            _log.Error("the bad message is reported as a batch item failure instead", ("messageId", message.MessageId));
            return false;
        }
        catch (BadInputException e)
        {
            _log.Error("message rejected as bad input; no dead-letter queue is configured, so it is reported as a batch item failure", e, ("messageId", message.MessageId));
            return false;
        }
        catch (Exception e)
        {
            _log.Warn(
                "message failed; reported as a batch item failure and retried",
                e,
                ("messageId", message.MessageId),
                ("receiveCount", message.Attributes?.ApproximateReceiveCount));
            return false;
        }
    }
}
