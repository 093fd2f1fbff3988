using System.Text.Json;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.EventDrivenSettlement.Settlement;

/// <summary>
/// The EventBridge event an SQS message carries (the rule's target sends the whole event as the body):
/// <c>{"version":"0","id":"...","detail-type":"Fraud.Not.Detected","source":"fraud.service","account":"...","time":"...",
/// "region":"...","resources":[],"detail":{...}}</c>. Only <c>id</c>, <c>source</c>, <c>detail-type</c> and <c>detail</c>
/// are read; <see cref="Detail"/> is where the detail's JSON lies in the body, so it is validated without a copy.
/// </summary>
/// <param name="Id">The event id: the correlation id of the settlement.</param>
/// <param name="Source">For example <c>fraud.service</c>.</param>
/// <param name="DetailType">For example <c>Fraud.Not.Detected</c>.</param>
/// <param name="Detail">The range of the <c>detail</c> object in the parsed UTF-8 body.</param>
public readonly record struct EventEnvelope(string Id, string Source, string DetailType, Range Detail)
{
    /// <summary>The source of the events the settlement consumes.</summary>
    public const string FraudSource = "fraud.service";

    /// <summary>The detail type of the events the settlement consumes.</summary>
    public const string FraudNotDetected = "Fraud.Not.Detected";

    public bool IsFraudNotDetected => Source == FraudSource && DetailType == FraudNotDetected;

    /// <summary>Reads the envelope of a UTF-8 message body.</summary>
    /// <exception cref="BadInputException">The body is not JSON, or not an EventBridge event with a string id, source and detail-type and an object detail.</exception>
    public static EventEnvelope Parse(ReadOnlySpan<byte> body)
    {
        string? id = null, source = null, detailType = null;
        Range? detail = null;
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw NotAnEvent("the body is not a JSON object");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("id"u8))
                {
                    id = ReadString(ref reader, "id");
                }
                else if (reader.ValueTextEquals("source"u8))
                {
                    source = ReadString(ref reader, "source");
                }
                else if (reader.ValueTextEquals("detail-type"u8))
                {
                    detailType = ReadString(ref reader, "detail-type");
                }
                else if (reader.ValueTextEquals("detail"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        throw NotAnEvent("'detail' is not a JSON object");
                    }

                    int start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    detail = start..(int)reader.BytesConsumed;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            // Anything after the object is malformed JSON; the reader says so.
            reader.Read();
        }
        catch (JsonException e)
        {
            // The message names a line and byte position, never the content.
            throw new BadInputException("the message body is not valid JSON: " + e.Message, e);
        }

        if (id is null || source is null || detailType is null || detail is null)
        {
            string missing = string.Join(", ", new[] { ("id", id is null), ("source", source is null), ("detail-type", detailType is null), ("detail", detail is null) }.Where(m => m.Item2).Select(m => m.Item1));
            throw NotAnEvent("it lacks " + missing);
        }

        if (!CorrelationIds.IsValid(id))
        {
            // The id becomes the settlement's correlationId.
            throw NotAnEvent("its id must be " + CorrelationIds.Rule);
        }

        return new EventEnvelope(id, source, detailType, detail.Value);
    }

    private static string ReadString(ref Utf8JsonReader reader, string name)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw NotAnEvent($"'{name}' is not a string");
    }

    private static BadInputException NotAnEvent(string problem) =>
        new("the message body is not an EventBridge event: " + problem);
}
