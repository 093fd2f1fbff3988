namespace Patterns.Cdk.Functions.FaceBlurPipeline.Imaging.Jpeg;

/// <summary>
/// A Huffman table as a DHT segment states it (ITU T.81 B.2.4.2): how many codes there are of each length 1..16
/// and the symbols in code order. Codes are canonical (Annex C), so this is the whole table.
/// </summary>
internal sealed class HuffmanTableSpec
{
    public const int MaxCodeLength = 16;

    public HuffmanTableSpec(byte[] countsByLength, byte[] symbols)
    {
        CountsByLength = countsByLength;
        Symbols = symbols;
    }

    /// <summary>Index 0 holds the number of codes of length 1, index 15 of length 16.</summary>
    public byte[] CountsByLength { get; }

    /// <summary>Symbols in increasing code order.</summary>
    public byte[] Symbols { get; }

    /// <summary>Reads one table from <paramref name="data"/> (16 counts then the symbols); null when it is malformed.</summary>
    public static HuffmanTableSpec? TryRead(ReadOnlySpan<byte> data, out int consumed)
    {
        consumed = 0;
        if (data.Length < MaxCodeLength)
        {
            return null;
        }

        byte[] counts = data[..MaxCodeLength].ToArray();
        int total = 0;
        foreach (byte count in counts)
        {
            total += count;
        }

        if (total is 0 or > 256 || data.Length < MaxCodeLength + total)
        {
            return null;
        }

        var spec = new HuffmanTableSpec(counts, data.Slice(MaxCodeLength, total).ToArray());
        if (!spec.AssignCodes(out _, out _))
        {
            return null;
        }

        consumed = MaxCodeLength + total;
        return spec;
    }

    /// <summary>
    /// The canonical code of every symbol position (Annex C.2): codes of one length are consecutive, and the first
    /// code of the next length is (last + 1) shifted left. False when the counts over-subscribe a length (no
    /// prefix-free code exists), or when the all-ones code of some length is used (T.81 reserves it).
    /// </summary>
    public bool AssignCodes(out int[] codes, out byte[] lengths)
    {
        codes = new int[Symbols.Length];
        lengths = new byte[Symbols.Length];
        int code = 0, position = 0;
        for (int length = 1; length <= MaxCodeLength; length++)
        {
            for (int i = 0; i < CountsByLength[length - 1]; i++)
            {
                codes[position] = code;
                lengths[position] = (byte)length;
                position++;
                code++;
            }

            // One past the last code of this length: reaching 2^length means the all-ones code (or more) was used.
            if (code >= (1 << length))
            {
                return false;
            }

            code <<= 1;
        }

        return true;
    }
}
