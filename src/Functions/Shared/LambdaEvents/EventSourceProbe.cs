using System.Text.Json.Serialization;

namespace Patterns.Cdk.Functions.Shared;

/// <summary>
/// Reads only <c>Records[*].eventSource</c> of any event-source-mapping event, to tell an SQS event
/// (<c>aws:sqs</c>) from a DynamoDB stream event (<c>aws:dynamodb</c>) before parsing it fully.
/// </summary>
public sealed record EventSourceProbe
{
    public const string Sqs = "aws:sqs";
    public const string DynamoDb = "aws:dynamodb";

    [JsonPropertyName("Records")]
    public IReadOnlyList<EventSourceProbeRecord>? Records { get; init; }

    /// <summary>The first record's event source, or null when there is none.</summary>
    [JsonIgnore]
    public string? EventSource => Records is [var first, ..] ? first.EventSource : null;
}

public sealed record EventSourceProbeRecord
{
    [JsonPropertyName("eventSource")]
    public string? EventSource { get; init; }
}
