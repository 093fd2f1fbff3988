using System.Buffers.Binary;

namespace Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;

/// <summary>JPEG marker codes (ITU T.81 table B.1) used by the probe and the metadata stripper.</summary>
internal static class JpegMarker
{
    public const byte StartOfImage = 0xD8;
    public const byte EndOfImage = 0xD9;
    public const byte StartOfScan = 0xDA;
    public const byte App0 = 0xE0;
    public const byte App1 = 0xE1;
    public const byte App2 = 0xE2;
    public const byte App14 = 0xEE;
    public const byte Comment = 0xFE;

    public static ReadOnlySpan<byte> IccIdentifier => "ICC_PROFILE\0"u8;

    /// <summary>SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).</summary>
    public static bool IsStartOfFrame(byte marker) =>
        marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC;

    public static bool IsApplication(byte marker) => marker is >= 0xE0 and <= 0xEF;

    /// <summary>Markers without a length field: TEM and RST0..RST7 (SOI and EOI are handled by the callers).</summary>
    public static bool IsStandalone(byte marker) => marker is 0x01 or (>= 0xD0 and <= 0xD7);
}

/// <summary>One marker segment: <see cref="Start"/> is its first FF byte (fill bytes included), the payload follows the length field.</summary>
internal readonly record struct JpegSegment(byte Marker, int Start, int PayloadOffset, int PayloadLength)
{
    /// <summary>Offset just past the segment.</summary>
    public int End => PayloadOffset + PayloadLength;
}

/// <summary>
/// Walks the marker segments of a JPEG stream without decoding anything. Every read is bounds-checked; on
/// malformed or truncated input it stops and sets <see cref="Error"/> instead of throwing.
/// </summary>
internal ref struct JpegSegmentReader
{
    private readonly ReadOnlySpan<byte> data;

    /// <summary>Starts just after the SOI marker, which the caller has checked.</summary>
    public JpegSegmentReader(ReadOnlySpan<byte> data)
    {
        this.data = data;
        Position = 2;
    }

    /// <summary>Offset of the next unread byte.</summary>
    public int Position { get; private set; }

    /// <summary>Why reading stopped early, or null.</summary>
    public string? Error { get; private set; }

    /// <summary>Reads the marker segment at <see cref="Position"/> (a marker must start there).</summary>
    public bool TryReadHeaderSegment(out JpegSegment segment)
    {
        segment = default;
        int start = Position;
        if (Error is not null || start >= data.Length)
        {
            Error ??= "JPEG is truncated (it ends inside its header)";
            return false;
        }

        if (data[start] != 0xFF)
        {
            Error = $"JPEG is corrupt (no marker at offset {start})";
            return false;
        }

        int p = start;
        while (p < data.Length && data[p] == 0xFF)
        {
            p++;
        }

        if (p >= data.Length)
        {
            Error = "JPEG is truncated (it ends inside its header)";
            return false;
        }

        byte marker = data[p++];
        if (marker is 0x00 or JpegMarker.StartOfImage)
        {
            Error = $"JPEG is corrupt (unexpected marker FF {marker:X2} at offset {start})";
            return false;
        }

        if (marker == JpegMarker.EndOfImage || JpegMarker.IsStandalone(marker))
        {
            segment = new JpegSegment(marker, start, p, 0);
            Position = p;
            return true;
        }

        if (p + 2 > data.Length)
        {
            Error = "JPEG is truncated (it ends inside its header)";
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(data[p..]);
        if (length < 2)
        {
            Error = $"JPEG is corrupt (segment FF {marker:X2} at offset {start} has length {length})";
            return false;
        }

        if (p + length > data.Length)
        {
            Error = $"JPEG is truncated (segment FF {marker:X2} at offset {start} runs past the end)";
            return false;
        }

        segment = new JpegSegment(marker, start, p + 2, length - 2);
        Position = p + length;
        return true;
    }

    /// <summary>
    /// Skips entropy-coded data (after an SOS header) up to the next real marker, leaving <see cref="Position"/>
    /// on its first FF. Stuffed bytes (FF 00) and restart markers belong to the scan. False when the data ends first.
    /// </summary>
    public bool SkipEntropyCodedData()
    {
        int p = Position;
        while (true)
        {
            int found = p < data.Length ? data[p..].IndexOf((byte)0xFF) : -1;
            if (found < 0)
            {
                Position = data.Length;
                return false;
            }

            p += found;
            int q = p + 1;
            while (q < data.Length && data[q] == 0xFF)
            {
                q++;
            }

            if (q >= data.Length)
            {
                Position = data.Length;
                return false;
            }

            byte next = data[q];
            if (next == 0x00 || next is >= 0xD0 and <= 0xD7)
            {
                p = q + 1;
                continue;
            }

            Position = p;
            return true;
        }
    }
}
