using System.Text.Json.Serialization;

namespace Patterns.Cdk.Functions.AwsStandIns;

// The parts of EventBridge's PutEvents wire format (JSON 1.1 protocol) AmazonEventBridgeClientStandIn reads and writes.
// Request:  {"Entries":[{"Source":"s","DetailType":"t","Detail":"{...}","EventBusName":"b","Resources":["arn"],"Time":1.7E9}]}
// Response: {"FailedEntryCount":1,"Entries":[{"EventId":"11710aed-..."},{"ErrorCode":"InternalFailure","ErrorMessage":"..."}]}

/// <summary>A PutEvents call (the SDK's <c>PutEventsRequest</c>).</summary>
public sealed class PutEventsRequest
{
    /// <summary>1 to 10 events.</summary>
    [JsonPropertyName("Entries")]
    public required IReadOnlyList<PutEventsRequestEntry> Entries { get; init; }
}

/// <summary>One event (the SDK's <c>PutEventsRequestEntry</c>).</summary>
public sealed class PutEventsRequestEntry
{
    /// <summary>The event's source (<c>source</c> in the event).</summary>
    [JsonPropertyName("Source")]
    public required string Source { get; init; }

    /// <summary>The event's <c>detail-type</c>.</summary>
    [JsonPropertyName("DetailType")]
    public required string DetailType { get; init; }

    /// <summary>The event's <c>detail</c>: a JSON object, as a string.</summary>
    [JsonPropertyName("Detail")]
    public required string Detail { get; init; }

    /// <summary>The bus's name or ARN; null (not written) for the account's default bus.</summary>
    [JsonPropertyName("EventBusName")]
    public string? EventBusName { get; init; }

    /// <summary>ARNs the event concerns; null (not written) for none.</summary>
    [JsonPropertyName("Resources")]
    public IReadOnlyList<string>? Resources { get; init; }

    /// <summary>The event's time; null (not written) for the time EventBridge receives it.</summary>
    [JsonPropertyName("Time")]
    [JsonConverter(typeof(EpochSecondsConverter))]
    public DateTimeOffset? Time { get; init; }
}

/// <summary>The answer of PutEvents (the SDK's <c>PutEventsResponse</c>).</summary>
public sealed class PutEventsResponse
{
    /// <summary>How many entries were refused.</summary>
    [JsonPropertyName("FailedEntryCount")]
    public int FailedEntryCount { get; init; }

    /// <summary>One result per entry, in the request's order.</summary>
    [JsonPropertyName("Entries")]
    public IReadOnlyList<PutEventsResultEntry>? Entries { get; init; }
}

/// <summary>The result of one entry: an <c>EventId</c>, or an <c>ErrorCode</c> and <c>ErrorMessage</c>.</summary>
public sealed class PutEventsResultEntry
{
    [JsonPropertyName("EventId")]
    public string? EventId { get; init; }

    [JsonPropertyName("ErrorCode")]
    public string? ErrorCode { get; init; }

    [JsonPropertyName("ErrorMessage")]
    public string? ErrorMessage { get; init; }
}

/// <summary>awsJson 1.1 writes timestamps as epoch seconds (a number).</summary>
internal sealed class EpochSecondsConverter : JsonConverter<DateTimeOffset?>
{
    public override DateTimeOffset? Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) =>
        reader.TokenType == System.Text.Json.JsonTokenType.Null ? null : DateTimeOffset.FromUnixTimeMilliseconds((long)(reader.GetDouble() * 1000));

    public override void Write(System.Text.Json.Utf8JsonWriter writer, DateTimeOffset? value, System.Text.Json.JsonSerializerOptions options)
    {
        if (value is { } time)
        {
            writer.WriteNumberValue(time.ToUnixTimeMilliseconds() / 1000m);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PutEventsRequest))]
[JsonSerializable(typeof(PutEventsResponse))]
internal sealed partial class EventBridgeJsonContext : JsonSerializerContext;
