using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Patterns.Cdk.Functions.Shared;

/// <summary>
/// Finds a JSON <c>null</c> standing as an entry of an array (<c>{"Records":[null]}</c>, <c>{"items":[{},null]}</c>).
/// No event AWS sends and no payload the handlers exchange has one, and the models cannot express it (their
/// element types are non-nullable, which System.Text.Json does not enforce for collection elements), so
/// <see cref="LambdaJson"/> rejects such a payload as bad input instead of letting a null reach the handler and fail
/// there as if it were transient. Batch events (<see cref="IRecordBatch"/>) keep nulls directly in their top-level
/// <c>Records</c> array: their batch processor sets each one aside on its own, without holding up the other records.
/// </summary>
internal static class NullEntryScan
{
    /// <summary>The JSONPath-like location of the first null array entry (<c>$.Records[0]</c>), or null when there is none.</summary>
    /// <param name="utf8Json">A payload that has already parsed as valid JSON.</param>
    /// <param name="allowTopLevelRecords">Ignore nulls directly in the root object's <c>Records</c> array.</param>
    public static string? FirstNullEntry(ReadOnlySpan<byte> utf8Json, bool allowTopLevelRecords)
    {
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 });
        var path = new List<Frame>();
        string? pendingName = null;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    pendingName = reader.GetString();
                    break;
                case JsonTokenType.StartObject:
                case JsonTokenType.StartArray:
                    AdvanceIndex(path);
                    path.Add(new Frame(pendingName, reader.TokenType == JsonTokenType.StartArray));
                    pendingName = null;
                    break;
                case JsonTokenType.EndObject:
                case JsonTokenType.EndArray:
                    path.RemoveAt(path.Count - 1);
                    break;
                case JsonTokenType.Null when path is [.., { IsArray: true }]:
                    AdvanceIndex(path);
                    if (!(allowTopLevelRecords && path is [{ IsArray: false }, { IsArray: true, Name: "Records" }]))
                    {
                        return Describe(path);
                    }

                    pendingName = null;
                    break;
                default:
                    AdvanceIndex(path);
                    pendingName = null;
                    break;
            }
        }

        return null;
    }

    // The entry being read is the next one of the enclosing array.
    private static void AdvanceIndex(List<Frame> path)
    {
        if (path is [.., { IsArray: true } array])
        {
            path[^1] = array with { Index = array.Index + 1 };
        }
    }

    private static string Describe(List<Frame> path)
    {
        var text = new StringBuilder("$");
        foreach (Frame frame in path)
        {
            if (frame.Name is { } name)
            {
                text.Append('.').Append(name);
            }

            if (frame.IsArray)
            {
                text.Append('[').Append(frame.Index.ToString(CultureInfo.InvariantCulture)).Append(']');
            }
        }

        return text.ToString();
    }

    private readonly record struct Frame(string? Name, bool IsArray, int Index = -1);
}
