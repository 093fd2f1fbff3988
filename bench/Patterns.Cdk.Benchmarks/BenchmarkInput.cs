using Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;
using SkiaSharp;

namespace Patterns.Cdk.Benchmarks;

/// <summary>
/// The benchmark's input, generated (no download): a 4000 x 3000 (12 MP) JPEG at quality 90 with smooth gradients,
/// sensor-like noise, a few large soft shapes and five textured "faces", plus the five face boxes as Rekognition
/// would report them (ratios of the image). Deterministic: same bytes on every run.
/// </summary>
public static class BenchmarkInput
{
    public const int Width = 4000;
    public const int Height = 3000;

    /// <summary>Face rectangles in pixels (x, y, width, height): sizes from 240 to 480 px wide, as in a group photo.</summary>
    private static readonly (int X, int Y, int W, int H)[] FacePixels =
    [
        (600, 500, 360, 450),
        (1500, 700, 300, 380),
        (2400, 900, 480, 600),
        (3200, 600, 240, 300),
        (1900, 1900, 420, 520),
    ];

    private static readonly Lock Gate = new();
    private static byte[]? jpeg;
    private static byte[]? portraitJpeg;

    public static IReadOnlyList<FaceBox> Faces { get; } =
        [.. FacePixels.Select(f => new FaceBox((double)f.X / Width, (double)f.Y / Height, (double)f.W / Width, (double)f.H / Height))];

    /// <summary>The seed's regions: <c>-region WxH+X+Y</c> from box ratios times the image size (no margin).</summary>
    public static IEnumerable<string> GraphicsMagickRegions =>
        Faces.Select(f => FormattableString.Invariant(
            $"{Math.Round(f.Width * Width)}x{Math.Round(f.Height * Height)}+{Math.Round(f.Left * Width)}+{Math.Round(f.Top * Height)}"));

    public static string Directory { get; } = Path.Combine(Path.GetTempPath(), "patterns-cdk-bench");

    public static string JpegPath => Path.Combine(Directory, "in.jpg");

    public static string PortraitJpegPath => Path.Combine(Directory, "in-orientation6.jpg");

    /// <summary>The JPEG bytes, generated once per process and written to <see cref="JpegPath"/> for the child processes.</summary>
    public static byte[] Jpeg
    {
        get
        {
            Ensure();
            return jpeg!;
        }
    }

    /// <summary>
    /// The same picture as a phone stores a portrait shot: pixels 3000 x 4000 turned a quarter, EXIF orientation 6
    /// (so the upright picture and the face boxes are the same as <see cref="Jpeg"/>'s).
    /// </summary>
    public static byte[] PortraitJpeg
    {
        get
        {
            Ensure();
            return portraitJpeg!;
        }
    }

    private static void Ensure()
    {
        lock (Gate)
        {
            if (jpeg is not null)
            {
                return;
            }

            using var upright = Generate();
            jpeg = Encode(upright);
            using var stored = new SKBitmap(new SKImageInfo(Height, Width, SKColorType.Bgra8888, SKAlphaType.Opaque));
            var from = upright.GetPixelSpan();
            var to = stored.GetPixelSpan();
            for (int sy = 0; sy < Width; sy++)
            {
                for (int sx = 0; sx < Height; sx++)
                {
                    // Orientation 6: the stored pixel (sx, sy) is shown at (storedHeight - 1 - sy, sx).
                    int ux = Width - 1 - sy, uy = sx;
                    from.Slice(((uy * Width) + ux) * 4, 4).CopyTo(to.Slice(((sy * Height) + sx) * 4, 4));
                }
            }

            byte[] storedJpeg = Encode(stored);
            portraitJpeg = [.. storedJpeg.AsSpan(0, 2), .. ExifOrientation6, .. storedJpeg.AsSpan(2)];
            System.IO.Directory.CreateDirectory(Directory);
            File.WriteAllBytes(JpegPath, jpeg);
            File.WriteAllBytes(PortraitJpegPath, portraitJpeg);
        }
    }

