using System.Buffers.Binary;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;

/// <summary>
/// Reads what an image header declares (format, size, EXIF orientation) without decoding a single pixel.
/// The format is identified by magic bytes only (never by key or content type). Any input that is not a
/// readable JPEG or PNG header raises <see cref="BadInputException"/>, and nothing else: the probe runs on
/// untrusted bytes and is written to be fuzz-robust (every offset is bounds-checked, nothing is allocated
/// in proportion to the input).
/// </summary>
public static class ImageProbe
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Identifies the image and reads its header.</summary>
    /// <exception cref="BadInputException">Not JPEG or PNG, or the header is truncated or malformed.</exception>
    public static ImageInfo Probe(ReadOnlySpan<byte> data) => Probe(data, out _);

    /// <summary>As <see cref="Probe(ReadOnlySpan{byte})"/>, also returning the JPEG chroma subsampling (for re-encoding alike).</summary>
    internal static ImageInfo Probe(ReadOnlySpan<byte> data, out ChromaSubsampling subsampling)
    {
        subsampling = ChromaSubsampling.Unknown;
        if (data.IsEmpty)
        {
            throw new BadInputException("content is empty, not a JPEG or PNG image");
        }

        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
        {
            return ProbeJpeg(data, out subsampling);
        }

        if (data.StartsWith(PngSignature))
        {
            return ProbePng(data);
        }

        // Name what it looks like, never echo its bytes: the reason is logged and travels with the DLQ message.
        throw new BadInputException($"content is not JPEG or PNG (it looks like {KnownFormatName(data)})");
    }

    private static ImageInfo ProbeJpeg(ReadOnlySpan<byte> data, out ChromaSubsampling subsampling)
    {
        subsampling = ChromaSubsampling.Unknown;
        int? width = null;
        int height = 0;
        int orientation = 1;
        bool exifSeen = false;
        bool hasIcc = false;

        var reader = new JpegSegmentReader(data);
        while (reader.TryReadHeaderSegment(out var segment))
        {
            if (segment.Marker is JpegMarker.StartOfScan or JpegMarker.EndOfImage)
            {
                break;
            }

            var payload = data.Slice(segment.PayloadOffset, segment.PayloadLength);
            if (JpegMarker.IsStartOfFrame(segment.Marker) && width is null)
            {
                if (payload.Length < 6)
                {
                    throw new BadInputException($"JPEG frame header at offset {segment.Start} is too short");
                }

                height = BinaryPrimitives.ReadUInt16BigEndian(payload[1..]);
                width = BinaryPrimitives.ReadUInt16BigEndian(payload[3..]);
                subsampling = ReadSubsampling(payload);
            }
            else if (segment.Marker == JpegMarker.App1 && !exifSeen && ExifReader.IsExif(payload))
            {
                // Like libjpeg and Skia, the first Exif segment wins.
                exifSeen = true;
                orientation = ExifReader.ReadOrientation(payload[ExifReader.HeaderLength..]);
            }
            else if (segment.Marker == JpegMarker.App2 && payload.StartsWith(JpegMarker.IccIdentifier))
            {
                hasIcc = true;
            }
        }

        if (width is null)
        {
            throw new BadInputException(reader.Error ?? "JPEG header is truncated (no frame header before the image data)");
        }

        if (width == 0 || height == 0)
        {
            throw new BadInputException($"JPEG declares an unsupported size {width}x{height} (a height defined later by a DNL marker is not supported)");
        }

        return new ImageInfo(ImageFormat.Jpeg, width.Value, height, orientation) { HasColorProfile = hasIcc };
    }

    private static ChromaSubsampling ReadSubsampling(ReadOnlySpan<byte> frame)
    {
        // P(1) Y(2) X(2) Nf(1), then Nf x [C(1) HV(1) Tq(1)].
        int components = frame[5];
        if (components != 3 || frame.Length < 6 + (3 * 3))
        {
            return ChromaSubsampling.Unknown;
        }

        int h0 = frame[7] >> 4, v0 = frame[7] & 0xF;
        bool chromaIsOneByOne = frame[10] == 0x11 && frame[13] == 0x11;
        return (h0, v0, chromaIsOneByOne) switch
        {
            (1, 1, true) => ChromaSubsampling.Yuv444,
            (2, 1, true) => ChromaSubsampling.Yuv422,
            (2, 2, true) => ChromaSubsampling.Yuv420,
            _ => ChromaSubsampling.Unknown,
        };
    }

    private static ImageInfo ProbePng(ReadOnlySpan<byte> data)
    {
        // Signature(8), then the first chunk must be IHDR: length(4)=13, type(4), width(4), height(4), 5 more bytes.
        const int ihdrEnd = 8 + 8 + 13;
        if (data.Length < ihdrEnd)
        {
            throw new BadInputException($"PNG header is truncated ({data.Length} bytes)");
        }

        if (BinaryPrimitives.ReadUInt32BigEndian(data[8..]) != 13 || !data.Slice(12, 4).SequenceEqual("IHDR"u8))
        {
            throw new BadInputException("PNG is corrupt (the first chunk is not a valid IHDR)");
        }

        uint width = BinaryPrimitives.ReadUInt32BigEndian(data[16..]);
        uint height = BinaryPrimitives.ReadUInt32BigEndian(data[20..]);
        if (width is 0 or > int.MaxValue || height is 0 or > int.MaxValue)
        {
            throw new BadInputException($"PNG declares an invalid size {width}x{height}");
        }

        return new ImageInfo(ImageFormat.Png, (int)width, (int)height, 1) { HasColorProfile = PngDeclaresColorSpace(data) };
    }

    private static bool PngDeclaresColorSpace(ReadOnlySpan<byte> data)
    {
        foreach (var chunk in new PngChunkReader(data))
        {
            if (chunk.Is("IDAT"u8))
            {
                return false;
            }

            if (chunk.Is("iCCP"u8) || chunk.Is("sRGB"u8) || chunk.Is("gAMA"u8) || chunk.Is("cHRM"u8) || chunk.Is("cICP"u8))
            {
                return true;
            }
        }

        return false;
    }

    private static string KnownFormatName(ReadOnlySpan<byte> data) => data switch
    {
        [(byte)'G', (byte)'I', (byte)'F', (byte)'8', ..] => "GIF",
        [(byte)'R', (byte)'I', (byte)'F', (byte)'F', _, _, _, _, (byte)'W', (byte)'E', (byte)'B', (byte)'P', ..] => "WebP",
        [_, _, _, _, (byte)'f', (byte)'t', (byte)'y', (byte)'p', ..] => "an ISO media file such as HEIC or AVIF",
        [(byte)'I', (byte)'I', 0x2A, 0x00, ..] or [(byte)'M', (byte)'M', 0x00, 0x2A, ..] => "TIFF",
        [(byte)'B', (byte)'M', ..] => "BMP",
        [(byte)'%', (byte)'P', (byte)'D', (byte)'F', ..] => "PDF",
        _ => "unrecognised content",
    };
}

/// <summary>How a 3-component JPEG stores its chroma, so that re-encoding keeps the source's colour resolution.</summary>
internal enum ChromaSubsampling
{
    Unknown,
    Yuv420,
    Yuv422,
    Yuv444,
}
