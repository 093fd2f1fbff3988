using BenchmarkDotNet.Attributes;
using Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;
using SkiaSharp;

namespace Patterns.Cdk.Benchmarks;

/// <summary>
/// One 12 MP JPEG with five faces, three ways: (a) our blur step, (b) the seed's GraphicsMagick command run as a
/// process (as the seed's <c>gm</c> npm module does), (c) SkiaSharp decode + encode alone, the floor for any
/// approach that has to re-encode the image.
/// </summary>
[MemoryDiagnoser]
public class FaceBlurBenchmarks
{
    private byte[] jpeg = [];
    private byte[] portrait = [];
    private IReadOnlyList<FaceBox> faces = [];
    private string gmOutput = "";

    [GlobalSetup]
    public void Setup()
    {
        jpeg = BenchmarkInput.Jpeg;
        portrait = BenchmarkInput.PortraitJpeg;
        faces = BenchmarkInput.Faces;
        gmOutput = Path.Combine(BenchmarkInput.Directory, "gm-out.jpg");
    }

    /// <summary>
    /// (a) the worker's blur step: probe, then (the input is eligible) the DCT-domain edit: entropy-decode the
    /// coefficients, pixelate the blocks under the five grown boxes, entropy-encode with optimal tables, no metadata.
    /// </summary>
    [Benchmark(Description = "(a) FaceBlurrer.Process")]
    public int Ours() => FaceBlurrer.Process(jpeg, faces, BlurOptions.Default).Content.Length;

    /// <summary>Context for (a): the pixel path forced (SkiaSharp decode, obscure in place, encode q90), as before the DCT path.</summary>
    [Benchmark(Description = "(a) same, pixel path forced")]
    public int OursPixelPath() => FaceBlurrer.Process(jpeg, faces, PixelPath).Content.Length;

    /// <summary>Options that force the pixel path.</summary>
    public static BlurOptions PixelPath { get; } = BlurOptions.Default with { JpegDctDomain = false };

    /// <summary>Context for (a): the same picture stored sideways with EXIF orientation 6 (DCT domain: lossless rotation, then the mosaic).</summary>
    [Benchmark(Description = "(a) same, stored with EXIF orientation 6")]
    public int OursOrientation6() => FaceBlurrer.Process(portrait, faces, BlurOptions.Default).Content.Length;

    /// <summary>Context for (a): no face found, so metadata is stripped at the byte level and the result is validated.</summary>
    [Benchmark(Description = "(a) same, no faces (strip + validating decode)")]
    public int OursNoFaces() => FaceBlurrer.Process(jpeg, [], BlurOptions.Default).Content.Length;

    /// <summary>(b) <c>gm convert in.jpg -region WxH+X+Y -blur 0x70 ... out.jpg</c>, one region/blur pair per face.</summary>
    [Benchmark(Description = "(b) gm convert -region -blur 0x70 (seed)")]
    public int GraphicsMagickSeed() => GraphicsMagick.RunSeedCommand(BenchmarkInput.JpegPath, gmOutput, threads: null);

    /// <summary>Context for (b): GraphicsMagick is built with OpenMP; this is the same command on one thread.</summary>
    [Benchmark(Description = "(b) same, OMP_NUM_THREADS=1")]
    public int GraphicsMagickSingleThread() => GraphicsMagick.RunSeedCommand(BenchmarkInput.JpegPath, gmOutput, threads: 1);

    /// <summary>(c) the floor: SkiaSharp decode + JPEG q90 encode of the same image, nothing else.</summary>
    [Benchmark(Baseline = true, Description = "(c) SkiaSharp decode+encode (floor)")]
    public int DecodeEncode() => Floor.DecodeEncode(jpeg).Length;
}

/// <summary>The floor: what any re-encoding approach must at least pay with SkiaSharp (same settings as ours).</summary>
public static class Floor
{
    public static byte[] DecodeEncode(byte[] jpeg)
    {
        using var data = SKData.CreateCopy(jpeg);
        using var codec = SKCodec.Create(data) ?? throw new InvalidOperationException("not decodable");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKImageInfo.PlatformColorType, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
        {
            throw new InvalidOperationException($"decode: {result}");
        }

        using var pixmap = bitmap.PeekPixels();
        using var encoded = pixmap.Encode(new SKJpegEncoderOptions(90, SKJpegEncoderDownsample.Downsample420, SKJpegEncoderAlphaOption.Ignore))
            ?? throw new InvalidOperationException("encode failed");
        return encoded.ToArray();
    }
}
