using System.Buffers.Binary;

namespace Patterns.Cdk.Functions.FaceBlurPipeline.Imaging.Jpeg;

/// <summary>
/// Entropy-decodes every scan of a progressive Huffman JPEG (SOF2) exactly as T.81 Annex G prescribes and throws on
/// the first violation, because libjpeg-turbo decodes corrupt progressive data without complaint. DC first and
/// refinement scans, AC first scans (spectral selection, end-of-band runs) and AC refinement scans (correction bits
/// of the coefficients already nonzero) are all read; restart markers must come in order, and a scan must end at a
/// marker with nothing but padding bits left. Only which coefficients are nonzero is kept, one bit each (a ulong per
/// block), not their values: that is all the refinement scans depend on. Expects a stream whose structure
/// <see cref="ImageIntegrity"/> already accepted (segments fit, scans in a valid progression).
/// </summary>
internal static class ProgressiveScanVerifier
{
    private const byte Sof2 = 0xC2, Dht = 0xC4, Dri = 0xDD;

    /// <summary>Decodes every scan; returns normally when the data is sound.</summary>
    /// <exception cref="InvalidJpegDataException">A scan's entropy-coded data is truncated or corrupt.</exception>
    public static void Verify(ReadOnlySpan<byte> data)
    {
        var dcTables = new HuffmanDecodingTable?[4];
        var acTables = new HuffmanDecodingTable?[4];
        Frame? frame = null;
        int restartInterval = 0;
        var reader = new JpegSegmentReader(data);
        while (reader.TryReadHeaderSegment(out JpegSegment segment) && segment.Marker != JpegMarker.EndOfImage)
        {
            ReadOnlySpan<byte> payload = data.Slice(segment.PayloadOffset, segment.PayloadLength);
            switch (segment.Marker)
            {
                case Sof2:
                    frame = Frame.Read(payload);
                    break;
                case Dht:
                    ReadHuffmanTables(payload, dcTables, acTables);
                    break;
                case Dri:
                    restartInterval = payload.Length == 2
                        ? BinaryPrimitives.ReadUInt16BigEndian(payload)
                        : throw Corrupt("a restart interval segment is malformed");
                    break;
                case JpegMarker.StartOfScan:
                    var scan = Scan.Read(payload, frame ?? throw Corrupt("a scan comes before the progressive frame header"), dcTables, acTables);
                    var bits = new EntropyBitReader(data, reader.Position);
                    DecodeScan(ref bits, frame, scan, restartInterval);
                    bits.ReadEndOfScan();
                    if (!reader.SkipEntropyCodedData())
                    {
                        throw Corrupt("a scan runs to the end of the file");
                    }

                    break;
            }
        }

        if (reader.Error is { } error)
        {
            throw new InvalidJpegDataException($"JPEG is malformed ({error})");
        }
    }

    private static void ReadHuffmanTables(ReadOnlySpan<byte> p, HuffmanDecodingTable?[] dc, HuffmanDecodingTable?[] ac)
    {
        while (!p.IsEmpty)
        {
            int tableClass = p[0] >> 4, id = p[0] & 0xF;
            int consumed = 0;
            HuffmanTableSpec? spec = tableClass <= 1 && id <= 3 ? HuffmanTableSpec.TryRead(p[1..], out consumed) : null;
            if (spec is null)
            {
                throw Corrupt("a Huffman table is malformed");
            }

            if (tableClass == 0)
            {
                dc[id] = HuffmanDecodingTable.ForDc(spec);
            }
            else
            {
                ac[id] = HuffmanDecodingTable.ForAc(spec);
            }

            p = p[(1 + consumed)..];
        }
    }

    private static void DecodeScan(ref EntropyBitReader reader, Frame frame, Scan scan, int restartInterval)
    {
        bool interleaved = scan.Components.Length > 1;
        Component single = scan.Components[0].Component;
        int mcusPerLine = interleaved ? frame.McusPerLine : single.VisibleBlocksPerLine;
        int mcuRows = interleaved ? frame.McuRows : single.VisibleBlocksPerColumn;
        Span<int> predictors = stackalloc int[scan.Components.Length];
        int eobRun = 0, untilRestart = restartInterval, restartIndex = 0;
        for (int mcuY = 0; mcuY < mcuRows; mcuY++)
        {
            for (int mcuX = 0; mcuX < mcusPerLine; mcuX++)
            {
                if (restartInterval > 0)
                {
                    if (untilRestart == 0)
                    {
                        if (eobRun != 0)
                        {
                            throw Corrupt("an end-of-band run goes past its restart interval");
                        }

                        reader.ReadRestartMarker(restartIndex);
                        restartIndex = (restartIndex + 1) & 7;
                        predictors.Clear();
                        untilRestart = restartInterval;
                    }

                    untilRestart--;
                }

                for (int i = 0; i < scan.Components.Length; i++)
                {
                    var (component, dc, ac) = scan.Components[i];
                    int across = interleaved ? component.H : 1, down = interleaved ? component.V : 1;
                    for (int v = 0; v < down; v++)
                    {
                        int row = (mcuY * down) + v;
                        for (int h = 0; h < across; h++)
                        {
                            int block = (row * component.BlocksPerLine) + (mcuX * across) + h;
                            reader.EnsureBits();
                            if (scan.Ss == 0)
                            {
                                DecodeDc(ref reader, dc, scan, frame, ref predictors[i]);
                            }
                            else if (scan.Ah == 0)
                            {
                                DecodeAcFirst(ref reader, ac!, scan, frame, ref component.Nonzero[block], ref eobRun);
                            }
                            else
                            {
                                DecodeAcRefinement(ref reader, ac!, scan, ref component.Nonzero[block], ref eobRun);
                            }
                        }
                    }
                }
            }

            reader.ThrowIfPastEnd();
        }

        if (eobRun != 0)
        {
            throw Corrupt("an end-of-band run goes past the end of its scan");
        }
    }

