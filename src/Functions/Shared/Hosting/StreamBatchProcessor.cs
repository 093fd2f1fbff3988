namespace Patterns.Cdk.Functions.Shared;

/// <summary>
/// Processes the records of a DynamoDB stream batch in order and builds the partial batch response.
/// A stream is checkpointed by position, so processing stops at the first failure (transient or bad input)
/// and reports that record's <c>SequenceNumber</c>: Lambda retries from it (bisecting the batch when configured) and,
/// once the retries are exhausted, sends it to the event source mapping's on-failure destination. Later records are
/// not processed twice.
/// A null entry in <c>Records</c> (only a hand-made payload has one) has no sequence number to report, so it is set aside
/// first, before any record runs: sent to <paramref name="deadLetters"/> as the body <c>null</c> with its reason; when that is
/// impossible the whole invocation fails before anything was processed.
/// </summary>
/// <param name="log">Where per-record outcomes are logged.</param>
/// <param name="deadLetters">Where null entries go; null when the consumer has no dead-letter queue.</param>
public sealed class StreamBatchProcessor(JsonLog log, DeadLetterForwarder? deadLetters = null)
{
    public async Task<BatchResponse> ProcessAsync(DynamoDbStreamEvent batch, Func<DynamoDbStreamRecord, Task> handleRecord)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(handleRecord);
        await NullRecords.SetAsideAsync(batch.Records, deadLetters, log);
        for (int i = 0; i < batch.Records.Count; i++)
        {
            if (batch.Records[i] is not { } record)
            {
                continue;
            }

            try
            {
                await handleRecord(record);
            }
            catch (Exception e)
            {
                LogFailure(e, record, deferred: batch.Records.Count - i - 1);
                return new BatchResponse { BatchItemFailures = [new BatchItemFailure { ItemIdentifier = record.Dynamodb.SequenceNumber }] };
            }
        }

        return new BatchResponse { BatchItemFailures = [] };
    }

    private void LogFailure(Exception e, DynamoDbStreamRecord record, int deferred)
    {
        ReadOnlySpan<LogField> fields = [("sequenceNumber", record.Dynamodb.SequenceNumber), ("eventId", record.EventId), ("deferredRecords", deferred)];
        if (e is BadInputException)
        {
            log.Error("stream record rejected as bad input; reported as failed so it reaches the on-failure destination", e, fields);
        }
        else
        {
            log.Warn("stream record failed; reported as failed and retried from this record", e, fields);
        }
    }
}
