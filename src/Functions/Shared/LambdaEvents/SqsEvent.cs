using System.Text.Json.Serialization;

namespace Patterns.Cdk.Functions.Shared;

/// <summary>The event an SQS event source mapping sends to Lambda.</summary>
public sealed record SqsEvent : IRecordBatch
{
    /// <summary>The messages; an entry is null only in a hand-made payload, and <see cref="SqsBatchProcessor"/> sets it aside.</summary>
    [JsonPropertyName("Records")]
    public required IReadOnlyList<SqsMessage?> Records { get; init; }
}

public sealed record SqsMessage
{
    [JsonPropertyName("messageId")]
    public required string MessageId { get; init; }

    [JsonPropertyName("receiptHandle")]
    public string? ReceiptHandle { get; init; }

    [JsonPropertyName("body")]
    public required string Body { get; init; }

    [JsonPropertyName("attributes")]
    public SqsSystemAttributes? Attributes { get; init; }

    [JsonPropertyName("messageAttributes")]
    public IReadOnlyDictionary<string, SqsMessageAttributeValue>? MessageAttributes { get; init; }

    [JsonPropertyName("md5OfBody")]
    public string? Md5OfBody { get; init; }

    [JsonPropertyName("md5OfMessageAttributes")]
    public string? Md5OfMessageAttributes { get; init; }

    [JsonPropertyName("eventSource")]
    public string? EventSource { get; init; }

    [JsonPropertyName("eventSourceARN")]
    public string? EventSourceArn { get; init; }

    [JsonPropertyName("awsRegion")]
    public string? AwsRegion { get; init; }
}

/// <summary>The system attributes SQS attaches to a message (all values are strings on the wire).</summary>
public sealed record SqsSystemAttributes
{
    [JsonPropertyName("ApproximateReceiveCount")]
    public string? ApproximateReceiveCount { get; init; }

    [JsonPropertyName("SentTimestamp")]
    public string? SentTimestamp { get; init; }

    [JsonPropertyName("SenderId")]
    public string? SenderId { get; init; }

    [JsonPropertyName("ApproximateFirstReceiveTimestamp")]
    public string? ApproximateFirstReceiveTimestamp { get; init; }

    [JsonPropertyName("AWSTraceHeader")]
    public string? AwsTraceHeader { get; init; }

    [JsonPropertyName("MessageGroupId")]
    public string? MessageGroupId { get; init; }

    [JsonPropertyName("MessageDeduplicationId")]
    public string? MessageDeduplicationId { get; init; }

    [JsonPropertyName("SequenceNumber")]
    public string? SequenceNumber { get; init; }
}

/// <summary>A user message attribute. Binary values are base64 strings on the wire.</summary>
public sealed record SqsMessageAttributeValue
{
    [JsonPropertyName("stringValue")]
    public string? StringValue { get; init; }

    [JsonPropertyName("binaryValue")]
    public string? BinaryValue { get; init; }

    [JsonPropertyName("stringListValues")]
    public IReadOnlyList<string>? StringListValues { get; init; }

    [JsonPropertyName("binaryListValues")]
    public IReadOnlyList<string>? BinaryListValues { get; init; }

    [JsonPropertyName("dataType")]
    public string? DataType { get; init; }
}
