using System.Text.Json.Serialization;

namespace Patterns.Cdk.Functions.Shared;

/// <summary>
/// Reads only <c>Records[*].eventSource</c> of any event-source-mapping event, to tell an SQS event
/// (<c>aws:sqs</c>) from a DynamoDB stream event (<c>aws:dynamodb</c>) before parsing it fully.
/// </summary>
public sealed record EventSourceProbe : IRecordBatch
{
    public const string Sqs = "aws:sqs";
    public const string DynamoDb = "aws:dynamodb";

    [JsonPropertyName("Records")]
    public IReadOnlyList<EventSourceProbeRecord?>? Records { get; init; }

    /// <summary>The first non-null record's event source, or null when there is none.</summary>
    [JsonIgnore]
    public string? EventSource => Records?.FirstOrDefault(r => r is not null)?.EventSource;

    /// <summary>True when <c>Records</c> has entries and every one is null: a batch whose source cannot be told, only set aside.</summary>
    [JsonIgnore]
    public bool HasOnlyNullRecords => Records is { Count: > 0 } records && records.All(r => r is null);
}

public sealed record EventSourceProbeRecord
{
    [JsonPropertyName("eventSource")]
    public string? EventSource { get; init; }
}
