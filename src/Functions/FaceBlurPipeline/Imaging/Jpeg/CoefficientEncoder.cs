using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Patterns.Cdk.Functions.FaceBlurPipeline.Imaging.Jpeg;

/// <summary>
/// Entropy-codes quantized coefficients as one sequential Huffman scan (T.81 F.1.2) in two passes: the first counts
/// the symbols each table will code, from which <see cref="OptimalHuffmanCode"/> builds the tables; the second writes
/// the bits. Blocks are walked in the same MCU order, with the same restart intervals, as they were decoded.
/// </summary>
internal static class CoefficientEncoder
{
    // Worst case of one block: 64 symbols of 16 + 11 bits, every byte stuffed.
    private const int MaxBytesPerBlock = 64 * 27 * 2 / 8;

    // A DC difference of 8-bit samples needs at most 11 magnitude bits (T.81 F.1.2.1).
    private const int MaxDcSize = 11;

    /// <summary>Counts symbols per table id: DC then AC histograms, 256 entries each, for ids 0..3.</summary>
    public static (long[][] Dc, long[][] Ac) CountSymbols(JpegFrame frame, short[][] coefficients, int restartInterval)
    {
        var counter = new SymbolCounter
        {
            Dc = [new long[256], new long[256], new long[256], new long[256]],
            Ac = [new long[256], new long[256], new long[256], new long[256]],
        };
        Walk(frame, coefficients, restartInterval, ref counter);
        return (counter.Dc, counter.Ac);
    }

    /// <summary>Writes the scan's entropy-coded data, restart markers included, with the given tables.</summary>
    public static void Write(
        JpegFrame frame, short[][] coefficients, int restartInterval, HuffmanEncodingTable?[] dc, HuffmanEncodingTable?[] ac, EntropyBitWriter output)
    {
        int blocksPerMcu = frame.Components.Sum(c => c.McuBlocksAcross * c.McuBlocksDown);
        var writer = new SymbolWriter { Dc = dc, Ac = ac, Output = output, McuRoom = (blocksPerMcu * MaxBytesPerBlock) + 16 };
        Walk(frame, coefficients, restartInterval, ref writer);
        output.FlushBits();
    }