    private static void DecodeDc(ref EntropyBitReader reader, HuffmanDecodingTable? table, Scan scan, Frame frame, ref int predictor)
    {
        if (scan.Ah != 0)
        {
            reader.Read(1);   // one more bit of the DC value
            return;
        }

        int size = table!.DecodeSymbol(ref reader);
        if (size == 0)
        {
            return;
        }

        if (size > frame.MaxDcSize)
        {
            throw Corrupt("a DC difference is out of range");
        }

        predictor += HuffmanDecodingTable.Extend(reader.Read(size), size);
        if (Math.Abs((long)predictor << scan.Al) > frame.MaxDcMagnitude)
        {
            throw Corrupt("a DC coefficient is out of range");
        }
    }

    private static void DecodeAcFirst(ref EntropyBitReader reader, HuffmanDecodingTable table, Scan scan, Frame frame, ref ulong nonzero, ref int eobRun)
    {
        if (eobRun > 0)
        {
            eobRun--;
            return;
        }

        for (int k = scan.Ss; k <= scan.Se; k++)
        {
            reader.EnsureBits();
            int symbol = table.DecodeSymbol(ref reader);
            int run = symbol >> 4, size = symbol & 0xF;
            if (size == 0)
            {
                if (run == 15)
                {
                    k += 15;   // ZRL: sixteen zeros, which must end inside the band
                    if (k > scan.Se)
                    {
                        throw Corrupt("a zero run goes past the end of the spectral band");
                    }

                    continue;
                }

                eobRun = (1 << run) - 1;
                if (run > 0)
                {
                    eobRun += reader.Read(run);
                }

                return;
            }

            k += run;
            if (k > scan.Se)
            {
                throw Corrupt("a zero run goes past the end of the spectral band");
            }

            if (size + scan.Al > frame.MaxAcSize)
            {
                throw Corrupt("an AC coefficient is out of range");
            }

            reader.Read(size);   // a nonzero value (no magnitude of this category is zero)
            nonzero |= 1UL << k;
        }
    }

    private static void DecodeAcRefinement(ref EntropyBitReader reader, HuffmanDecodingTable table, Scan scan, ref ulong nonzero, ref int eobRun)
    {
        int k = scan.Ss;
        if (eobRun == 0)
        {
            for (; k <= scan.Se; k++)
            {
                reader.EnsureBits();
                int symbol = table.DecodeSymbol(ref reader);
                int run = symbol >> 4, size = symbol & 0xF;
                if (size == 0 && run != 15)
                {
                    eobRun = 1 << run;
                    if (run > 0)
                    {
                        eobRun += reader.Read(run);
                    }

                    break;
                }

                if (size > 1)
                {
                    throw Corrupt("a refinement scan codes a coefficient of more than one bit");
                }

                if (size == 1)
                {
                    reader.Read(1);   // the sign of a coefficient that becomes nonzero
                }

                // Skip `run` coefficients that are still zero, reading the correction bit of every nonzero one met;
                // the new coefficient (or, for ZRL, the sixteenth zero) is the zero after them.
                while (true)
                {
                    if (k > scan.Se)
                    {
                        throw Corrupt("a zero run goes past the end of the spectral band");
                    }

                    if ((nonzero & (1UL << k)) != 0)
                    {
                        reader.EnsureBits();
                        reader.Read(1);
                    }
                    else if (--run < 0)
                    {
                        break;
                    }

                    k++;
                }

                if (size == 1)
                {
                    nonzero |= 1UL << k;
                }
            }
        }

        if (eobRun > 0)
        {
            for (; k <= scan.Se; k++)
            {
                if ((nonzero & (1UL << k)) != 0)
                {
                    reader.EnsureBits();
                    reader.Read(1);
                }
            }

            eobRun--;
        }
    }

    private static InvalidJpegDataException Corrupt(string detail) => new($"JPEG entropy-coded data is corrupt ({detail})");

    private static int CeilingDivide(int value, int divisor) => (value + divisor - 1) / divisor;

    private sealed class Component
    {
        public required int Id { get; init; }

        public required int H { get; init; }

        public required int V { get; init; }

        public required int BlocksPerLine { get; init; }

        public required int VisibleBlocksPerLine { get; init; }

        public required int VisibleBlocksPerColumn { get; init; }

