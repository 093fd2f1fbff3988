namespace Patterns.Cdk.Functions.Shared;

/// <summary>
/// Processes the records of a DynamoDB stream batch in order and builds the partial batch response.
/// A stream is checkpointed by position, so processing stops at the first failure (transient or bad input)
/// and reports that record's <c>SequenceNumber</c>: Lambda retries from it (bisecting the batch when configured) and,
/// once the retries are exhausted, sends it to the event source mapping's on-failure destination. Later records are
/// not processed twice.
/// </summary>
public sealed class StreamBatchProcessor(JsonLog log)
{
    public async Task<BatchResponse> ProcessAsync(DynamoDbStreamEvent batch, Func<DynamoDbStreamRecord, Task> handleRecord)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(handleRecord);
        for (int i = 0; i < batch.Records.Count; i++)
        {
            DynamoDbStreamRecord record = batch.Records[i];
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
