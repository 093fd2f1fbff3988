using System.Runtime.InteropServices;

namespace Patterns.Cdk.Functions.FaceBlurPipeline.Imaging.Jpeg;

/// <summary>
/// Obscures regions of a JPEG without decoding it to pixels, the way <c>jpegtran</c> edits images: entropy-decode
/// the quantized DCT coefficients, pixelate the blocks under each region (<see cref="DctMosaic"/>), and entropy-code
/// them again with Huffman tables optimised for the result. Quantization tables, frame and scan headers are copied,
/// so every block outside the regions decodes to exactly the pixels it decoded to before.
/// <para>
/// The output is SOI, the application segments the metadata policy keeps (<see cref="MetadataStripper"/>: JFIF
/// without thumbnail, ICC profile, Adobe colour transform), the quantization tables and frame header, new Huffman
/// tables, the restart interval, the scan, EOI. No Exif, GPS, XMP, IPTC or comment survives.
/// </para>
/// <para>
/// An EXIF orientation is applied first, in the coefficient domain (<see cref="DctOrientation"/>), so the output is
/// upright and the regions are in upright pixels, as on the pixel path. Orientations 5..8 swap the frame's width and
/// height and every component's sampling factors in the written SOF, and every quantization table is written
/// transposed (a table need not be symmetric: the standard luma table has 11 at (0,1) and 12 at (1,0)).
/// </para>
/// </summary>
internal static class JpegDctEditor
{
    private const byte Dht = 0xC4, Dri = 0xDD, Dqt = 0xDB;

    /// <summary>
    /// The edited JPEG, or null when the image is not eligible (<see cref="JpegFrameReader"/>; then
    /// <paramref name="reason"/> says why).
    /// </summary>
    /// <param name="source">The JPEG.</param>
    /// <param name="regions">Regions in upright pixels (after <paramref name="orientation"/>), with their mosaic cell size.</param>
    /// <param name="reason">Why the image is not eligible; empty when it is.</param>
    /// <param name="restartInterval">MCUs per restart interval in the output; null keeps the source's.</param>
    /// <param name="orientation">The EXIF orientation to apply (1..8; anything else is 1).</param>
    /// <exception cref="InvalidJpegDataException">The header was eligible but the image data is truncated or corrupt.</exception>
    public static ReadOnlyMemory<byte>? TryObscure(
        ReadOnlySpan<byte> source, IReadOnlyList<BlurRegion> regions, out string reason, int? restartInterval = null, int orientation = 1)
    {
        ArgumentNullException.ThrowIfNull(regions);
        if (restartInterval is < 0 or > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(restartInterval), restartInterval, "A restart interval is 0..65535 MCUs.");
        }

        var stored = JpegFrameReader.TryRead(source, out reason);
        if (stored is null || !DctOrientation.CanApply(stored, orientation, out reason))
        {
            return null;
        }

        var (frame, coefficients) = DctOrientation.Apply(stored, CoefficientDecoder.Decode(source, stored), orientation);
        foreach (var region in regions)
        {
            var r = region.Bounds;
            if (r.X < 0 || r.Y < 0 || r.Width <= 0 || r.Height <= 0 || r.Right > frame.Width || r.Bottom > frame.Height)
            {
                throw new ArgumentOutOfRangeException(nameof(regions), region, "A region must be a non-empty rectangle inside the image.");
            }
        }

        foreach (var region in regions)
        {
            DctMosaic.Apply(frame, coefficients, region);
        }

