using Amazon.SQS;
using Amazon.SQS.Model;

namespace Patterns.Cdk.Functions.Shared;

/// <summary>
/// Processes the messages of an SQS batch one by one and builds the partial batch response:
/// a transient failure is reported (the message comes back after its visibility timeout, and reaches the
/// queue's dead-letter queue after <c>maxReceiveCount</c>); a <see cref="BadInputException"/> is not retried: the
/// original body is sent straight to the dead-letter queue with the attributes <see cref="ReasonAttribute"/> and
/// <see cref="SourceMessageIdAttribute"/>, and the message counts as handled. If that forward fails, or no dead-letter
/// queue is configured, the message is reported as failed instead, so it is never lost.
/// </summary>
public sealed class SqsBatchProcessor
{
    public const string ReasonAttribute = "patterns-cdk-reason";
    public const string SourceMessageIdAttribute = "patterns-cdk-source-message-id";
    private const int MaxReasonLength = 1024;

    private readonly IAmazonSQS _sqs;
    private readonly string? _deadLetterQueueUrl;
    private readonly JsonLog _log;

    /// <param name="sqs">Client used to forward bad input.</param>
    /// <param name="deadLetterQueueUrl">The consumer queue's dead-letter queue (env <c>DEAD_LETTER_QUEUE_URL</c>); null or empty when there is none.</param>
    /// <param name="log">Where per-message outcomes are logged.</param>
    public SqsBatchProcessor(IAmazonSQS sqs, string? deadLetterQueueUrl, JsonLog log)
    {
        ArgumentNullException.ThrowIfNull(sqs);
        ArgumentNullException.ThrowIfNull(log);
        _sqs = sqs;
        _deadLetterQueueUrl = string.IsNullOrEmpty(deadLetterQueueUrl) ? null : deadLetterQueueUrl;
        _log = log;
    }

    public async Task<BatchResponse> ProcessAsync(SqsEvent batch, Func<SqsMessage, Task> handleMessage)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(handleMessage);
        List<BatchItemFailure>? failures = null;
        foreach (SqsMessage message in batch.Records)
        {
            if (!await TryHandleAsync(message, handleMessage))
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
        catch (BadInputException e) when (_deadLetterQueueUrl is { } deadLetterQueueUrl)
        {
            _log.Error("message rejected as bad input; forwarding it to the dead-letter queue", e, ("messageId", message.MessageId));
            return await TryForwardAsync(deadLetterQueueUrl, message, e.Reason);
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

    private async Task<bool> TryForwardAsync(string deadLetterQueueUrl, SqsMessage message, string reason)
    {
        var request = new SendMessageRequest(deadLetterQueueUrl, message.Body)
        {
            MessageAttributes = new Dictionary<string, MessageAttributeValue>(2)
            {
                [ReasonAttribute] = StringAttribute(reason.Length > MaxReasonLength ? reason[..MaxReasonLength] : reason),
                [SourceMessageIdAttribute] = StringAttribute(message.MessageId),
            },
        };
        try
        {
            await _sqs.SendMessageAsync(request);
            return true;
        }
        catch (Exception e)
        {
            _log.Error("could not forward the bad message to the dead-letter queue; reported as a batch item failure instead", e, ("messageId", message.MessageId));
            return false;
        }
    }

    private static MessageAttributeValue StringAttribute(string value) => new() { DataType = "String", StringValue = value };
}
