using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;

/// <summary>
/// Removes metadata at the byte level, without decoding or re-encoding: the image data is copied bit for bit.
/// Allow-list policy (anything not listed is dropped, so new or vendor-specific metadata cannot slip through):
/// <list type="bullet">
/// <item><description>JPEG keeps the coding segments (SOFn, DHT, DQT, DAC, DRI, SOS and the entropy-coded data, EOI),
/// APP0 "JFIF" without a thumbnail, APP2 "ICC_PROFILE" (the colour profile: dropping it would shift the colours of
/// wide-gamut photos) and APP14 "Adobe" (its transform flag decides how decoders read the colour channels). Dropped:
/// APP1 (Exif with GPS, XMP), APP13 (IPTC), every other APPn including MPF and JFIF thumbnails, COM, and anything
/// after EOI (MPF secondary images, vendor trailers).</description></item>
/// <item><description>PNG keeps the critical chunks (IHDR, PLTE, IDAT, IEND) and the ones that change how pixels look
/// (tRNS, gAMA, cHRM, sRGB, iCCP, sBIT, bKGD, pHYs, cICP, mDCv, cLLi). Dropped: tEXt, zTXt, iTXt, eXIf, tIME, APNG
/// animation chunks, private chunks, and anything after IEND.</description></item>
/// </list>
/// A stream that ends inside its entropy-coded data (JPEG) or right after a complete chunk (PNG) gets its end
/// marker appended (<c>addedEnd</c> tells how many bytes): whether the image data itself is complete is for the
/// decoder to decide, on the bytes without that marker (a synthetic EOI would hide a truncated scan from libjpeg).
/// </summary>
internal static class MetadataStripper
{
    private static ReadOnlySpan<byte> EndOfImage => [0xFF, 0xD9];

    private static ReadOnlySpan<byte> IendChunk => [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82];

    public static byte[] Strip(ReadOnlySpan<byte> data, ImageFormat format, out int addedEnd) =>
        format == ImageFormat.Jpeg ? StripJpeg(data, out addedEnd) : StripPng(data, out addedEnd);

    public static byte[] StripJpeg(ReadOnlySpan<byte> data) => StripJpeg(data, out _);

    public static byte[] StripPng(ReadOnlySpan<byte> data) => StripPng(data, out _);

    public static byte[] StripJpeg(ReadOnlySpan<byte> data, out int addedEnd)
    {
        addedEnd = 0;
        var kept = new RangeList();
        kept.Add(0, 2);
        var reader = new JpegSegmentReader(data);
        bool sawFrame = false;
        while (true)
        {
            if (!reader.TryReadHeaderSegment(out var segment))
            {
                throw new BadInputException(reader.Error ?? "JPEG is truncated");
            }

            if (segment.Marker == JpegMarker.EndOfImage)
            {
                if (!sawFrame)
                {
                    throw new BadInputException("JPEG is corrupt (it ends before any image data)");
                }

                kept.Add(segment.Start, segment.End - segment.Start);
                return kept.CopyFrom(data, ReadOnlySpan<byte>.Empty);
            }

            sawFrame |= JpegMarker.IsStartOfFrame(segment.Marker);
            if (KeepJpegSegment(segment, data))
            {
                kept.Add(segment.Start, segment.End - segment.Start);
            }

            if (segment.Marker == JpegMarker.StartOfScan)
            {
                if (!sawFrame)
                {
                    throw new BadInputException("JPEG is corrupt (image data before the frame header)");
                }

                int scanStart = reader.Position;
                bool markerFollows = reader.SkipEntropyCodedData();
                kept.Add(scanStart, reader.Position - scanStart);
                if (!markerFollows)
                {
                    addedEnd = EndOfImage.Length;
                    return kept.CopyFrom(data, EndOfImage);
                }
            }
        }
    }

    public static byte[] StripPng(ReadOnlySpan<byte> data, out int addedEnd)
    {
        addedEnd = 0;
        var kept = new RangeList();
        kept.Add(0, 8);
        var reader = new PngChunkReader(data);
        while (reader.MoveNext())
        {
            var chunk = reader.Current;
            if (KeepPngChunk(chunk))
            {
                kept.Add(chunk.Start, chunk.End - chunk.Start);
            }

            if (chunk.Is("IEND"u8))
            {
                return kept.CopyFrom(data, ReadOnlySpan<byte>.Empty);
            }
        }

        if (reader.Truncated)
        {
            throw new BadInputException($"PNG is truncated (the chunk at offset {reader.Position} runs past the end)");
        }

        addedEnd = IendChunk.Length;
        return kept.CopyFrom(data, IendChunk);
    }

    /// <summary>The JPEG half of the allow-list above, shared with the DCT-domain editor so both paths keep the same segments.</summary>
    internal static bool KeepJpegSegment(JpegSegment segment, ReadOnlySpan<byte> data)
    {
        if (segment.Marker == JpegMarker.Comment)
        {
            return false;
        }

        if (!JpegMarker.IsApplication(segment.Marker))
        {
            return true;
        }

        var payload = data.Slice(segment.PayloadOffset, segment.PayloadLength);
        return segment.Marker switch
        {
            // JFIF: "JFIF\0" version(2) units(1) density(4) thumbnail width(1) height(1) [thumbnail]: keep only without a thumbnail.
            JpegMarker.App0 => payload.StartsWith("JFIF\0"u8) && payload.Length >= 14 && payload[12] == 0 && payload[13] == 0,
            JpegMarker.App2 => payload.StartsWith(JpegMarker.IccIdentifier),
            JpegMarker.App14 => payload.StartsWith("Adobe"u8),
            _ => false,
        };
    }

    private static bool KeepPngChunk(PngChunk chunk) =>
        chunk.IsCritical
        || chunk.Is("tRNS"u8) || chunk.Is("gAMA"u8) || chunk.Is("cHRM"u8) || chunk.Is("sRGB"u8) || chunk.Is("iCCP"u8)
        || chunk.Is("sBIT"u8) || chunk.Is("bKGD"u8) || chunk.Is("pHYs"u8) || chunk.Is("cICP"u8) || chunk.Is("mDCv"u8)
        || chunk.Is("cLLi"u8);

    /// <summary>Kept byte ranges of the source, merged when adjacent, copied out in one allocation.</summary>
    private sealed class RangeList
    {
        private readonly List<(int Start, int Length)> ranges = [];
        private int total;

        public void Add(int start, int length)
        {
            if (length == 0)
            {
                return;
            }

            total += length;
            if (ranges.Count > 0 && ranges[^1].Start + ranges[^1].Length == start)
            {
                ranges[^1] = (ranges[^1].Start, ranges[^1].Length + length);
                return;
            }

            ranges.Add((start, length));
        }

        public byte[] CopyFrom(ReadOnlySpan<byte> data, ReadOnlySpan<byte> suffix)
        {
            var result = GC.AllocateUninitializedArray<byte>(total + suffix.Length);
            int at = 0;
            foreach (var (start, length) in ranges)
            {
                data.Slice(start, length).CopyTo(result.AsSpan(at));
                at += length;
            }

            suffix.CopyTo(result.AsSpan(at));
            return result;
        }
    }
}