        /// <summary>Per block (row by row over the MCU grid), bit k set when zig-zag coefficient k is nonzero.</summary>
        public required ulong[] Nonzero { get; init; }
    }

    private sealed class Frame
    {
        public required Component[] Components { get; init; }

        public required int McusPerLine { get; init; }

        public required int McuRows { get; init; }

        public required int MaxDcSize { get; init; }

        public required int MaxAcSize { get; init; }

        public required int MaxDcMagnitude { get; init; }

        public static Frame Read(ReadOnlySpan<byte> p)
        {
            if (p.Length < 6 || p[0] is not (8 or 12) || p[5] is < 1 or > 4 || p.Length < 6 + (3 * p[5]))
            {
                throw Corrupt("the progressive frame header is malformed");
            }

            int precision = p[0];
            int height = BinaryPrimitives.ReadUInt16BigEndian(p[1..]), width = BinaryPrimitives.ReadUInt16BigEndian(p[3..]);
            if (width == 0 || height == 0)
            {
                throw Corrupt("the progressive frame header declares no size (DNL is not supported)");
            }

            int count = p[5], hMax = 1, vMax = 1;
            for (int i = 0; i < count; i++)
            {
                int h = p[7 + (3 * i)] >> 4, v = p[7 + (3 * i)] & 0xF;
                if (h is < 1 or > 4 || v is < 1 or > 4)
                {
                    throw Corrupt("the progressive frame header declares invalid sampling factors");
                }

                hMax = Math.Max(hMax, h);
                vMax = Math.Max(vMax, v);
            }

            int mcusPerLine = CeilingDivide(width, 8 * hMax), mcuRows = CeilingDivide(height, 8 * vMax);
            var components = new Component[count];
            for (int i = 0; i < count; i++)
            {
                int h = p[7 + (3 * i)] >> 4, v = p[7 + (3 * i)] & 0xF;
                components[i] = new Component
                {
                    Id = p[6 + (3 * i)],
                    H = h,
                    V = v,
                    BlocksPerLine = mcusPerLine * h,
                    VisibleBlocksPerLine = CeilingDivide(CeilingDivide(width * h, hMax), 8),
                    VisibleBlocksPerColumn = CeilingDivide(CeilingDivide(height * v, vMax), 8),
                    Nonzero = new ulong[(long)mcusPerLine * h * mcuRows * v],
                };
            }

            // T.81 F.1.2: 8-bit samples give DC differences of at most 11 bits and AC values of at most 10 (12-bit: 15, 14).
            return new Frame
            {
                Components = components,
                McusPerLine = mcusPerLine,
                McuRows = mcuRows,
                MaxDcSize = precision + 3,
                MaxAcSize = precision + 2,
                MaxDcMagnitude = (1 << (precision + 3)) - 1,
            };
        }
    }

    private sealed class Scan
    {
        public required (Component Component, HuffmanDecodingTable? Dc, HuffmanDecodingTable? Ac)[] Components { get; init; }

        public required int Ss { get; init; }

        public required int Se { get; init; }

        public required int Ah { get; init; }

        public required int Al { get; init; }

        public static Scan Read(ReadOnlySpan<byte> p, Frame frame, HuffmanDecodingTable?[] dcTables, HuffmanDecodingTable?[] acTables)
        {
            if (p.Length < 1 || p[0] is < 1 or > 4 || p.Length != 1 + (2 * p[0]) + 3)
            {
                throw Corrupt("a scan header is malformed");
            }

            int count = p[0];
            int ss = p[1 + (2 * count)], se = p[2 + (2 * count)], ah = p[3 + (2 * count)] >> 4, al = p[3 + (2 * count)] & 0xF;
            bool dcScan = ss == 0;
            if (se > 63 || ss > se || (dcScan && se != 0) || (!dcScan && count != 1) || al > 13)
            {
                throw Corrupt("a progressive scan has an invalid spectral selection or successive approximation");
            }

            var components = new (Component, HuffmanDecodingTable?, HuffmanDecodingTable?)[count];
            int blocksPerMcu = 0;
            for (int i = 0; i < count; i++)
            {
                int id = p[1 + (2 * i)], td = p[2 + (2 * i)] >> 4, ta = p[2 + (2 * i)] & 0xF;
                Component component = Array.Find(frame.Components, c => c.Id == id)
                    ?? throw Corrupt($"a scan codes component {id}, which the frame does not have");
                HuffmanDecodingTable? dc = dcScan && ah == 0 ? (td <= 3 ? dcTables[td] : null) ?? throw UndefinedTable() : null;
                HuffmanDecodingTable? ac = !dcScan ? (ta <= 3 ? acTables[ta] : null) ?? throw UndefinedTable() : null;
                components[i] = (component, dc, ac);
                blocksPerMcu += component.H * component.V;
            }

            if (count > 1 && blocksPerMcu > 10)
            {
                throw Corrupt("an MCU of more than 10 blocks");
            }

            return new Scan { Components = components, Ss = ss, Se = se, Ah = ah, Al = al };
        }

        private static InvalidJpegDataException UndefinedTable() => Corrupt("a scan uses an undefined Huffman table");
    }
}
