using Amazon.SQS;
using Amazon.SQS.Model;

namespace Patterns.Cdk.Functions.Shared;

/// <summary>
/// Sends bad input straight to a consumer's dead-letter queue, with the reason in the message attribute
/// <see cref="ReasonAttribute"/> and, when known, the original message id in <see cref="SourceMessageIdAttribute"/>.
/// </summary>
public sealed class DeadLetterForwarder
{
    public const string ReasonAttribute = "patterns-cdk-reason";
    public const string SourceMessageIdAttribute = "patterns-cdk-source-message-id";
    private const int MaxReasonLength = 1024;

    private readonly IAmazonSQS _sqs;
    private readonly string? _queueUrl;
    private readonly JsonLog _log;

    /// <param name="sqs">Client used to send.</param>
    /// <param name="queueUrl">The dead-letter queue (env <c>DEAD_LETTER_QUEUE_URL</c>); null or empty when there is none.</param>
    /// <param name="log">Where a failed send is logged.</param>
    public DeadLetterForwarder(IAmazonSQS sqs, string? queueUrl, JsonLog log)
    {
        ArgumentNullException.ThrowIfNull(sqs);
        ArgumentNullException.ThrowIfNull(log);
        _sqs = sqs;
        _queueUrl = string.IsNullOrEmpty(queueUrl) ? null : queueUrl;
        _log = log;
    }

    public bool IsConfigured => _queueUrl is not null;

    /// <summary>Sends <paramref name="body"/> with its reason; false when there is no dead-letter queue or the send failed (logged).</summary>
    public async Task<bool> TryForwardAsync(string body, string reason, string? sourceMessageId)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(reason);
        if (_queueUrl is null)
        {
            return false;
        }

        var attributes = new Dictionary<string, MessageAttributeValue>(2)
        {
            [ReasonAttribute] = StringAttribute(reason.Length > MaxReasonLength ? reason[..MaxReasonLength] : reason),
        };
        if (sourceMessageId is not null)
        {
            attributes[SourceMessageIdAttribute] = StringAttribute(sourceMessageId);
        }

        try
        {
            await _sqs.SendMessageAsync(new SendMessageRequest(_queueUrl, body) { MessageAttributes = attributes });
            return true;
        }
        catch (Exception e)
        {
            _log.Error("could not forward the bad input to the dead-letter queue", e, ("messageId", sourceMessageId));
            return false;
        }
    }

    private static MessageAttributeValue StringAttribute(string value) => new() { DataType = "String", StringValue = value };
}
