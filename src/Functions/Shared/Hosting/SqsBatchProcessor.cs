using System.Globalization;
using Amazon.SQS;

namespace Patterns.Cdk.Functions.Shared;

/// <summary>
/// Processes the messages of an SQS batch one by one and builds the partial batch response:
/// a transient failure is reported (the message comes back after its visibility timeout, and reaches the
/// queue's dead-letter queue after <c>maxReceiveCount</c>); a <see cref="BadInputException"/> is not retried: the
/// original body is sent straight to the dead-letter queue with the attributes <see cref="ReasonAttribute"/> and
/// <see cref="SourceMessageIdAttribute"/>, and the message counts as handled. If that forward fails, or no dead-letter
/// queue is configured, the message is reported as failed instead, so it is never lost.
/// With a max receive count (the queue's redrive <c>maxReceiveCount</c>, env <c>MAX_RECEIVE_COUNT</c>), a message that
/// fails otherwise on its last receive (<c>ApproximateReceiveCount</c> at least that count) is forwarded the same way, with
/// the reason <c>retries exhausted after N receives: &lt;exception type&gt;: &lt;message&gt;</c>, and counts as handled; if that
/// forward fails it is reported as failed, and the redrive policy moves it to the dead-letter queue (without a reason).
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
    private readonly int? _maxReceiveCount;

    /// <param name="sqs">Client used to forward bad input.</param>
    /// <param name="deadLetterQueueUrl">The consumer queue's dead-letter queue (env <c>DEAD_LETTER_QUEUE_URL</c>); null or empty when there is none.</param>
    /// <param name="log">Where per-message outcomes are logged.</param>
    /// <param name="maxReceiveCount">The queue's redrive <c>maxReceiveCount</c> (env <c>MAX_RECEIVE_COUNT</c>); null when unknown,
    /// in which case a message that keeps failing is left to the redrive policy.</param>
    public SqsBatchProcessor(IAmazonSQS sqs, string? deadLetterQueueUrl, JsonLog log, int? maxReceiveCount = null)
    {
        ArgumentNullException.ThrowIfNull(sqs);
        ArgumentNullException.ThrowIfNull(log);
        if (maxReceiveCount is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxReceiveCount), maxReceiveCount, "The max receive count must be at least 1.");
        }

        _deadLetters = new DeadLetterForwarder(sqs, deadLetterQueueUrl, log);
        _log = log;
        _maxReceiveCount = maxReceiveCount;
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
        catch (Exception e) when (_deadLetters.IsConfigured && IsLastReceive(message, out int receiveCount))
        {
            _log.Error("message failed on its last receive; forwarding it to the dead-letter queue", e, ("messageId", message.MessageId), ("receiveCount", receiveCount));
            string reason = $"retries exhausted after {receiveCount.ToString(CultureInfo.InvariantCulture)} receives: {e.GetType().Name}: {e.Message}";
            if (await _deadLetters.TryForwardAsync(message.Body, reason, message.MessageId))
            {
                return true;
            }

            _log.Error("the message is reported as a batch item failure instead; the redrive policy moves it to the dead-letter queue", ("messageId", message.MessageId));
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

    private bool IsLastReceive(SqsMessage message, out int receiveCount)
    {
        receiveCount = 0;
        return _maxReceiveCount is { } max
            && int.TryParse(message.Attributes?.ApproximateReceiveCount, NumberStyles.None, CultureInfo.InvariantCulture, out receiveCount)
            && receiveCount >= max;
    }
}
