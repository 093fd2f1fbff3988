using System.Buffers.Binary;

namespace Patterns.Cdk.Functions.FaceBlurPipeline.Imaging.Jpeg;

/// <summary>
/// Reads the header of a JPEG (everything up to the first scan's data) and decides whether the DCT-domain editor can
/// handle it. Eligible: SOF0 or SOF1 (Huffman, sequential), 8-bit samples, 1..4 components with sampling factors that
/// divide the largest one, and a first scan that holds every component over the full spectrum, so it is the only
/// scan. Everything else (progressive, arithmetic coding, lossless, hierarchical, 12-bit, several scans, a malformed
/// or incomplete header) is "not eligible" with a reason, never an exception: the pixel path then decides.
/// </summary>
internal static class JpegFrameReader
{
    private const byte Dqt = 0xDB, Dht = 0xC4, Dri = 0xDD, Sof0 = 0xC0, Sof1 = 0xC1;
    private const int MaxBlocksPerMcu = 10;   // T.81 B.2.3

    /// <summary>The frame of an eligible JPEG, or null with <paramref name="reason"/> saying why it is not eligible.</summary>
    public static JpegFrame? TryRead(ReadOnlySpan<byte> data, out string reason)
    {
        if (data.Length < 4 || data[0] != 0xFF || data[1] != JpegMarker.StartOfImage)
        {
            reason = "not a JPEG stream";
            return null;
        }

        var state = new HeaderState();
        var reader = new JpegSegmentReader(data);
        while (reader.TryReadHeaderSegment(out var segment))
        {
            var payload = data.Slice(segment.PayloadOffset, segment.PayloadLength);
            var whole = new Range(segment.Start, segment.End);
            string? problem = segment.Marker switch
            {
                Sof0 or Sof1 => state.ReadFrame(payload, whole),
                Dht => state.ReadHuffmanTables(payload),
                Dqt => state.ReadQuantizationTables(payload, whole),
                Dri => state.ReadRestartInterval(payload),
                JpegMarker.StartOfScan => state.ReadScan(payload, whole, segment.End),
                JpegMarker.Comment => null,
                _ when JpegMarker.IsApplication(segment.Marker) => state.KeepIfAllowed(segment, data, whole),
                _ when JpegMarker.IsStartOfFrame(segment.Marker) => $"frame type FF {segment.Marker:X2} ({FrameKind(segment.Marker)}) is not supported",
                _ => $"marker FF {segment.Marker:X2} before the image data is not supported",
            };
            if (problem is not null)
            {
                reason = problem;
                return null;
            }

            if (segment.Marker == JpegMarker.StartOfScan)
            {
                return state.Build(out reason);
            }
        }

        reason = reader.Error ?? "the header ends before the image data";
        return null;
    }

    private static string FrameKind(byte marker) => marker switch
    {
        0xC2 => "progressive",
        0xC3 => "lossless",
        >= 0xC9 and <= 0xCB or >= 0xCD => "arithmetic coding",
        _ => "hierarchical",
    };

    private static int CeilingDivide(int value, int divisor) => (value + divisor - 1) / divisor;

    /// <summary>What has been read so far; each Read method returns a reason when the header is not eligible.</summary>
    private sealed class HeaderState
    {
        private readonly HuffmanTableSpec?[] dcTables = new HuffmanTableSpec?[4];
        private readonly HuffmanTableSpec?[] acTables = new HuffmanTableSpec?[4];
        private readonly bool[] quantizationDefined = new bool[4];
        private readonly List<Range> copied = [];
        private (int Id, int H, int V, int Tq)[]? frameComponents;
        private (int FrameIndex, int Dc, int Ac)[]? scanComponents;
        private int width, height, restartInterval, entropyStart;
        private Range scanHeader;

        public string? ReadFrame(ReadOnlySpan<byte> p, Range whole)
        {
            if (frameComponents is not null)
            {
                return "the header has two frame headers";
            }

            if (p.Length < 6 || p[0] != 8)
            {
                return p.Length < 6 ? "the frame header is too short" : $"{p[0]}-bit samples are not supported";
            }

            height = BinaryPrimitives.ReadUInt16BigEndian(p[1..]);
            width = BinaryPrimitives.ReadUInt16BigEndian(p[3..]);
            int count = p[5];
            if (width == 0 || height == 0 || count is < 1 or > 4 || p.Length < 6 + (3 * count))
            {
                return "the frame header is malformed or declares an unsupported size or component count";
            }

            var components = new (int Id, int H, int V, int Tq)[count];
            for (int i = 0; i < count; i++)
            {
                var c = p.Slice(6 + (3 * i), 3);
                components[i] = (c[0], c[1] >> 4, c[1] & 0xF, c[2]);
                if (components[i].H is < 1 or > 4 || components[i].V is < 1 or > 4 || components[i].Tq > 3)
                {
                    return "the frame header declares invalid sampling factors or quantization tables";
                }

                for (int j = 0; j < i; j++)
                {
                    if (components[j].Id == components[i].Id)
                    {
                        return "two components share an id";
                    }
                }
            }

            int hMax = components.Max(c => c.H), vMax = components.Max(c => c.V);
            if (components.Any(c => hMax % c.H != 0 || vMax % c.V != 0))
            {
                return "sampling factors that do not divide the largest one are not supported";
            }

            frameComponents = components;
            copied.Add(whole);
            return null;
        }

