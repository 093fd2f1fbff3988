namespace Patterns.Cdk.Functions.FaceBlurPipeline.Imaging.Jpeg;

/// <summary>
/// Entropy-decodes the one scan of an eligible JPEG into quantized DCT coefficients (T.81 F.2.2), block by block
/// in MCU order, honouring restart intervals. Nothing is dequantized or transformed: the coefficients are stored
/// exactly as coded, so the ones the editor leaves alone are re-encoded bit for bit.
/// </summary>
internal static class CoefficientDecoder
{
    // 8-bit baseline: DC differences need at most 11 magnitude bits, AC coefficients at most 10 (T.81 F.1.2).
    private const int MaxDcSize = 11, MaxAcSize = 10;

    // Quantized DC values of 8-bit samples lie within -1024..1023 (range of the DCT) divided by a quantizer >= 1.
    private const int MaxDcMagnitude = 2047;

    /// <summary>Decodes every block; one array per component of <see cref="JpegFrame.Components"/>.</summary>
    /// <exception cref="InvalidJpegDataException">The entropy-coded data is truncated or corrupt.</exception>
    public static short[][] Decode(ReadOnlySpan<byte> data, JpegFrame frame)
    {
        var components = frame.Components;
        var coefficients = new short[components.Count][];
        var dc = new HuffmanDecodingTable[components.Count];
        var ac = new HuffmanDecodingTable[components.Count];
        for (int c = 0; c < components.Count; c++)
        {
            coefficients[c] = components[c].AllocateCoefficients();
            dc[c] = HuffmanDecodingTable.ForDc(frame.DcTables[components[c].DcTable]!);
            ac[c] = HuffmanDecodingTable.ForAc(frame.AcTables[components[c].AcTable]!);
        }

        Span<int> predictors = stackalloc int[components.Count];
        var reader = new EntropyBitReader(data, frame.EntropyStart);
        int interval = frame.RestartInterval, untilRestart = interval, restartIndex = 0;
        for (int mcuY = 0; mcuY < frame.McuRows; mcuY++)
        {
            for (int mcuX = 0; mcuX < frame.McusPerLine; mcuX++)
            {
                if (interval > 0)
                {
                    if (untilRestart == 0)
                    {
                        reader.ReadRestartMarker(restartIndex);
                        restartIndex = (restartIndex + 1) & 7;
                        predictors.Clear();
                        untilRestart = interval;
                    }

                    untilRestart--;
                }

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
                            DecodeBlock(ref reader, dc[c], ac[c], ref predictors[c], store.AsSpan(first + (h * 64), 64));
                        }
                    }
                }
            }

            // Garbage decodes as well as data does: stop at the first row that ran out of real bits.
            reader.ThrowIfPastEnd();
        }

        return coefficients;
    }

    private static void DecodeBlock(ref EntropyBitReader reader, HuffmanDecodingTable dcTable, HuffmanDecodingTable acTable, ref int predictor, Span<short> block)
    {
        reader.EnsureBits();
        int size = dcTable.DecodeSymbol(ref reader);
        if (size != 0)
        {
            if (size > MaxDcSize)
            {
                throw Corrupt("a DC difference is out of range");
            }

            predictor += HuffmanDecodingTable.Extend(reader.Read(size), size);
            if (predictor is > MaxDcMagnitude or < -MaxDcMagnitude)
            {
                throw Corrupt("a DC coefficient is out of range");
            }
        }

        block[0] = (short)predictor;
        int[] fused = acTable.FusedCoefficients;
        int k = 1;
        while (k < 64)
        {
            reader.EnsureBits();
            int entry = fused[reader.Peek(HuffmanDecodingTable.LookupBits)];
            if (entry != 0)
            {
                k += (entry >> 8) & 0xF;
                if (k > 63)
                {
                    throw Corrupt("a block has more than 64 coefficients");
                }

                block[k++] = (short)(entry >> 16);
                reader.Skip(entry & 0xFF);
                continue;
            }

            int symbol = acTable.DecodeSymbol(ref reader);
            int run = symbol >> 4;
            size = symbol & 0xF;
            if (size == 0)
            {
                if (run != 15)
                {
                    break;   // end of block: the rest are zeros (the store is zeroed)
                }

                k += 16;     // ZRL: sixteen zeros
                continue;
            }

            k += run;
            if (k > 63 || size > MaxAcSize)
            {
                throw Corrupt(k > 63 ? "a block has more than 64 coefficients" : "an AC coefficient is out of range");
            }

            block[k++] = (short)HuffmanDecodingTable.Extend(reader.Read(size), size);
        }

        if (k > 64)
        {
            throw Corrupt("a block has more than 64 coefficients");
        }
    }

    private static InvalidJpegDataException Corrupt(string detail) => new($"JPEG entropy-coded data is corrupt ({detail})");
}
