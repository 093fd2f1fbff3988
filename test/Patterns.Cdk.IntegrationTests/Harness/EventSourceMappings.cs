using System.Text.Json.Nodes;
using Amazon.SQS;
using Amazon.SQS.Model;

namespace Patterns.Cdk.IntegrationTests.Harness;

/// <summary>Invokes a function on behalf of an event source; returns its response, or the error it failed with.</summary>
public delegate Task<(string? Response, Exception? Error)> FunctionInvoker(string functionId, InvocationSource source, Cause cause, int records, string payload);

/// <summary>
/// An SQS event source mapping: receives up to BatchSize messages, drops those the filter rejects, invokes the function
/// with the SQS event, deletes what succeeded and, for the failures (all of them on a function error, or the partial
/// batch response's items), lets the visibility timeout elapse at once so the queue's own redrive policy counts the receives.
/// </summary>
public sealed class SqsEventSourceMapping(IAmazonSQS sqs, FunctionInvoker invoke, string functionId, string queueUrl, string queueArn,
    int batchSize, bool reportBatchItemFailures, EventFilter filter)
{
    /// <summary>One poll; false when the queue had nothing.</summary>
    public async Task<bool> PollAsync()
    {
        ReceiveMessageResponse received = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest
        {
            QueueUrl = queueUrl,
            MaxNumberOfMessages = Math.Min(batchSize, 10),
            WaitTimeSeconds = 0,
            MessageSystemAttributeNames = ["All"],
            MessageAttributeNames = ["All"],
        });
        if (received.Messages is not { Count: > 0 } messages)
        {
            return false;
        }

        var batch = new List<(Message Message, JsonObject Record)>();
        foreach (Message message in messages)
        {
            JsonObject record = Record(message);
            if (filter.Matches(record))
            {
                batch.Add((message, record));
            }
            else
            {
                await sqs.DeleteMessageAsync(queueUrl, message.ReceiptHandle); // Lambda drops filtered-out messages.
            }
        }

        if (batch.Count == 0)
        {
            return true;
        }

        var payload = new JsonObject { ["Records"] = new JsonArray(batch.Select(b => (JsonNode)b.Record).ToArray()) };
        Cause cause = S3NotificationEmulator.CauseOfPayload(batch[0].Message.Body);
        (string? response, Exception? error) = await invoke(functionId, InvocationSource.Sqs, cause, batch.Count, payload.ToJsonString());
        HashSet<string> failed = error is not null
            ? batch.Select(b => b.Message.MessageId).ToHashSet()
            : reportBatchItemFailures ? BatchResponses.FailedItems(response) : [];
        foreach ((Message message, _) in batch)
        {
            if (failed.Contains(message.MessageId))
            {
                await sqs.ChangeMessageVisibilityAsync(queueUrl, message.ReceiptHandle, 0);
            }
            else
            {
                await sqs.DeleteMessageAsync(queueUrl, message.ReceiptHandle);
            }
        }

        return true;
    }

    private JsonObject Record(Message message)
    {
        var attributes = new JsonObject();
        foreach ((string name, string value) in message.Attributes ?? [])
        {
            attributes[name] = value;
        }

        var messageAttributes = new JsonObject();
        foreach ((string name, MessageAttributeValue value) in message.MessageAttributes ?? [])
        {
            messageAttributes[name] = new JsonObject
            {
                ["stringValue"] = value.StringValue,
                ["stringListValues"] = new JsonArray(),
                ["binaryListValues"] = new JsonArray(),
                ["dataType"] = value.DataType,
            };
        }

        return new JsonObject
        {
            ["messageId"] = message.MessageId,
            ["receiptHandle"] = message.ReceiptHandle,
            ["body"] = message.Body,
            ["attributes"] = attributes,
            ["messageAttributes"] = messageAttributes,
            ["md5OfBody"] = message.MD5OfBody,
            ["eventSource"] = "aws:sqs",
            ["eventSourceARN"] = queueArn,
            ["awsRegion"] = EmulatorFixture.Region,
        };
    }
}

/// <summary>
/// A DynamoDB stream event source mapping over a <see cref="DynamoStreamEmulator"/>: drops records the filter rejects,
/// invokes the function with up to BatchSize records, checkpoints before the first failed record and retries from it;
/// after MaximumRetryAttempts retries it sends the failure record to the on-failure destination and moves on.
/// </summary>
public sealed class StreamEventSourceMapping(IAmazonSQS sqs, FunctionInvoker invoke, string functionId, string functionName, DynamoStreamEmulator stream,
    int batchSize, int maxRetries, bool reportBatchItemFailures, EventFilter filter, string? onFailureUrl)
{
    private readonly Dictionary<string, int> _attempts = new(StringComparer.Ordinal);

    public DynamoStreamEmulator Stream => stream;

    /// <summary>Records whose retries were exhausted (sent to the on-failure destination, if any, and skipped).</summary>
    public List<StreamRecord> Exhausted { get; } = [];

    /// <summary>One poll; false when no record was waiting.</summary>
    public async Task<bool> PollAsync()
    {
        List<StreamRecord> pending = stream.Pending;
        pending.RemoveAll(r => !filter.Matches(r.Record)); // Filtered-out records never reach the function.
        if (pending.Count == 0)
        {
            return false;
        }

        List<StreamRecord> batch = pending.Take(batchSize).ToList();
        var payload = new JsonObject { ["Records"] = new JsonArray(batch.Select(r => (JsonNode)r.Record.DeepClone()).ToArray()) };
        (string? response, Exception? error) = await invoke(functionId, InvocationSource.Stream, batch[0].Cause, batch.Count, payload.ToJsonString());
        HashSet<string> failures = error is not null ? [batch[0].SequenceNumber] : reportBatchItemFailures ? BatchResponses.FailedItems(response) : [];
        int firstFailed = batch.FindIndex(r => failures.Contains(r.SequenceNumber));
        if (failures.Count > 0 && firstFailed < 0)
        {
            firstFailed = 0; // An unknown item identifier fails the whole batch.
        }

        if (firstFailed < 0)
        {
            pending.RemoveRange(0, batch.Count);
            return true;
        }

        pending.RemoveRange(0, firstFailed);
        StreamRecord failed = pending[0];
        int attempts = _attempts[failed.SequenceNumber] = _attempts.GetValueOrDefault(failed.SequenceNumber) + 1;
        if (maxRetries >= 0 && attempts > maxRetries)
        {
            pending.RemoveAt(0);
            Exhausted.Add(failed);
            if (onFailureUrl is not null)
            {
                await sqs.SendMessageAsync(onFailureUrl, OnFailureRecords.ForStream(functionName, stream.StreamArn, failed.SequenceNumber, attempts, error));
            }
        }

        return true;
    }
}

/// <summary>Partial batch responses: <c>{"batchItemFailures":[{"itemIdentifier":"..."}]}</c>.</summary>
internal static class BatchResponses
{
    public static HashSet<string> FailedItems(string? response) =>
        string.IsNullOrWhiteSpace(response) || JsonNode.Parse(response)?["batchItemFailures"] is not JsonArray items
            ? []
            : items.Select(i => (string?)i?["itemIdentifier"] ?? "").ToHashSet();
}
