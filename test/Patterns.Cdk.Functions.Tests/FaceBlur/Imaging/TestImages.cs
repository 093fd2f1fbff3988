using System.Buffers.Binary;
using System.Text;
using Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;
using SkiaSharp;

namespace Patterns.Cdk.Functions.Tests.FaceBlur.Imaging;

/// <summary>
/// Images made by the tests themselves: a smooth gradient "photo" with high-frequency textured "faces", encoded with
/// SkiaSharp, plus metadata spliced in at the byte level (Exif with GPS, XMP, comments, PNG text chunks).
/// </summary>
internal static class TestImages
{
    public const string XmpNamespace = "http://ns.adobe.com/xap/1.0/";

    /// <summary>
    /// A smooth background whose colour tells where a pixel is (red grows left to right, green top to bottom) with
    /// a noisy checkerboard in each textured area. Opaque BGRA.
    /// </summary>
    public static SKBitmap Scene(int width, int height, IEnumerable<PixelRect> texturedAreas, int seed = 7)
    {
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Bgra8888, SKAlphaType.Opaque));
        var random = new Random(seed);
        var textured = texturedAreas.ToArray();
        var pixels = bitmap.GetPixelSpan();
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int i = ((y * width) + x) * 4;
                if (textured.Any(t => t.Contains(x, y)))
                {
                    int v = ((x / 2) + (y / 2)) % 2 == 0 ? 40 : 210;
                    pixels[i] = (byte)Math.Clamp(v + random.Next(-25, 26), 0, 255);
                    pixels[i + 1] = (byte)Math.Clamp(v + random.Next(-25, 26), 0, 255);
                    pixels[i + 2] = (byte)Math.Clamp(255 - v + random.Next(-25, 26), 0, 255);
                }
                else
                {
                    pixels[i] = 120;                                  // B
                    pixels[i + 1] = (byte)(40 + (170 * y / height));  // G
                    pixels[i + 2] = (byte)(30 + (190 * x / width));   // R
                }

                pixels[i + 3] = 255;
            }
        }

        return bitmap;
    }

    public static byte[] Jpeg(SKBitmap bitmap, int quality = 95)
    {
        using var pixmap = bitmap.PeekPixels();
        using var data = pixmap.Encode(new SKJpegEncoderOptions(quality))!;
        return data.ToArray();
    }

    public static byte[] Png(SKBitmap bitmap)
    {
        using var pixmap = bitmap.PeekPixels();
        using var data = pixmap.Encode(SKPngEncoderOptions.Default)!;
        return data.ToArray();
    }

    /// <summary>Decodes as stored (no orientation applied), BGRA, alpha unpremultiplied.</summary>
    public static SKBitmap Decode(ReadOnlyMemory<byte> encoded)
    {
        using var data = SKData.CreateCopy(encoded.Span);
        using var codec = SKCodec.Create(data) ?? throw new InvalidOperationException("not decodable");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Bgra8888, SKAlphaType.Unpremul);
        var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
        {
            bitmap.Dispose();
            throw new InvalidOperationException($"decode: {result}");
        }

        return bitmap;
    }

    /// <summary>
    /// What a camera would store for an upright picture and EXIF orientation <paramref name="orientation"/>: the
    /// stored pixel (sx, sy) is the one the viewer shows at the upright position given by the EXIF definition
    /// (written here independently of the production code).
    /// </summary>
    public static SKBitmap ToStored(SKBitmap upright, int orientation)
    {
        int uw = upright.Width, uh = upright.Height;
        bool swap = orientation >= 5;
        int sw = swap ? uh : uw, sh = swap ? uw : uh;
        var stored = new SKBitmap(new SKImageInfo(sw, sh, upright.ColorType, upright.AlphaType));
        for (int sy = 0; sy < sh; sy++)
        {
            for (int sx = 0; sx < sw; sx++)
            {
                (int ux, int uy) = orientation switch
                {
                    1 => (sx, sy),
                    2 => (sw - 1 - sx, sy),            // mirror horizontal
                    3 => (sw - 1 - sx, sh - 1 - sy),   // rotate 180
                    4 => (sx, sh - 1 - sy),            // mirror vertical
                    5 => (sy, sx),                     // transpose: row 0 is the left column
                    6 => (sh - 1 - sy, sx),            // row 0 is the right column (rotate 90 CW to view)
                    7 => (sh - 1 - sy, sw - 1 - sx),   // transverse
                    8 => (sy, sw - 1 - sx),            // row 0 is the left column, bottom up (rotate 90 CCW to view)
                    _ => throw new ArgumentOutOfRangeException(nameof(orientation)),
                };
                stored.SetPixel(sx, sy, upright.GetPixel(ux, uy));
            }
        }

        return stored;
    }

    /// <summary>A TIFF block (Exif) with the orientation in IFD0 and a GPS IFD (latitude 52° 31' 12.34" N).</summary>
    public static byte[] ExifTiff(int orientation, bool bigEndian, bool withGps = true)
    {
        var tiff = new byte[128];
        var w = new Writer(tiff, bigEndian);
        tiff[0] = tiff[1] = (byte)(bigEndian ? 'M' : 'I');
        w.U16(2, 42);
        w.U32(4, 8);

        // IFD0 at 8: [Make] [Orientation] [GPS pointer]
        int entries = withGps ? 3 : 2;
        w.U16(8, (ushort)entries);
        int e = 10;
        w.Entry(e, 0x010F, 2, 4, 0);                   // Make, ASCII "Cam\0" inline
        Encoding.ASCII.GetBytes("Cam\0").CopyTo(tiff, e + 8);
        e += 12;
        w.Entry(e, 0x0112, 3, 1, 0);                   // Orientation, SHORT, left-justified
        w.U16(e + 8, (ushort)orientation);
        e += 12;
        int gps = 10 + (entries * 12) + 4;
        if (withGps)
        {
            w.Entry(e, 0x8825, 4, 1, (uint)gps);       // GPS IFD pointer
            e += 12;
        }

        w.U32(e, 0);                                   // no next IFD
        if (!withGps)
        {
            return tiff[..(e + 4)];
        }

        // GPS IFD: LatitudeRef "N", Latitude 3 RATIONALs stored after the IFD.
        w.U16(gps, 2);
        w.Entry(gps + 2, 0x0001, 2, 2, 0);
        tiff[gps + 2 + 8] = (byte)'N';
        int rationals = gps + 2 + 24 + 4;
        w.Entry(gps + 14, 0x0002, 5, 3, (uint)rationals);
        w.U32(gps + 26, 0);
        uint[] values = [52, 1, 31, 1, 1234, 100];
        for (int i = 0; i < values.Length; i++)
        {
            w.U32(rationals + (i * 4), values[i]);
        }

        return tiff[..(rationals + 24)];
    }

    public static byte[] ExifSegment(int orientation, bool bigEndian, bool withGps = true) =>
        Segment(0xE1, [.. "Exif\0\0"u8, .. ExifTiff(orientation, bigEndian, withGps)]);

    public static byte[] XmpSegment() =>
        Segment(0xE1, [.. Encoding.ASCII.GetBytes(XmpNamespace + "\0"), .. Encoding.UTF8.GetBytes(XmpPacket)]);

    public static byte[] CommentSegment(string text) => Segment(0xFE, Encoding.UTF8.GetBytes(text));

    public static byte[] Segment(byte marker, byte[] payload)
    {
        var segment = new byte[4 + payload.Length];
        segment[0] = 0xFF;
        segment[1] = marker;
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), (ushort)(payload.Length + 2));
        payload.CopyTo(segment, 4);
        return segment;
    }

    /// <summary>Inserts segments right after SOI.</summary>
    public static byte[] InsertAfterSoi(byte[] jpeg, params byte[][] segments) =>
        [.. jpeg.AsSpan(0, 2), .. segments.SelectMany(s => s), .. jpeg.AsSpan(2)];

    public static byte[] WithOrientation(byte[] jpeg, int orientation, bool bigEndian = false) =>
        InsertAfterSoi(jpeg, ExifSegment(orientation, bigEndian));

    public static byte[] PngChunk(string type, byte[] data)
    {
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)data.Length);
        Encoding.ASCII.GetBytes(type).CopyTo(chunk, 4);
        data.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32(chunk.AsSpan(4, 4 + data.Length)));
        return chunk;
    }

    /// <summary>Inserts chunks right after IHDR (signature 8 + IHDR 25 bytes).</summary>
    public static byte[] InsertAfterIhdr(byte[] png, params byte[][] chunks) =>
        [.. png.AsSpan(0, 33), .. chunks.SelectMany(c => c), .. png.AsSpan(33)];

    /// <summary>A PNG that declares a size and has no real image data behind it.</summary>
    public static byte[] PngHeader(uint width, uint height)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;   // bit depth
        ihdr[9] = 6;   // RGBA
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. PngChunk("IHDR", ihdr), .. PngChunk("IDAT", [0x78, 0x9C, 0x03, 0x00]), .. PngChunk("IEND", [])];
    }

    /// <summary>A baseline JPEG header declaring a size, with just enough segments to be plausible.</summary>
    public static byte[] JpegHeader(ushort width, ushort height)
    {
        byte[] sof = [8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
        return [0xFF, 0xD8, .. Segment(0xDB, new byte[65]), .. Segment(0xC0, sof), .. Segment(0xDA, [3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0]), 0x12, 0x34, 0xFF, 0xD9];
    }

    public static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
            }
        }

        return crc ^ 0xFFFFFFFF;
    }

    public static bool ContainsAscii(ReadOnlyMemory<byte> haystack, string needle) =>
        haystack.Span.IndexOf(Encoding.Latin1.GetBytes(needle)) >= 0;

    /// <summary>Chunk types of a PNG, in order.</summary>
    public static IReadOnlyList<string> PngChunkTypes(ReadOnlySpan<byte> png)
    {
        var types = new List<string>();
        for (int p = 8; p + 12 <= png.Length;)
        {
            int length = (int)BinaryPrimitives.ReadUInt32BigEndian(png[p..]);
            types.Add(Encoding.ASCII.GetString(png.Slice(p + 4, 4)));
            p += 12 + length;
        }

        return types;
    }

    /// <summary>Mean absolute 4-neighbour Laplacian of the luma inside <paramref name="area"/> (border pixels excluded).</summary>
    public static double MeanAbsLaplacian(SKBitmap bitmap, PixelRect area)
    {
        double sum = 0;
        int count = 0;
        for (int y = Math.Max(area.Y, 1); y < Math.Min(area.Bottom, bitmap.Height - 1); y++)
        {
            for (int x = Math.Max(area.X, 1); x < Math.Min(area.Right, bitmap.Width - 1); x++)
            {
                double lap = (4 * Luma(bitmap, x, y)) - Luma(bitmap, x - 1, y) - Luma(bitmap, x + 1, y) - Luma(bitmap, x, y - 1) - Luma(bitmap, x, y + 1);
                sum += Math.Abs(lap);
                count++;
            }
        }

        return sum / count;
    }

    /// <summary>Mean absolute per-channel difference between two same-size images over the pixels <paramref name="include"/> accepts.</summary>
    public static double MeanAbsDifference(SKBitmap a, SKBitmap b, Func<int, int, bool> include)
    {
        a.Width.Should().Be(b.Width);
        a.Height.Should().Be(b.Height);
        double sum = 0;
        long count = 0;
        for (int y = 0; y < a.Height; y++)
        {
            for (int x = 0; x < a.Width; x++)
            {
                if (!include(x, y))
                {
                    continue;
                }

                SKColor p = a.GetPixel(x, y), q = b.GetPixel(x, y);
                sum += Math.Abs(p.Red - q.Red) + Math.Abs(p.Green - q.Green) + Math.Abs(p.Blue - q.Blue);
                count += 3;
            }
        }

        return sum / count;
    }

    /// <summary>A rectangle grown by <paramref name="by"/> pixels on every side.</summary>
    public static PixelRect Inflate(PixelRect r, int by) => new(r.X - by, r.Y - by, r.Width + (2 * by), r.Height + (2 * by));

    private static double Luma(SKBitmap bitmap, int x, int y)
    {
        var c = bitmap.GetPixel(x, y);
        return (0.299 * c.Red) + (0.587 * c.Green) + (0.114 * c.Blue);
    }

    private const string XmpPacket =
        """<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="52,31.2N"/></rdf:RDF></x:xmpmeta>""";

    private readonly ref struct Writer(Span<byte> target, bool bigEndian)
    {
        private readonly Span<byte> target = target;

        public void U16(int at, ushort value)
        {
            if (bigEndian)
            {
                BinaryPrimitives.WriteUInt16BigEndian(target[at..], value);
            }
            else
            {
                BinaryPrimitives.WriteUInt16LittleEndian(target[at..], value);
            }
        }

        public void U32(int at, uint value)
        {
            if (bigEndian)
            {
                BinaryPrimitives.WriteUInt32BigEndian(target[at..], value);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(target[at..], value);
            }
        }

        public void Entry(int at, ushort tag, ushort type, uint count, uint value)
        {
            U16(at, tag);
            U16(at + 2, type);
            U32(at + 4, count);
            U32(at + 8, value);
        }
    }
}
