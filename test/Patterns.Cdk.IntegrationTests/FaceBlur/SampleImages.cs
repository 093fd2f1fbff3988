using System.Buffers.Binary;
using System.Text;
using SkiaSharp;

namespace Patterns.Cdk.IntegrationTests.FaceBlur;

/// <summary>
/// Real photos-to-be, generated with SkiaSharp: a detailed pattern (a blur shows as lost detail) carrying metadata a
/// phone would add (an EXIF block with a location in the description for JPEG, a tEXt chunk for PNG), plus hostile inputs.
/// </summary>
internal static class SampleImages
{
    public const int Width = 320;
    public const int Height = 240;

    /// <summary>Text inside the metadata that must never reach the destination.</summary>
    public const string MetadataMarker = "GPS 48.8584N 2.2945E home-of-the-subject";

    public static byte[] JpegWithExif() => InsertExif(Encode(SKEncodedImageFormat.Jpeg, 95));

    public static byte[] PngWithText() => InsertPngText(Encode(SKEncodedImageFormat.Png, 100));

    /// <summary>The first half of a JPEG: a valid header, then the entropy-coded data stops.</summary>
    public static byte[] TruncatedJpeg()
    {
        byte[] jpeg = JpegWithExif();
        return jpeg[..(jpeg.Length / 2)];
    }

    /// <summary>A JPEG start-of-image marker followed by noise: no frame header at all.</summary>
    public static byte[] CorruptJpeg()
    {
        byte[] bytes = new byte[4096];
        new Random(42).NextBytes(bytes);
        bytes[0] = 0xFF;
        bytes[1] = 0xD8;
        bytes[2] = 0xFF;
        bytes[3] = 0x01; // TEM: a marker without payload, then garbage where segments should be
        return bytes;
    }

    /// <summary>A valid PNG signature and IHDR declaring 60,000 x 60,000 pixels (3.6 gigapixels), a few dozen bytes in all.</summary>
    public static byte[] PngPixelBomb()
    {
        byte[] header = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(header, 60_000);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), 60_000);
        header[8] = 8; // bit depth
        header[9] = 6; // RGBA
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        WriteChunk(png, "IHDR", header);
        WriteChunk(png, "IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    public static byte[] TextNamedJpg => Encoding.UTF8.GetBytes("Meeting notes, not a photo. Saved as notes.jpg by mistake.\n");

    public static SKBitmap Decode(byte[] encoded) => SKBitmap.Decode(encoded) ?? throw new InvalidOperationException("Not decodable.");

    /// <summary>Mean absolute difference of horizontally adjacent pixels (all channels) inside a rectangle: how much detail it holds.</summary>
    public static double Detail(SKBitmap image, SKRectI area)
    {
        double sum = 0;
        long count = 0;
        for (int y = area.Top; y < area.Bottom; y++)
        {
            for (int x = area.Left; x < area.Right - 1; x++)
            {
                SKColor a = image.GetPixel(x, y);
                SKColor b = image.GetPixel(x + 1, y);
                sum += Math.Abs(a.Red - b.Red) + Math.Abs(a.Green - b.Green) + Math.Abs(a.Blue - b.Blue);
                count += 3;
            }
        }

        return sum / count;
    }

    /// <summary>Mean absolute difference between two images over the pixels for which <paramref name="include"/> holds.</summary>
    public static double MeanDifference(SKBitmap a, SKBitmap b, Func<int, int, bool> include)
    {
        double sum = 0;
        long count = 0;
        for (int y = 0; y < a.Height; y++)
        {
            for (int x = 0; x < a.Width; x++)
            {
                if (include(x, y))
                {
                    SKColor p = a.GetPixel(x, y);
                    SKColor q = b.GetPixel(x, y);
                    sum += Math.Abs(p.Red - q.Red) + Math.Abs(p.Green - q.Green) + Math.Abs(p.Blue - q.Blue);
                    count += 3;
                }
            }
        }

        return sum / count;
    }

    /// <summary>Whether a JPEG carries an APP1 Exif segment (or the bytes of one anywhere).</summary>
    public static bool HasExif(byte[] image) => image.AsSpan().IndexOf("Exif\0\0"u8) >= 0;

    public static bool ContainsMarker(byte[] image) => image.AsSpan().IndexOf(Encoding.ASCII.GetBytes(MetadataMarker)) >= 0;

    private static byte[] Encode(SKEncodedImageFormat format, int quality)
    {
        using var bitmap = new SKBitmap(Width, Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                // 2-pixel checkerboard over colour gradients: strong, even detail everywhere.
                int cell = (((x / 2) + (y / 2)) % 2) * 140;
                bitmap.SetPixel(x, y, new SKColor((byte)(cell + (x * 100 / Width)), (byte)(cell + (y * 100 / Height)), (byte)(200 - cell / 2)));
            }
        }

        using SKData data = bitmap.Encode(format, quality);
        return data.ToArray();
    }

    // APP1 "Exif\0\0" + big-endian TIFF with one IFD: ImageDescription (the marker) and Orientation = 1.
    private static byte[] InsertExif(byte[] jpeg)
    {
        byte[] description = Encoding.ASCII.GetBytes(MetadataMarker + "\0");
        using var tiff = new MemoryStream();
        using (var writer = new BinaryWriter(tiff, Encoding.ASCII, leaveOpen: true))
        {
            writer.Write("MM\0*"u8);
            WriteUInt32(writer, 8); // IFD offset
            WriteUInt16(writer, 2); // entries
            WriteEntry(writer, 0x010E, type: 2, count: (uint)description.Length, value: 8 + 2 + (2 * 12) + 4); // ImageDescription, ASCII, at the offset after the IFD
            WriteEntry(writer, 0x0112, type: 3, count: 1, value: 1u << 16); // Orientation = 1 (SHORT, left-justified)
            WriteUInt32(writer, 0); // no next IFD
            writer.Write(description);
        }

        byte[] payload = [.. "Exif\0\0"u8, .. tiff.ToArray()];
        byte[] segment = new byte[4 + payload.Length];
        segment[0] = 0xFF;
        segment[1] = 0xE1;
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), (ushort)(payload.Length + 2));
        payload.CopyTo(segment, 4);
        return [.. jpeg.AsSpan(0, 2), .. segment, .. jpeg.AsSpan(2)];
    }

    private static void WriteEntry(BinaryWriter writer, ushort tag, ushort type, uint count, uint value)
    {
        WriteUInt16(writer, tag);
        WriteUInt16(writer, type);
        WriteUInt32(writer, count);
        WriteUInt32(writer, value);
    }

    private static void WriteUInt16(BinaryWriter writer, ushort value)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        writer.Write(bytes);
    }

    private static void WriteUInt32(BinaryWriter writer, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        writer.Write(bytes);
    }

    // A tEXt chunk right after IHDR (signature 8 + IHDR 25 bytes).
    private static byte[] InsertPngText(byte[] png)
    {
        using var chunk = new MemoryStream();
        WriteChunk(chunk, "tEXt", [.. "Comment\0"u8, .. Encoding.ASCII.GetBytes(MetadataMarker)]);
        return [.. png.AsSpan(0, 33), .. chunk.ToArray(), .. png.AsSpan(33)];
    }

    private static void WriteChunk(Stream stream, string type, byte[] data)
    {
        byte[] typeAndData = [.. Encoding.ASCII.GetBytes(type), .. data];
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(number, (uint)data.Length);
        stream.Write(number);
        stream.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(number, Crc32(typeAndData));
        stream.Write(number);
    }

    private static uint Crc32(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int i = 0; i < 8; i++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }

        return ~crc;
    }
}
