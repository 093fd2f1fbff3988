using System.Text.Json.Serialization;

namespace Patterns.Cdk.Functions.Shared;

/// <summary>The event a DynamoDB stream event source mapping sends to Lambda.</summary>
public sealed record DynamoDbStreamEvent : IRecordBatch
{
    /// <summary>The records in shard order; an entry is null only in a hand-made payload, and <see cref="StreamBatchProcessor"/> sets it aside.</summary>
    [JsonPropertyName("Records")]
    public required IReadOnlyList<DynamoDbStreamRecord?> Records { get; init; }
}

public sealed record DynamoDbStreamRecord
{
    [JsonPropertyName("eventID")]
    public string? EventId { get; init; }

    /// <summary><c>INSERT</c>, <c>MODIFY</c> or <c>REMOVE</c>.</summary>
    [JsonPropertyName("eventName")]
    public required string EventName { get; init; }

    [JsonPropertyName("eventVersion")]
    public string? EventVersion { get; init; }

    [JsonPropertyName("eventSource")]
    public string? EventSource { get; init; }

    [JsonPropertyName("eventSourceARN")]
    public string? EventSourceArn { get; init; }

    [JsonPropertyName("awsRegion")]
    public string? AwsRegion { get; init; }

    [JsonPropertyName("dynamodb")]
    public required StreamChange Dynamodb { get; init; }
}

/// <summary>The change itself. Which images are present depends on <see cref="StreamViewType"/>.</summary>
public sealed record StreamChange
{
    [JsonPropertyName("ApproximateCreationDateTime")]
    public double? ApproximateCreationDateTime { get; init; }

    [JsonPropertyName("Keys")]
    public IReadOnlyDictionary<string, StreamAttributeValue>? Keys { get; init; }

    [JsonPropertyName("NewImage")]
    public IReadOnlyDictionary<string, StreamAttributeValue>? NewImage { get; init; }

    [JsonPropertyName("OldImage")]
    public IReadOnlyDictionary<string, StreamAttributeValue>? OldImage { get; init; }

    /// <summary>The record's position in its shard; the item identifier of a stream batch failure.</summary>
    [JsonPropertyName("SequenceNumber")]
    public required string SequenceNumber { get; init; }

    [JsonPropertyName("SizeBytes")]
    public long? SizeBytes { get; init; }

    /// <summary><c>KEYS_ONLY</c>, <c>NEW_IMAGE</c>, <c>OLD_IMAGE</c> or <c>NEW_AND_OLD_IMAGES</c>.</summary>
    [JsonPropertyName("StreamViewType")]
    public string? StreamViewType { get; init; }
}

/// <summary>
/// A DynamoDB attribute value in its JSON wire form: exactly one member is set
/// (numbers stay strings, binary values stay base64 strings).
/// </summary>
public sealed record StreamAttributeValue
{
    [JsonPropertyName("S")]
    public string? S { get; init; }

    [JsonPropertyName("N")]
    public string? N { get; init; }

    [JsonPropertyName("B")]
    public string? B { get; init; }

    [JsonPropertyName("BOOL")]
    public bool? Bool { get; init; }

    [JsonPropertyName("NULL")]
    public bool? Null { get; init; }

    [JsonPropertyName("M")]
    public IReadOnlyDictionary<string, StreamAttributeValue>? M { get; init; }

    [JsonPropertyName("L")]
    public IReadOnlyList<StreamAttributeValue>? L { get; init; }

    [JsonPropertyName("SS")]
    public IReadOnlyList<string>? SS { get; init; }

    [JsonPropertyName("NS")]
    public IReadOnlyList<string>? NS { get; init; }

    [JsonPropertyName("BS")]
    public IReadOnlyList<string>? BS { get; init; }
}
