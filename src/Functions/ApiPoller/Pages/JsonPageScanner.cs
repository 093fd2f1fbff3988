using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Patterns.Cdk.Functions.ApiPoller.Partner;

namespace Patterns.Cdk.Functions.ApiPoller.Pages;

/// <summary>
/// Validates a JSON document fed in chunks of any size, without ever holding the document: a <see cref="Utf8JsonReader"/>
/// resumes from its <see cref="JsonReaderState"/> at each chunk, and only the bytes of a token cut by a chunk boundary are
/// carried over. On the way it captures two top-level fields of an object document (the source's <c>totalField</c>, a
/// number, and <c>cursorField</c>, a string) and counts the items of the page: the elements of a top-level array, or of
/// the array under the top-level <c>items</c> property. A field of the same name inside a nested object is not top-level
/// and is ignored. Every string and property name must be well-formed Unicode text: valid UTF-8 (no overlong forms, no
/// encoded surrogates, no truncated sequences) and no lone surrogate in a <c>\uXXXX</c> escape; the reader alone accepts
/// both, and the consumer or any later reader would then fail on the page. Not thread-safe; one scanner per document.
/// </summary>
internal sealed class JsonPageScanner : IDisposable
{
    /// <summary>The property whose array elements are counted when the document is an object.</summary>
    public const string ItemsProperty = "items";

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 256 };

    private readonly byte[]? _totalField;
    private readonly byte[]? _cursorField;
    private JsonReaderState _state = new(ReaderOptions);
    private byte[] _carry = [];
    private int _carryLength;
    private Pending _pending;
    private int _itemDepth = -1; // depth of the counted elements; -1 while no counted array is open
    private bool _rootSeen;
    private bool _complete;
    private long _inputStart; // offset in the document of the span being read

    /// <param name="totalField">Top-level number field to capture (null: none).</param>
    /// <param name="cursorField">Top-level string field to capture (null: none).</param>
    public JsonPageScanner(string? totalField = null, string? cursorField = null)
    {
        _totalField = totalField is null ? null : Encoding.UTF8.GetBytes(totalField);
        _cursorField = cursorField is null ? null : Encoding.UTF8.GetBytes(cursorField);
    }

    private enum Pending
    {
        None,
        Total,
        Cursor,
        Items,
    }

    /// <summary>Bytes fed so far.</summary>
    public long BytesScanned { get; private set; }

    /// <summary>The top-level total field's value, when present and a whole number.</summary>
    public long? Total { get; private set; }

    /// <summary>The top-level cursor field's value; null when absent, null or not a string.</summary>
    public string? Cursor { get; private set; }

    /// <summary>Elements of the top-level array, or of the top-level <c>items</c> array; null when the page has neither.</summary>
    public long? ItemCount { get; private set; }

    /// <summary>Feeds the next chunk; <paramref name="isFinal"/> on the last one (which may be empty).</summary>
    /// <exception cref="PageRejectedException">The bytes so far cannot be (the start of) one JSON value: <see cref="FailureKind.MalformedJson"/>.</exception>
    public void Feed(ReadOnlySpan<byte> chunk, bool isFinal)
    {
        if (_complete)
        {
            throw new InvalidOperationException("The scanner has already read its final chunk.");
        }

        BytesScanned += chunk.Length;
        ReadOnlySpan<byte> input = chunk;
        if (_carryLength > 0)
        {
            EnsureCarryCapacity(_carryLength + chunk.Length);
            chunk.CopyTo(_carry.AsSpan(_carryLength));
            input = _carry.AsSpan(0, _carryLength + chunk.Length);
        }

        var reader = new Utf8JsonReader(input, isFinal, _state);
        _inputStart = BytesScanned - input.Length;
        try
        {
            while (reader.Read())
            {
                Observe(ref reader);
            }
        }
        catch (JsonException e)
        {
            // The reader's message names a position and at most one character of the input: fine for a log line.
            throw Malformed(string.Create(CultureInfo.InvariantCulture, $"not valid JSON at byte {BytesScanned - input.Length + reader.BytesConsumed}: {e.Message}"));
        }

        _state = reader.CurrentState;
        ReadOnlySpan<byte> rest = input[(int)reader.BytesConsumed..];
        if (isFinal)
        {
            _complete = true;
            ReleaseCarry();
            if (!_rootSeen)
            {
                throw Malformed("the page is empty");
            }

            return;
        }

        // Keep the bytes of the unfinished token for the next chunk (rest may alias _carry: copy within it).
        EnsureCarryCapacity(rest.Length);
        rest.CopyTo(_carry);
        _carryLength = rest.Length;
    }

    public void Dispose() => ReleaseCarry();

    private void Observe(ref Utf8JsonReader reader)
    {
        _rootSeen = true;
        JsonTokenType token = reader.TokenType;
        if (token is JsonTokenType.String or JsonTokenType.PropertyName && !IsWellFormedText(reader.ValueSpan, reader.ValueIsEscaped))
        {
            throw Malformed(string.Create(
                CultureInfo.InvariantCulture,
                $"the {(token == JsonTokenType.String ? "string" : "property name")} at byte {_inputStart + reader.TokenStartIndex} is not well-formed text (invalid UTF-8 or a lone surrogate)"));
        }

        int depth = reader.CurrentDepth;
        if (token == JsonTokenType.StartArray && depth == 0)
        {
            ItemCount = 0;
            _itemDepth = 1;
            return;
        }

        if (_itemDepth >= 0)
        {
            if (depth == _itemDepth && token is not (JsonTokenType.EndArray or JsonTokenType.EndObject))
            {
                ItemCount++;
            }
            else if (depth == _itemDepth - 1 && token == JsonTokenType.EndArray)
            {
                _itemDepth = -1;
            }
        }

        if (depth != 1)
        {
            return;
        }

        if (token == JsonTokenType.PropertyName)
        {
            _pending = reader.ValueTextEquals(ItemsProperty) ? Pending.Items
                : _totalField is not null && reader.ValueTextEquals(_totalField) ? Pending.Total
                : _cursorField is not null && reader.ValueTextEquals(_cursorField) ? Pending.Cursor
                : Pending.None;
            return;
        }

        Pending pending = _pending;
        _pending = Pending.None;
        switch (pending)
        {
            case Pending.Items when token == JsonTokenType.StartArray:
                ItemCount = 0;
                _itemDepth = 2;
                break;
            case Pending.Total when token == JsonTokenType.Number && reader.TryGetInt64(out long total) && total >= 0:
                Total = total;
                break;
            case Pending.Total:
                Total = null;
                throw Malformed("the total field is not a whole number >= 0");
            case Pending.Cursor:
                Cursor = token == JsonTokenType.String ? reader.GetString() : null;
                if (token is not (JsonTokenType.String or JsonTokenType.Null))
                {
                    throw Malformed("the cursor field is neither a string nor null");
                }

                break;
        }
    }

    /// <summary>
    /// Whether a string token's raw bytes (as in the document, escapes not decoded) are valid UTF-8 whose escapes pair
    /// every surrogate: <c>\uD83D\uDE00</c> is one character, <c>\uD800</c> alone or followed by anything else is not.
    /// </summary>
    internal static bool IsWellFormedText(ReadOnlySpan<byte> raw, bool escaped)
    {
        if (!Utf8.IsValid(raw))
        {
            return false;
        }

        if (!escaped)
        {
            return true;
        }

        bool awaitingLow = false;
        for (int i = 0; i < raw.Length; i++)
        {
            if (raw[i] != (byte)'\\')
            {
                if (awaitingLow)
                {
                    return false;
                }

                continue;
            }

            // The reader has validated the escapes: a backslash is followed by one character, or by u and four hex digits.
            if (raw[i + 1] != (byte)'u')
            {
                if (awaitingLow)
                {
                    return false;
                }

                i++;
                continue;
            }

            int unit = int.Parse(raw.Slice(i + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            i += 5;
            bool high = unit is >= 0xD800 and <= 0xDBFF;
            bool low = unit is >= 0xDC00 and <= 0xDFFF;
            if (low != awaitingLow)
            {
                return false;
            }

            awaitingLow = high;
        }

        return !awaitingLow;
    }

    private static PageRejectedException Malformed(string detail) =>
        new(new FetchFailure(FailureKind.MalformedJson, null, detail));

    private void EnsureCarryCapacity(int length)
    {
        if (_carry.Length >= length)
        {
            return;
        }

        byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(length, 4096));
        int kept = _carryLength;
        _carry.AsSpan(0, kept).CopyTo(larger);
        ReleaseCarry();
        _carry = larger;
        _carryLength = kept;
    }

    private void ReleaseCarry()
    {
        if (_carry.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_carry);
        }

        _carry = [];
        _carryLength = 0;
    }
}