        return Encode(source, frame, coefficients, restartInterval ?? frame.RestartInterval, DctOrientation.Transposes(orientation));
    }

    private static ReadOnlyMemory<byte> Encode(
        ReadOnlySpan<byte> source, JpegFrame frame, short[][] coefficients, int restartInterval, bool transposed)
    {
        var (dcCounts, acCounts) = CoefficientEncoder.CountSymbols(frame, coefficients, restartInterval);
        var dcSpecs = new HuffmanTableSpec?[4];
        var acSpecs = new HuffmanTableSpec?[4];
        foreach (var component in frame.Components)
        {
            dcSpecs[component.DcTable] ??= OptimalHuffmanCode.Build(dcCounts[component.DcTable]);
            acSpecs[component.AcTable] ??= OptimalHuffmanCode.Build(acCounts[component.AcTable]);
        }

        // Optimal tables make the data a little smaller than the source's; an eighth more is ample, and it grows if not.
        var output = new EntropyBitWriter(source.Length + (source.Length / 8) + 4096);
        output.WriteRaw([0xFF, JpegMarker.StartOfImage]);
        foreach (var segment in frame.CopiedSegments)
        {
            var bytes = source[segment];
            byte marker = bytes[1];
            if (transposed && (marker == Dqt || JpegMarker.IsStartOfFrame(marker)))
            {
                output.WriteRaw(marker == Dqt ? TransposedQuantizationTables(bytes) : TransposedFrameHeader(bytes));
            }
            else
            {
                output.WriteRaw(bytes);
            }
        }

        WriteHuffmanTables(output, dcSpecs, acSpecs);
        if (restartInterval > 0)
        {
            output.WriteRaw([0xFF, Dri, 0, 4, (byte)(restartInterval >> 8), (byte)restartInterval]);
        }

        output.WriteRaw(source[frame.ScanHeader]);
        CoefficientEncoder.Write(frame, coefficients, restartInterval, ToEncoding(dcSpecs), ToEncoding(acSpecs), output);
        output.WriteRaw([0xFF, JpegMarker.EndOfImage]);
        return output.Written;
    }

    /// <summary>One DHT segment with every table: Tc/Th, 16 counts, the symbols (T.81 B.2.4.2).</summary>
    private static void WriteHuffmanTables(EntropyBitWriter output, HuffmanTableSpec?[] dc, HuffmanTableSpec?[] ac)
    {
        var tables = dc.Select((spec, id) => (Spec: spec, ClassAndId: id))
            .Concat(ac.Select((spec, id) => (Spec: spec, ClassAndId: 0x10 | id)))
            .Where(t => t.Spec is not null)
            .ToList();
        int length = 2 + tables.Sum(t => 1 + HuffmanTableSpec.MaxCodeLength + t.Spec!.Symbols.Length);
        output.WriteRaw([0xFF, Dht, (byte)(length >> 8), (byte)length]);
        foreach (var (spec, classAndId) in tables)
        {
            output.WriteRaw([(byte)classAndId]);
            output.WriteRaw(spec!.CountsByLength);
            output.WriteRaw(spec.Symbols);
        }
    }

    /// <summary>A DQT segment with every table transposed: Pq/Tq, then 64 entries of 1 or 2 bytes (T.81 B.2.4.1).</summary>
    private static byte[] TransposedQuantizationTables(ReadOnlySpan<byte> segment)
    {
        byte[] copy = segment.ToArray();
        for (int p = 4; p < copy.Length;)
        {
            bool wide = copy[p] >> 4 == 1;
            var table = segment.Slice(p + 1, wide ? 128 : 64);
            var target = copy.AsSpan(p + 1, table.Length);
            if (wide)
            {
                DctOrientation.TransposeQuantizationTable(
                    MemoryMarshal.Cast<byte, ushort>(table),
                    MemoryMarshal.Cast<byte, ushort>(target));
            }
            else
            {
                DctOrientation.TransposeQuantizationTable(table, target);
            }

            p += 1 + table.Length;
        }

        return copy;
    }

    /// <summary>A SOF segment with Y and X swapped and each component's H and V swapped (T.81 B.2.2).</summary>
    private static byte[] TransposedFrameHeader(ReadOnlySpan<byte> segment)
    {
        byte[] copy = segment.ToArray();
        (copy[5], copy[6], copy[7], copy[8]) = (copy[7], copy[8], copy[5], copy[6]);
        for (int i = 0; i < copy[9]; i++)
        {
            ref byte sampling = ref copy[10 + (3 * i) + 1];
            sampling = (byte)((sampling << 4) | (sampling >> 4));
        }

        return copy;
    }

    private static HuffmanEncodingTable?[] ToEncoding(HuffmanTableSpec?[] specs) =>
        [.. specs.Select(spec => spec is null ? null : new HuffmanEncodingTable(spec))];
}