    /// <summary>
    /// Visits every block in MCU order and reports its symbols: the DC difference's size category, then each run of
    /// zeros and the non-zero AC coefficient ending it (ZRL for every 16 zeros), then EOB unless coefficient 63 is
    /// non-zero. Non-zero coefficients are found with a SIMD compare that yields a 64-bit mask of the block.
    /// </summary>
    private static void Walk<TSink>(JpegFrame frame, short[][] coefficients, int restartInterval, ref TSink sink)
        where TSink : struct, ISymbolSink
    {
        var components = frame.Components;
        Span<int> predictors = stackalloc int[components.Count];
        int untilRestart = restartInterval, restartIndex = 0;
        for (int mcuY = 0; mcuY < frame.McuRows; mcuY++)
        {
            for (int mcuX = 0; mcuX < frame.McusPerLine; mcuX++)
            {
                if (restartInterval > 0)
                {
                    if (untilRestart == 0)
                    {
                        sink.Restart(restartIndex);
                        restartIndex = (restartIndex + 1) & 7;
                        predictors.Clear();
                        untilRestart = restartInterval;
                    }

                    untilRestart--;
                }

                sink.BeginMcu();
                for (int c = 0; c < components.Count; c++)
                {
                    var component = components[c];
                    short[] store = coefficients[c];
                    for (int v = 0; v < component.McuBlocksDown; v++)
                    {
                        int row = (mcuY * component.McuBlocksDown) + v;
                        int first = ((row * component.BlocksPerLine) + (mcuX * component.McuBlocksAcross)) * 64;
                        for (int h = 0; h < component.McuBlocksAcross; h++)
                        {
                            var block = store.AsSpan(first + (h * 64), 64);
                            int dc = block[0];
                            sink.Dc(component.DcTable, dc - predictors[c]);
                            predictors[c] = dc;
                            WalkAc(block, component.AcTable, ref sink);
                        }
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WalkAc<TSink>(ReadOnlySpan<short> block, int table, ref TSink sink)
        where TSink : struct, ISymbolSink
    {
        ulong nonZero = NonZeroMask(block) & ~1UL;
        int last = 0;
        while (nonZero != 0)
        {
            int k = BitOperations.TrailingZeroCount(nonZero);
            int run = k - last - 1;
            while (run > 15)
            {
                sink.ZeroRun(table);
                run -= 16;
            }

            sink.Ac(table, run, block[k]);
            last = k;
            nonZero &= nonZero - 1;
        }

        if (last != 63)
        {
            sink.EndOfBlock(table);
        }
    }

    /// <summary>Bit k set when coefficient k is not zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong NonZeroMask(ReadOnlySpan<short> block)
    {
        ref short start = ref MemoryMarshal.GetReference(block);
        ulong zero = 0;
        for (int i = 0; i < 64; i += 16)
        {
            var low = Vector128.Equals(Vector128.LoadUnsafe(ref start, (nuint)i), Vector128<short>.Zero);
            var high = Vector128.Equals(Vector128.LoadUnsafe(ref start, (nuint)(i + 8)), Vector128<short>.Zero);
            uint bits = Vector128.Narrow(low, high).ExtractMostSignificantBits();
            zero |= (ulong)bits << i;
        }

        return ~zero;
    }

    /// <summary>Magnitude category of a coefficient: the number of bits of |value| (T.81 F.1.2.1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SizeOf(int value) => 32 - BitOperations.LeadingZeroCount((uint)Math.Abs(value));

    private interface ISymbolSink
    {
        void BeginMcu();

        void Restart(int index);

        void Dc(int table, int difference);

        void Ac(int table, int run, int value);

        void ZeroRun(int table);

        void EndOfBlock(int table);
    }

    private struct SymbolCounter : ISymbolSink
    {
        public long[][] Dc;
        public long[][] Ac;

        public readonly void BeginMcu()
        {
        }

        public readonly void Restart(int index)
        {
        }

        readonly void ISymbolSink.Dc(int table, int difference)
        {
            int size = SizeOf(difference);
            if (size > MaxDcSize)
            {
                // Only possible from corrupt data that decoded to DC values no 8-bit image has.
                throw new InvalidJpegDataException("JPEG entropy-coded data is corrupt (DC values out of range)");
            }

            Dc[table][size]++;
        }

        readonly void ISymbolSink.Ac(int table, int run, int value) => Ac[table][(run << 4) | SizeOf(value)]++;

        public readonly void ZeroRun(int table) => Ac[table][0xF0]++;

        public readonly void EndOfBlock(int table) => Ac[table][0x00]++;
    }

    private struct SymbolWriter : ISymbolSink
    {
        public HuffmanEncodingTable?[] Dc;
        public HuffmanEncodingTable?[] Ac;
        public EntropyBitWriter Output;
        public int McuRoom;

        public readonly void BeginMcu() => Output.EnsureRoom(McuRoom);

        public readonly void Restart(int index)
        {
            Output.FlushBits();
            Output.WriteRaw([0xFF, (byte)(0xD0 + index)]);
        }

        readonly void ISymbolSink.Dc(int table, int difference)
        {
            int size = SizeOf(difference);
            Dc[table]!.Write(Output, size, difference, size);
        }

        readonly void ISymbolSink.Ac(int table, int run, int value)
        {
            int size = SizeOf(value);
            Ac[table]!.Write(Output, (run << 4) | size, value, size);
        }

        public readonly void ZeroRun(int table) => Ac[table]!.Write(Output, 0xF0, 0, 0);

        public readonly void EndOfBlock(int table) => Ac[table]!.Write(Output, 0x00, 0, 0);
    }
}
