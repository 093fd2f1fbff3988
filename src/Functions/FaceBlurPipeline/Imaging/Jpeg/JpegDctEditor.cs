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
/// </summary>
internal static class JpegDctEditor
{
    private const byte Dht = 0xC4, Dri = 0xDD;

    /// <summary>
    /// The edited JPEG, or null when the image is not eligible (<see cref="JpegFrameReader"/>; then
    /// <paramref name="reason"/> says why).
    /// </summary>
    /// <param name="source">The JPEG; its EXIF orientation is the caller's business (regions are in the stored frame).</param>
    /// <param name="regions">Regions in stored pixels, with their mosaic cell size.</param>
    /// <param name="reason">Why the image is not eligible; empty when it is.</param>
    /// <param name="restartInterval">MCUs per restart interval in the output; null keeps the source's.</param>
    /// <exception cref="InvalidJpegDataException">The header was eligible but the image data is truncated or corrupt.</exception>
    public static ReadOnlyMemory<byte>? TryObscure(
        ReadOnlySpan<byte> source, IReadOnlyList<BlurRegion> regions, out string reason, int? restartInterval = null)
    {
        ArgumentNullException.ThrowIfNull(regions);
        if (restartInterval is < 0 or > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(restartInterval), restartInterval, "A restart interval is 0..65535 MCUs.");
        }

        var frame = JpegFrameReader.TryRead(source, out reason);
        if (frame is null)
        {
            return null;
        }

        foreach (var region in regions)
        {
            var r = region.Bounds;
            if (r.X < 0 || r.Y < 0 || r.Width <= 0 || r.Height <= 0 || r.Right > frame.Width || r.Bottom > frame.Height)
            {
                throw new ArgumentOutOfRangeException(nameof(regions), region, "A region must be a non-empty rectangle inside the image.");
            }
        }

        short[][] coefficients = CoefficientDecoder.Decode(source, frame);
        foreach (var region in regions)
        {
            DctMosaic.Apply(frame, coefficients, region);
        }

        return Encode(source, frame, coefficients, restartInterval ?? frame.RestartInterval);
    }

    private static ReadOnlyMemory<byte> Encode(ReadOnlySpan<byte> source, JpegFrame frame, short[][] coefficients, int restartInterval)
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
            output.WriteRaw(source[segment]);
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

    private static HuffmanEncodingTable?[] ToEncoding(HuffmanTableSpec?[] specs) =>
        [.. specs.Select(spec => spec is null ? null : new HuffmanEncodingTable(spec))];
}
