using System.Buffers.Binary;

namespace Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;

/// <summary>One PNG chunk: <see cref="Start"/> is its length field; it spans 12 + data length bytes.</summary>
internal readonly ref struct PngChunk(ReadOnlySpan<byte> type, int start, int dataLength)
{
    public ReadOnlySpan<byte> Type { get; } = type;

    public int Start { get; } = start;

    public int DataLength { get; } = dataLength;

    /// <summary>Offset just past the CRC.</summary>
    public int End => Start + 12 + DataLength;

    /// <summary>Critical chunks (first letter upper case) must be understood by a decoder.</summary>
    public bool IsCritical => (Type[0] & 0x20) == 0;

    public bool Is(ReadOnlySpan<byte> name) => Type.SequenceEqual(name);
}

/// <summary>
/// Enumerates PNG chunks after the signature without inflating anything. Stops (and reports why) at the first
/// chunk that does not fit in the data; never throws.
/// </summary>
internal ref struct PngChunkReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> data = data;
    private int next = 8;

    public PngChunk Current { get; private set; }

    /// <summary>Offset after the last complete chunk read.</summary>
    public readonly int Position => next;

    /// <summary>True when enumeration stopped because a chunk header or body runs past the end of the data.</summary>
    public bool Truncated { get; private set; }

    public readonly PngChunkReader GetEnumerator() => this;

    public bool MoveNext()
    {
        if (next >= data.Length)
        {
            return false;
        }

        if (next + 8 > data.Length)
        {
            Truncated = true;
            return false;
        }

        uint length = BinaryPrimitives.ReadUInt32BigEndian(data[next..]);
        if (length > int.MaxValue || length + 12L > data.Length - (long)next)
        {
            Truncated = true;
            return false;
        }

        Current = new PngChunk(data.Slice(next + 4, 4), next, (int)length);
        next += 12 + (int)length;
        return true;
    }
}
