using System.Runtime.CompilerServices;

namespace Patterns.Cdk.Functions.FaceBlurPipeline.Imaging.Jpeg;

/// <summary>
/// A Huffman table prepared for decoding from a 64-bit bit buffer. Most codes are short, so the next
/// <see cref="LookupBits"/> bits index a table that gives the code's length and symbol in one load. For AC tables a
/// second table also fuses the coefficient that follows: when the code and its magnitude bits both fit in the
/// lookahead, one load yields the zero run, the signed value and the bits to skip. Longer codes fall back to the
/// canonical-code comparison of Annex F.2.2.3, one length at a time.
/// </summary>
internal sealed class HuffmanDecodingTable
{
    /// <summary>Bits of lookahead resolved by one table load.</summary>
    public const int LookupBits = 10;

    // (length << 8) | symbol for codes up to LookupBits long; 0 when the code is longer.
    private readonly ushort[] lookup = new ushort[1 << LookupBits];

    // For lengths LookupBits+1..16: the largest code of that length (-1 when none), and the offset that maps a code
    // of that length to its position in symbols.
    private readonly int[] maxCode = new int[HuffmanTableSpec.MaxCodeLength + 1];
    private readonly int[] symbolOffset = new int[HuffmanTableSpec.MaxCodeLength + 1];
    private readonly byte[] symbols;

    private HuffmanDecodingTable(HuffmanTableSpec spec, bool fuseCoefficients)
    {
        symbols = spec.Symbols;
        spec.AssignCodes(out int[] codes, out byte[] lengths);
        Array.Fill(maxCode, -1);
        for (int i = 0; i < symbols.Length; i++)
        {
            int length = lengths[i];
            if (length <= LookupBits)
            {
                int shift = LookupBits - length;
                int first = codes[i] << shift;
                lookup.AsSpan(first, 1 << shift).Fill((ushort)((length << 8) | symbols[i]));
            }
            else
            {
                if (maxCode[length] < 0)
                {
                    symbolOffset[length] = i - codes[i];
                }

                maxCode[length] = codes[i];
            }
        }

        if (fuseCoefficients)
        {
            FusedCoefficients = new int[1 << LookupBits];
            FuseCoefficients(FusedCoefficients);
        }
    }

    /// <summary>
    /// AC tables only: indexed like the lookup table, (value &lt;&lt; 16) | (run &lt;&lt; 8) | bits to skip, or 0 when the
    /// code is long, is an end-of-block or zero-run code, or its magnitude bits do not fit in the lookahead.
    /// </summary>
    public int[] FusedCoefficients { get; } = [];

    public static HuffmanDecodingTable ForDc(HuffmanTableSpec spec) => new(spec, fuseCoefficients: false);

    public static HuffmanDecodingTable ForAc(HuffmanTableSpec spec) => new(spec, fuseCoefficients: true);

    /// <summary>Decodes one symbol; the reader must hold at least 16 bits.</summary>
    /// <exception cref="InvalidJpegDataException">The bits are no code of this table.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int DecodeSymbol(ref EntropyBitReader reader)
    {
        int entry = lookup[reader.Peek(LookupBits)];
        if (entry != 0)
        {
            reader.Skip(entry >> 8);
            return entry & 0xFF;
        }

        return DecodeLongSymbol(ref reader);
    }

    /// <summary>The sign extension of T.81 F.2.2.1: <paramref name="bits"/> read as a coefficient of magnitude category <paramref name="size"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Extend(int bits, int size) => bits < (1 << (size - 1)) ? bits - (1 << size) + 1 : bits;

    private int DecodeLongSymbol(ref EntropyBitReader reader)
    {
        for (int length = LookupBits + 1; length <= HuffmanTableSpec.MaxCodeLength; length++)
        {
            int code = reader.Peek(length);
            if (code <= maxCode[length])
            {
                reader.Skip(length);
                return symbols[code + symbolOffset[length]];
            }
        }

        throw new InvalidJpegDataException("JPEG entropy-coded data is corrupt (a bit pattern is no code of its Huffman table)");
    }

    private void FuseCoefficients(int[] fused)
    {
        for (int bits = 0; bits < lookup.Length; bits++)
        {
            int entry = lookup[bits];
            int codeLength = entry >> 8;
            int run = (entry >> 4) & 0xF, size = entry & 0xF;
            if (entry == 0 || size == 0 || codeLength + size > LookupBits)
            {
                continue;
            }

            int magnitude = (bits >> (LookupBits - codeLength - size)) & ((1 << size) - 1);
            int value = Extend(magnitude, size);
            fused[bits] = (value << 16) | (run << 8) | (codeLength + size);
        }
    }
}
