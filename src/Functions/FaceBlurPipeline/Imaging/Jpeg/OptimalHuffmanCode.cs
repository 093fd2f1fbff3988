namespace Patterns.Cdk.Functions.FaceBlurPipeline.Imaging.Jpeg;

/// <summary>
/// Builds the Huffman table that codes a given symbol histogram in the fewest bits, by the procedure of T.81
/// Annex K.2: code lengths by repeatedly merging the two least frequent subtrees (Figure K.1), counted per length
/// (K.2), limited to 16 bits by moving codes up the tree (K.3), symbols sorted by length (K.4). One reserved symbol
/// of frequency 1 takes the longest code and is then removed, so no real symbol gets the all-ones code.
/// </summary>
internal static class OptimalHuffmanCode
{
    private const int Reserved = 256;

    /// <summary>A table for <paramref name="frequencies"/> (256 entries; at least one must be non-zero).</summary>
    public static HuffmanTableSpec Build(ReadOnlySpan<long> frequencies)
    {
        var frequency = new long[257];
        frequencies[..256].CopyTo(frequency);
        frequency[Reserved] = 1;
        int[] codeSize = CodeSizes(frequency);

        // K.2: how many codes of each length (a tree of 257 leaves is at most 256 deep).
        var countsByLength = new int[258];
        foreach (int size in codeSize)
        {
            countsByLength[size]++;
        }

        countsByLength[0] = 0;
        LimitToSixteenBits(countsByLength);

        // K.4: symbols in order of code length, ties by symbol value, without the reserved one.
        var symbols = new List<byte>();
        for (int length = 1; length < countsByLength.Length; length++)
        {
            for (int symbol = 0; symbol < 256; symbol++)
            {
                if (codeSize[symbol] == length)
                {
                    symbols.Add((byte)symbol);
                }
            }
        }

        // Lengths changed by K.3 are reassigned in this order; the counts per length are what the table states.
        var counts = new byte[HuffmanTableSpec.MaxCodeLength];
        for (int length = 1; length <= HuffmanTableSpec.MaxCodeLength; length++)
        {
            counts[length - 1] = (byte)countsByLength[length];
        }

        return new HuffmanTableSpec(counts, [.. symbols]);
    }

    /// <summary>Figure K.1: each merge of the two least frequent subtrees adds one bit to every leaf under both.</summary>
    private static int[] CodeSizes(long[] frequency)
    {
        var codeSize = new int[frequency.Length];
        var next = new int[frequency.Length];
        Array.Fill(next, -1);
        while (true)
        {
            int v1 = LeastFrequent(frequency, exclude: -1);
            int v2 = LeastFrequent(frequency, exclude: v1);
            if (v2 < 0)
            {
                return codeSize;
            }

            frequency[v1] += frequency[v2];
            frequency[v2] = 0;
            int leaf = v1;
            codeSize[leaf]++;
            while (next[leaf] >= 0)
            {
                leaf = next[leaf];
                codeSize[leaf]++;
            }

            next[leaf] = v2;   // chain v2's subtree after v1's
            leaf = v2;
            codeSize[leaf]++;
            while (next[leaf] >= 0)
            {
                leaf = next[leaf];
                codeSize[leaf]++;
            }
        }
    }

    /// <summary>The symbol of least non-zero frequency, the largest such symbol on ties (so the reserved one sinks deepest).</summary>
    private static int LeastFrequent(long[] frequency, int exclude)
    {
        int found = -1;
        for (int v = 0; v < frequency.Length; v++)
        {
            if (v != exclude && frequency[v] > 0 && (found < 0 || frequency[v] <= frequency[found]))
            {
                found = v;
            }
        }

        return found;
    }

    /// <summary>
    /// Figure K.3: while codes longer than 16 bits exist, take two leaves of the longest length, give one of them to
    /// the parent level, and hang the pair below a leaf of the deepest shorter level that has one. Then drop one code
    /// of the longest remaining length: the reserved symbol's.
    /// </summary>
    private static void LimitToSixteenBits(int[] countsByLength)
    {
        for (int i = countsByLength.Length - 1; i > HuffmanTableSpec.MaxCodeLength; i--)
        {
            while (countsByLength[i] > 0)
            {
                int j = i - 2;
                while (countsByLength[j] == 0)
                {
                    j--;
                }

                countsByLength[i] -= 2;
                countsByLength[i - 1]++;
                countsByLength[j + 1] += 2;
                countsByLength[j]--;
            }
        }

        int longest = HuffmanTableSpec.MaxCodeLength;
        while (countsByLength[longest] == 0)
        {
            longest--;
        }

        countsByLength[longest]--;
    }
}
