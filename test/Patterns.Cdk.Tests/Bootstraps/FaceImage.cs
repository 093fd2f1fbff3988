using FluentAssertions;
using SkiaSharp;

namespace Patterns.Cdk.Tests.Bootstraps;

/// <summary>
/// The face blur worker's input under qemu: a PNG checkerboard of single black and white pixels, with Rekognition
/// reporting one face in its middle. Pixelation averages the checkerboard to grey inside the face region and leaves
/// every pixel far from it exactly as it was, which the test checks on the PNG the worker put back (decoded with
/// SkiaSharp, as the worker encodes it).
/// </summary>
internal static class FaceImage
{
    public const int Width = 160;
    public const int Height = 120;

    /// <summary>One face: 40% of the width and height, centred.</summary>
    public const string DetectFacesAnswer = """
        {"FaceDetails":[{"BoundingBox":{"Width":0.4,"Height":0.4,"Left":0.3,"Top":0.3},"Confidence":99.9}],"OrientationCorrection":"ROTATE_0"}
        """;

    private static readonly Lazy<byte[]> Png = new(Encode);

    public static byte[] Checkerboard() => Png.Value;

    public static void AssertFaceIsPixelated(byte[] png)
    {
        png.Should().NotBeNull("the worker puts the blurred image to the destination bucket");
        using SKBitmap? bitmap = SKBitmap.Decode(png);
        bitmap.Should().NotBeNull("the output is a PNG SkiaSharp can decode");
        bitmap!.Width.Should().Be(Width);
        bitmap.Height.Should().Be(Height);

        // Inside the face (its central half): no pixel is black or white any more, all are close to the mean grey.
        for (int y = 48; y < 72; y++)
        {
            for (int x = 64; x < 96; x++)
            {
                SKColor pixel = bitmap.GetPixel(x, y);
                pixel.Red.Should().BeInRange(64, 192, $"pixel ({x},{y}) inside the face is averaged, not the checkerboard's {(IsWhite(x, y) ? 255 : 0)}");
                Math.Abs(pixel.Red - pixel.Green).Should().BeLessThan(8);
            }
        }

        // Far from the face (the corners): the checkerboard, exactly.
        foreach ((int x0, int y0) in new[] { (0, 0), (Width - 12, 0), (0, Height - 12), (Width - 12, Height - 12) })
        {
            for (int y = y0; y < y0 + 12; y++)
            {
                for (int x = x0; x < x0 + 12; x++)
                {
                    bitmap.GetPixel(x, y).Should().Be(Colour(x, y), $"pixel ({x},{y}) is outside the face");
                }
            }
        }
    }

    private static bool IsWhite(int x, int y) => ((x + y) & 1) == 0;

    private static SKColor Colour(int x, int y) => IsWhite(x, y) ? SKColors.White : SKColors.Black;

    private static byte[] Encode()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                bitmap.SetPixel(x, y, Colour(x, y));
            }
        }

        using SKData data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
