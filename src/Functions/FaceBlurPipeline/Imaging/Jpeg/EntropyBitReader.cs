using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Patterns.Cdk.Functions.FaceBlurPipeline.Imaging.Jpeg;

/// <summary>
/// Reads the entropy-coded segment of a scan most significant bit first, through a 64-bit buffer whose valid bits
/// are left-aligned. Refills take eight bytes at once when none of them is FF (so no stuffed byte or marker can be
/// among them); otherwise byte by byte, turning FF 00 into FF and stopping at a marker. Past a marker or the end of
/// the data it feeds zero bytes, as decoders do, but counts them: consuming any of them means the data was
/// truncated, which <see cref="ThrowIfPastEnd"/> reports.
/// </summary>
internal ref struct EntropyBitReader
{
    private readonly ReadOnlySpan<byte> data;
    private int position;
    private ulong bits;
    private int count;
    private int paddingBytes;
    private bool atMarker;

    public EntropyBitReader(ReadOnlySpan<byte> data, int start)
    {
        this.data = data;
        position = start;
    }

    /// <summary>Makes at least 32 bits available (real or padding).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void EnsureBits()
    {
        if (count < 32)
        {
            Refill();
        }
    }

    /// <summary>The next <paramref name="n"/> (1..16) bits, not consumed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly int Peek(int n) => (int)(bits >> (64 - n));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Skip(int n)
    {
        bits <<= n;
        count -= n;
    }

    /// <summary>Reads <paramref name="n"/> (1..16) bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Read(int n)
    {
        int value = (int)(bits >> (64 - n));
        bits <<= n;
        count -= n;
        return value;
    }

    /// <summary>Throws when bits beyond the end of the entropy-coded data were consumed.</summary>
    public readonly void ThrowIfPastEnd()
    {
        if (count < paddingBytes * 8)
        {
            throw new InvalidJpegDataException("JPEG is truncated (its image data ends before the last block)");
        }
    }

    /// <summary>
    /// Ends a restart interval: drops the padding bits of the last byte and reads the restart marker RSTn that must
    /// follow, n = <paramref name="expected"/> (0..7).
    /// </summary>
    public void ReadRestartMarker(int expected)
    {
        ThrowIfPastEnd();
        if (count - (paddingBytes * 8) >= 8)
        {
            throw new InvalidJpegDataException("JPEG entropy-coded data is corrupt (extra bytes before a restart marker)");
        }

        int p = position;
        while (p + 1 < data.Length && data[p] == 0xFF && data[p + 1] == 0xFF)
        {
            p++;   // fill bytes before a marker are allowed
        }

        if (p + 1 >= data.Length || data[p] != 0xFF || data[p + 1] != 0xD0 + expected)
        {
            throw new InvalidJpegDataException($"JPEG entropy-coded data is corrupt (restart marker RST{expected} missing)");
        }

        position = p + 2;
        bits = 0;
        count = 0;
        paddingBytes = 0;
        atMarker = false;
    }

    /// <summary>
    /// Ends a scan: nothing but the padding bits of the last byte may be left before the marker that follows, and
    /// that marker must not be a restart marker (the scan's last interval has none after it).
    /// </summary>
    public readonly void ReadEndOfScan()
    {
        ThrowIfPastEnd();
        int p = position;
        if (count - (paddingBytes * 8) >= 8 || p + 1 >= data.Length || data[p] != 0xFF || data[p + 1] == 0x00)
        {
            throw new InvalidJpegDataException("JPEG entropy-coded data is corrupt (extra data at the end of a scan)");
        }

        while (p + 1 < data.Length && data[p + 1] == 0xFF)
        {
            p++;
        }

        if (p + 1 < data.Length && data[p + 1] is >= 0xD0 and <= 0xD7)
        {
            throw new InvalidJpegDataException("JPEG entropy-coded data is corrupt (a restart marker after the last interval of a scan)");
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Refill()
    {
        if (!atMarker && position + 8 <= data.Length)
        {
            ulong word = BinaryPrimitives.ReadUInt64BigEndian(data[position..]);
            if (!HasFFByte(word))
            {
                // Whole bytes that fit; the bits of the next, partly loaded, byte are its real bits too, and the next
                // refill ORs the same byte over them.
                int taken = (64 - count) >> 3;
                bits |= word >> count;
                position += taken;
                count += taken * 8;
                return;
            }
        }

        while (count <= 56)
        {
            int next = NextByte();
            bits |= (ulong)next << (56 - count);
            count += 8;
        }
    }

    private int NextByte()
    {
        if (!atMarker && position < data.Length)
        {
            byte value = data[position];
            if (value != 0xFF)
            {
                position++;
                return value;
            }

            if (position + 1 < data.Length && data[position + 1] == 0x00)
            {
                position += 2;
                return 0xFF;
            }

            atMarker = true;   // a marker (or FF at the very end): the segment's data is over
        }

        paddingBytes++;
        return 0;
    }

    /// <summary>True when any of the eight bytes of <paramref name="word"/> is FF.</summary>
    private static bool HasFFByte(ulong word)
    {
        ulong inverted = ~word;   // an FF byte becomes a zero byte
        return ((inverted - 0x0101010101010101UL) & ~inverted & 0x8080808080808080UL) != 0;
    }
}
