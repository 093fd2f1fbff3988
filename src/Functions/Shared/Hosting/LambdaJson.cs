using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Patterns.Cdk.Functions.Shared;

/// <summary>
/// Reads and writes the payloads of handlers with the <c>Task&lt;Stream&gt; HandleAsync(Stream input)</c>
/// signature, through source-generated <see cref="JsonTypeInfo{T}"/> only. Malformed JSON becomes a
/// <see cref="BadInputException"/> whose reason says what is wrong and where, and so does a null entry in any array
/// (see <see cref="NullEntryScan"/>; batch events keep theirs in <c>Records</c> for their batch processor).
/// </summary>
public static class LambdaJson
{
    /// <summary>Reads the whole invocation payload, without copying it when the runtime hands over a memory stream.</summary>
    public static async Task<ReadOnlyMemory<byte>> ReadAllAsync(Stream input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input is MemoryStream memory && memory.TryGetBuffer(out ArraySegment<byte> segment))
        {
            int start = (int)memory.Position;
            memory.Position = memory.Length;
            return segment.AsMemory(start, segment.Count - start);
        }

        using var copy = new MemoryStream();
        await input.CopyToAsync(copy);
        return copy.GetBuffer().AsMemory(0, (int)copy.Length);
    }

    /// <summary>Reads the payload and parses it as <typeparamref name="T"/>.</summary>
    public static async Task<T> ReadAsync<T>(Stream input, JsonTypeInfo<T> type) =>
        Parse((await ReadAllAsync(input)).Span, type);

    /// <summary>Parses UTF-8 JSON; anything but a valid <typeparamref name="T"/> is bad input.</summary>
    public static T Parse<T>(ReadOnlySpan<byte> utf8Json, JsonTypeInfo<T> type)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (utf8Json.IsEmpty)
        {
            throw new BadInputException($"the payload is empty (expected {type.Type.Name} JSON)");
        }

        T value;
        try
        {
            value = JsonSerializer.Deserialize(utf8Json, type) ?? throw NullPayload(type);
        }
        catch (JsonException e)
        {
            throw Malformed(e, type);
        }

        RejectNullEntries(utf8Json, type);
        return value;
    }

    /// <summary>Parses JSON held in a string (an SQS message body, for example).</summary>
    public static T Parse<T>(string json, JsonTypeInfo<T> type)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(type);
        if (string.IsNullOrWhiteSpace(json))
        {
            throw new BadInputException($"the payload is empty (expected {type.Type.Name} JSON)");
        }

        T value;
        try
        {
            value = JsonSerializer.Deserialize(json, type) ?? throw NullPayload(type);
        }
        catch (JsonException e)
        {
            throw Malformed(e, type);
        }

        RejectNullEntries(Encoding.UTF8.GetBytes(json), type);
        return value;
    }

    /// <summary>Serializes a response into a stream positioned at its start, ready to return to the runtime.</summary>
    public static MemoryStream Write<T>(T value, JsonTypeInfo<T> type)
    {
        var stream = new MemoryStream();
        JsonSerializer.Serialize(stream, value, type);
        stream.Position = 0;
        return stream;
    }

    private static void RejectNullEntries(ReadOnlySpan<byte> utf8Json, JsonTypeInfo type)
    {
        if (NullEntryScan.FirstNullEntry(utf8Json, allowTopLevelRecords: type.Type.IsAssignableTo(typeof(IRecordBatch))) is { } path)
        {
            throw new BadInputException($"the payload has a null entry at {path} (expected {type.Type.Name} JSON, whose arrays hold no nulls)");
        }
    }

    private static BadInputException NullPayload(JsonTypeInfo type) =>
        new($"the payload is JSON null (expected {type.Type.Name} JSON)");

    // JsonException messages name the position and at most one offending character, never a value.
    private static BadInputException Malformed(JsonException e, JsonTypeInfo type) =>
        new($"the payload is not valid {type.Type.Name} JSON: {e.Message}", e);
}