        public string? ReadHuffmanTables(ReadOnlySpan<byte> p)
        {
            while (!p.IsEmpty)
            {
                int tableClass = p[0] >> 4, id = p[0] & 0xF;
                if (tableClass > 1 || id > 3)
                {
                    return "a Huffman table has an invalid class or id";
                }

                var spec = HuffmanTableSpec.TryRead(p[1..], out int consumed);
                if (spec is null)
                {
                    return "a Huffman table is malformed";
                }

                (tableClass == 0 ? dcTables : acTables)[id] = spec;
                p = p[(1 + consumed)..];
            }

            return null;
        }

        public string? ReadQuantizationTables(ReadOnlySpan<byte> p, Range whole)
        {
            while (!p.IsEmpty)
            {
                int precision = p[0] >> 4, id = p[0] & 0xF;
                int size = 1 + (precision == 0 ? 64 : 128);
                if (precision > 1 || id > 3 || p.Length < size)
                {
                    return "a quantization table is malformed";
                }

                quantizationDefined[id] = true;
                p = p[size..];
            }

            copied.Add(whole);
            return null;
        }

        public string? ReadRestartInterval(ReadOnlySpan<byte> p)
        {
            if (p.Length != 2)
            {
                return "the restart interval segment is malformed";
            }

            restartInterval = BinaryPrimitives.ReadUInt16BigEndian(p);
            return null;
        }

        public string? KeepIfAllowed(JpegSegment segment, ReadOnlySpan<byte> data, Range whole)
        {
            if (MetadataStripper.KeepJpegSegment(segment, data))
            {
                copied.Add(whole);
            }

            return null;
        }

        public string? ReadScan(ReadOnlySpan<byte> p, Range whole, int end)
        {
            if (frameComponents is null)
            {
                return "the image data starts before the frame header";
            }

            if (p.Length < 1 || p[0] != frameComponents.Length || p.Length != 1 + (2 * p[0]) + 3)
            {
                return "the first scan does not hold every component (several scans are not supported)";
            }

            var scan = new (int FrameIndex, int Dc, int Ac)[p[0]];
            for (int i = 0; i < scan.Length; i++)
            {
                int id = p[1 + (2 * i)], tables = p[2 + (2 * i)];
                int index = Array.FindIndex(frameComponents, c => c.Id == id);
                if (index < 0 || scan[..i].Any(s => s.FrameIndex == index))
                {
                    return "the scan names an unknown or repeated component";
                }

                scan[i] = (index, tables >> 4, tables & 0xF);
                if (scan[i].Dc > 3 || scan[i].Ac > 3 || dcTables[scan[i].Dc] is null || acTables[scan[i].Ac] is null)
                {
                    return "the scan uses an undefined Huffman table";
                }

                if (!quantizationDefined[frameComponents[index].Tq])
                {
                    return "a component uses an undefined quantization table";
                }
            }

            var spectral = p[^3..];
            if (spectral[0] != 0 || spectral[1] != 63 || spectral[2] != 0)
            {
                return "the scan is not a full-spectrum sequential scan";
            }

            scanComponents = scan;
            scanHeader = whole;
            entropyStart = end;
            return null;
        }

        public JpegFrame? Build(out string reason)
        {
            var frame = frameComponents!;
            var scan = scanComponents!;
            int hMax = frame.Max(c => c.H), vMax = frame.Max(c => c.V);
            bool interleaved = scan.Length > 1;
            if (interleaved && frame.Sum(c => c.H * c.V) > MaxBlocksPerMcu)
            {
                reason = "an MCU of more than 10 blocks is not allowed";
                return null;
            }

            // An interleaved scan codes whole MCUs of Hmax x Vmax blocks' worth of pixels (T.81 A.2.3); a
            // single-component scan codes just the blocks that hold samples, one block per MCU (A.2.2).
            int mcusPerLine = (width + (8 * hMax) - 1) / (8 * hMax);
            int mcuRows = (height + (8 * vMax) - 1) / (8 * vMax);
            var components = new List<JpegComponent>(scan.Length);
            foreach (var s in scan)
            {
                var c = frame[s.FrameIndex];
                int visibleAcross = (CeilingDivide(width * c.H, hMax) + 7) / 8;
                int visibleDown = (CeilingDivide(height * c.V, vMax) + 7) / 8;
                components.Add(new JpegComponent
                {
                    Id = c.Id,
                    H = c.H,
                    V = c.V,
                    DcTable = s.Dc,
                    AcTable = s.Ac,
                    VisibleBlocksPerLine = visibleAcross,
                    VisibleBlocksPerColumn = visibleDown,
                    BlocksPerLine = interleaved ? mcusPerLine * c.H : visibleAcross,
                    BlocksPerColumn = interleaved ? mcuRows * c.V : visibleDown,
                    BlockWidthPixels = 8 * hMax / c.H,
                    BlockHeightPixels = 8 * vMax / c.V,
                    McuBlocksAcross = interleaved ? c.H : 1,
                    McuBlocksDown = interleaved ? c.V : 1,
                });
            }

            if (components.Any(c => (long)c.BlocksPerLine * c.BlocksPerColumn * 64 > Array.MaxLength))
            {
                // Only reachable with a pixel limit far above the default; the pixel path then decides.
                reason = "the image is too large for one coefficient array per component";
                return null;
            }

            reason = "";
            return new JpegFrame
            {
                Width = width,
                Height = height,
                Components = components,
                McusPerLine = interleaved ? mcusPerLine : components[0].VisibleBlocksPerLine,
                McuRows = interleaved ? mcuRows : components[0].VisibleBlocksPerColumn,
                RestartInterval = restartInterval,
                DcTables = dcTables,
                AcTables = acTables,
                CopiedSegments = copied,
                ScanHeader = scanHeader,
                EntropyStart = entropyStart,
            };
        }
    }
}
