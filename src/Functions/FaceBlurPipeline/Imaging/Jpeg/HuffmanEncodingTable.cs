using System.Runtime.CompilerServices;

namespace Patterns.Cdk.Functions.FaceBlurPipeline.Imaging.Jpeg;

/// <summary>A Huffman table prepared for encoding: the canonical code and its length for each symbol.</summary>
internal sealed class HuffmanEncodingTable
{
    private readonly uint[] codes = new uint[256];
    private readonly byte[] lengths = new byte[256];

    public HuffmanEncodingTable(HuffmanTableSpec spec)
    {
        if (!spec.AssignCodes(out int[] assigned, out byte[] assignedLengths))
        {
            throw new ArgumentException("The Huffman table is not a prefix code.", nameof(spec));
        }

        for (int i = 0; i < spec.Symbols.Length; i++)
        {
            codes[spec.Symbols[i]] = (uint)assigned[i];
            lengths[spec.Symbols[i]] = assignedLengths[i];
        }
    }

    /// <summary>
    /// Writes <paramref name="symbol"/>'s code followed by the <paramref name="size"/> low bits of
    /// <paramref name="value"/> (negative values as value - 1, T.81 F.1.2.1), in one write of at most 27 bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(EntropyBitWriter output, int symbol, int value, int size)
    {
        uint magnitude = (uint)(value < 0 ? value - 1 : value) & ((1u << size) - 1);
        output.WriteBits((codes[symbol] << size) | magnitude, lengths[symbol] + size);
    }
}
