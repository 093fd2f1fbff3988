using System.Buffers.Binary;
using System.Text;
using SkiaSharp;

namespace Patterns.Cdk.Functions.Tests.FaceBlur.Worker;

/// <summary>Real encoded images, generated with SkiaSharp: a detailed pattern (so a blur is visible), and hostile inputs.</summary>
internal static class TestImages
{
    public static byte[] Jpeg(int width = 96, int height = 64) => Encode(width, height, SKEncodedImageFormat.Jpeg, 92);

    public static byte[] Png(int width = 96, int height = 64) => Encode(width, height, SKEncodedImageFormat.Png, 100);

    /// <summary>A valid PNG signature and IHDR declaring 50,000 x 50,000 pixels (2.5 gigapixels) in a few dozen bytes.</summary>
    public static byte[] PngPixelBomb()
    {
        byte[] bomb = new byte[8 + 25 + 12];
        Png().AsSpan(0, 8).CopyTo(bomb);
        BinaryPrimitives.WriteUInt32BigEndian(bomb.AsSpan(8), 13);
        "IHDR"u8.CopyTo(bomb.AsSpan(12));
        BinaryPrimitives.WriteUInt32BigEndian(bomb.AsSpan(16), 50_000);
        BinaryPrimitives.WriteUInt32BigEndian(bomb.AsSpan(20), 50_000);
        bomb[24] = 8; // bit depth
        bomb[25] = 6; // RGBA
        return bomb;
    }

    public static byte[] Text => Encoding.UTF8.GetBytes("This is not a photo; it only has a .jpg name.\n");

    private static byte[] Encode(int width, int height, SKEncodedImageFormat format, int quality)
    {
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                // A checkerboard of 2-pixel cells over a gradient: lots of high-frequency detail.
                byte cell = (byte)((((x / 2) + (y / 2)) % 2) * 160);
                bitmap.SetPixel(x, y, new SKColor((byte)(cell + (x % 64)), (byte)(255 - cell - (y % 64)), (byte)((x * y) % 256)));
            }
        }

        using SKData data = bitmap.Encode(format, quality);
        return data.ToArray();
    }
}
