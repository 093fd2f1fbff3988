using System.Globalization;

namespace Patterns.Cdk.Functions.Shared;

/// <summary>
/// Sets aside the null entries of a batch event's <c>Records</c> before its records are processed. A null entry has
/// no message id or sequence number to report as a batch item failure, and retrying cannot turn it into a record, so
/// it goes straight to the dead-letter queue as the body <c>null</c> with a reason naming its position.
/// </summary>
internal static class NullRecords
{
    /// <exception cref="BadInputException">A null entry and no dead-letter queue: the invocation fails before any record ran.</exception>
    /// <exception cref="InvalidOperationException">A null entry could not be sent (transient): the invocation fails before any record ran.</exception>
    public static async Task SetAsideAsync<T>(IReadOnlyList<T?> records, DeadLetterForwarder? deadLetters, JsonLog log)
        where T : class
    {
        for (int i = 0; i < records.Count; i++)
        {
            if (records[i] is not null)
            {
                continue;
            }

            string reason = string.Create(CultureInfo.InvariantCulture, $"Records[{i}] is null: an event record must be an object");
            log.Error("batch entry rejected as bad input; sending it to the dead-letter queue", ("recordIndex", i), ("reason", reason));
            if (deadLetters is not { IsConfigured: true })
            {
                throw new BadInputException($"{reason}; no dead-letter queue is configured, so the batch is rejected before any record is processed");
            }

            if (!await deadLetters.TryForwardAsync("null", reason, sourceMessageId: null))
            {
                throw new InvalidOperationException($"{reason}, and it could not be sent to the dead-letter queue; the batch is retried before any record is processed");
            }
        }
    }
}
