using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Patterns.Cdk.Functions.FaceBlurPipeline.Imaging.Jpeg;

/// <summary>
/// Writes a JPEG: raw header bytes, then entropy-coded bits most significant first through a 64-bit accumulator,
/// 32 bits at a time, with a 00 stuffed after every FF byte of coded data (T.81 F.1.2.3). Four bytes without an FF
/// (nearly always) are stored in one write. The buffer grows as needed; the caller checks room per MCU.
/// </summary>
internal sealed class EntropyBitWriter
{
    private byte[] buffer;
    private int length;
    private ulong accumulator;
    private int pending;   // valid bits at the bottom of the accumulator, 0..31 between writes

    public EntropyBitWriter(int capacity) => buffer = GC.AllocateUninitializedArray<byte>(Math.Max(capacity, 1024));

    /// <summary>What has been written so far (no copy).</summary>
    public ReadOnlyMemory<byte> Written => new(buffer, 0, length);

    /// <summary>Makes room for at least <paramref name="bytes"/> more bytes.</summary>
    public void EnsureRoom(int bytes)
    {
        if (buffer.Length - length < bytes)
        {
            Array.Resize(ref buffer, Math.Max(buffer.Length + (buffer.Length / 2), length + bytes));
        }
    }

    /// <summary>Header bytes, copied as they are (no pending bits allowed).</summary>
    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        EnsureRoom(bytes.Length);
        bytes.CopyTo(buffer.AsSpan(length));
        length += bytes.Length;
    }

    /// <summary>Appends the low <paramref name="count"/> (0..32) bits of <paramref name="bits"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteBits(uint bits, int count)
    {
        accumulator = (accumulator << count) | bits;
        pending += count;
        if (pending >= 32)
        {
            pending -= 32;
            WriteWord((uint)(accumulator >> pending));
        }
    }

    /// <summary>Pads the last byte with 1 bits (T.81 F.1.2.3) and writes out what is pending.</summary>
    public void FlushBits()
    {
        int pad = (8 - (pending & 7)) & 7;
        accumulator = (accumulator << pad) | ((1u << pad) - 1);
        pending += pad;
        while (pending > 0)
        {
            pending -= 8;
            WriteCodedByte((byte)(accumulator >> pending));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WriteWord(uint word)
    {
        uint inverted = ~word;   // an FF byte becomes a zero byte
        if (((inverted - 0x01010101u) & ~inverted & 0x80808080u) == 0)
        {
            BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(length, 4), word);
            length += 4;
            return;
        }

        WriteCodedByte((byte)(word >> 24));
        WriteCodedByte((byte)(word >> 16));
        WriteCodedByte((byte)(word >> 8));
        WriteCodedByte((byte)word);
    }

    private void WriteCodedByte(byte value)
    {
        buffer[length++] = value;
        if (value == 0xFF)
        {
            buffer[length++] = 0x00;
        }
    }
}
