using System.Buffers;
using System.Text;
using Patterns.Cdk.Functions.EventDrivenSettlement.Contracts;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.EventDrivenSettlement.Settlement;

/// <summary>
/// The pure part of one queue message (no I/O): the EventBridge envelope, the event type, the contract, the
/// calculation. What <see cref="SettlementConsumer"/> does before its conditional put, and what the benchmark measures.
/// </summary>
public static class QueueMessage
{
    private const int StackBodyBytes = 2048;

    /// <summary>The decision on a message body and its correlation id (the event id).</summary>
    /// <exception cref="BadInputException">The body is not an EventBridge event, or not a Fraud.Not.Detected from fraud.service.</exception>
    public static (SettlementDecision Decision, string CorrelationId) Decide(string body, DateTimeOffset now, SettlementCalculator calculator)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(calculator);
        int maxBytes = Encoding.UTF8.GetMaxByteCount(body.Length);
        byte[]? rented = null;
        Span<byte> buffer = maxBytes <= StackBodyBytes ? stackalloc byte[StackBodyBytes] : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        try
        {
            ReadOnlySpan<byte> utf8 = buffer[..Encoding.UTF8.GetBytes(body, buffer)];
            EventEnvelope envelope = EventEnvelope.Parse(utf8);
            if (!envelope.IsFraudNotDetected)
            {
                throw new BadInputException(
                    $"the event is {Shorten(envelope.DetailType)} from {Shorten(envelope.Source)}; this consumer settles only {EventEnvelope.FraudNotDetected} from {EventEnvelope.FraudSource} (check the rule's event pattern)");
            }

            SettlementDecision decision = SettlementDecision.Decide(utf8[envelope.Detail], envelope.Id, now, SettlementContracts.FraudNotDetected, calculator);
            return (decision, envelope.Id);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static string Shorten(string value) => value.Length <= 64 ? $"'{value}'" : $"'{value[..64]}…'";
}