    /// <summary>APP1 Exif, big-endian TIFF, IFD0 with one entry: Orientation = 6.</summary>
    private static ReadOnlySpan<byte> ExifOrientation6 =>
    [
        0xFF, 0xE1, 0x00, 0x22, (byte)'E', (byte)'x', (byte)'i', (byte)'f', 0, 0,
        (byte)'M', (byte)'M', 0, 42, 0, 0, 0, 8,
        0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0,
        0, 0, 0, 0,
    ];

    private static byte[] Encode(SKBitmap bitmap)
    {
        using var pixmap = bitmap.PeekPixels();
        using var data = pixmap.Encode(new SKJpegEncoderOptions(90))
            ?? throw new InvalidOperationException("Could not encode the benchmark image.");
        return data.ToArray();
    }

    private static SKBitmap Generate()
    {
        var info = new SKImageInfo(Width, Height, SKColorType.Bgra8888, SKAlphaType.Opaque);
        var bitmap = new SKBitmap(info);
        var pixels = bitmap.GetPixelSpan();
        var random = new Random(20240601);
        Span<byte> noise = new byte[Width * 3];
        for (int y = 0; y < Height; y++)
        {
            random.NextBytes(noise);
            var row = pixels.Slice(y * Width * 4, Width * 4);
            for (int x = 0; x < Width; x++)
            {
                // Sky-to-ground gradient with a soft vignette and a few large blobs (scene structure), then noise.
                double fx = (double)x / Width, fy = (double)y / Height;
                double vignette = 1 - (0.35 * (((fx - 0.5) * (fx - 0.5)) + ((fy - 0.5) * (fy - 0.5))));
                double blob = Math.Sin(fx * 7.1) * Math.Cos(fy * 5.3) * 30;
                int r = (int)(((90 + (120 * fy)) * vignette) + blob);
                int g = (int)(((140 + (60 * fx)) * vignette) - (blob / 2));
                int b = (int)(((210 - (150 * fy)) * vignette) + (blob / 3));
                row[(x * 4) + 0] = Clamp(b + ((noise[x * 3] - 128) >> 4));
                row[(x * 4) + 1] = Clamp(g + ((noise[(x * 3) + 1] - 128) >> 4));
                row[(x * 4) + 2] = Clamp(r + ((noise[(x * 3) + 2] - 128) >> 4));
                row[(x * 4) + 3] = 255;
            }
        }

        foreach (var (fx, fy, fw, fh) in FacePixels)
        {
            PaintFace(pixels, fx, fy, fw, fh, random);
        }

        return bitmap;
    }

    /// <summary>A skin-toned ellipse with fine texture (pores, hair, eyes): the detail the blur must destroy.</summary>
    private static void PaintFace(Span<byte> pixels, int fx, int fy, int fw, int fh, Random random)
    {
        double cx = fx + (fw / 2.0), cy = fy + (fh / 2.0), rx = fw / 2.0, ry = fh / 2.0;
        for (int y = fy; y < fy + fh; y++)
        {
            for (int x = fx; x < fx + fw; x++)
            {
                double dx = (x - cx) / rx, dy = (y - cy) / ry;
                if ((dx * dx) + (dy * dy) > 1)
                {
                    continue;
                }

                bool feature = (Math.Abs(dy + 0.2) < 0.08 && Math.Abs(Math.Abs(dx) - 0.35) < 0.15) || (Math.Abs(dy - 0.45) < 0.05 && Math.Abs(dx) < 0.3);
                int tone = feature ? 60 : 200;
                int texture = ((x / 3) + (y / 3)) % 2 == 0 ? 18 : -18;
                int i = ((y * Width) + x) * 4;
                pixels[i + 0] = Clamp(tone - 60 + texture + random.Next(-20, 21));
                pixels[i + 1] = Clamp(tone - 30 + texture + random.Next(-20, 21));
                pixels[i + 2] = Clamp(tone + texture + random.Next(-20, 21));
            }
        }
    }

    private static byte Clamp(int value) => (byte)Math.Clamp(value, 0, 255);
}
