using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;
using Patterns.Cdk.Functions.FaceBlurPipeline.Imaging.Jpeg;
using SkiaSharp;
using Xunit.Abstractions;
using static Patterns.Cdk.Functions.Tests.FaceBlur.Imaging.OneFaceScene;

namespace Patterns.Cdk.Functions.Tests.FaceBlur.Imaging.Jpeg;

public sealed class DctOrientationTests(ITestOutputHelper log) : IDisposable
{
    private readonly SKBitmap upright = OneFaceScene.Create();

    public void Dispose() => upright.Dispose();

    public static TheoryData<int, string> OrientationsAndKinds
    {
        get
        {
            var data = new TheoryData<int, string>();
            foreach (string kind in new[] { "420q90", "444q95", "422q50", "grey" })
            {
                for (int orientation = 2; orientation <= 8; orientation++)
                {
                    data.Add(orientation, kind);
                }
            }

            return data;
        }
    }

    private static byte[] Encode(SKBitmap bitmap, string kind) => kind switch
    {
        "420q90" => JpegTestFiles.Encode(bitmap, 90, SKJpegEncoderDownsample.Downsample420),
        "444q95" => JpegTestFiles.Encode(bitmap, 95, SKJpegEncoderDownsample.Downsample444),
        "422q50" => JpegTestFiles.Encode(bitmap, 50, SKJpegEncoderDownsample.Downsample422),
        _ => JpegTestFiles.Grey(bitmap, 85),
    };

    /// <summary>The picture stored as a camera would for <paramref name="orientation"/>, with the EXIF tag saying so.</summary>
    private byte[] Rotated(int orientation, string kind, SKBitmap? picture = null)
    {
        using var stored = TestImages.ToStored(picture ?? upright, orientation);
        return TestImages.WithOrientation(Encode(stored, kind), orientation, bigEndian: orientation % 2 == 0);
    }

    /// <summary>What the pixel path shows: the source decoded as stored, each pixel moved to its upright place.</summary>
    private static SKBitmap UprightDecode(byte[] source, int orientation)
    {
        using var stored = TestImages.Decode(source);
        var (uw, uh) = ExifOrientation.UprightSize(stored.Width, stored.Height, orientation);
        var result = new SKBitmap(new SKImageInfo(uw, uh, SKColorType.Bgra8888, SKAlphaType.Unpremul));
        ExifOrientation.CopyBand(
            MemoryMarshal.Cast<byte, uint>(stored.GetPixelSpan()), 0, stored.Height, stored.Width, stored.Height, orientation,
            MemoryMarshal.Cast<byte, uint>(result.GetPixelSpan()));
        return result;
    }

    private static int MaxChannelDifference(SKBitmap a, SKBitmap b)
    {
        a.Width.Should().Be(b.Width);
        a.Height.Should().Be(b.Height);
        var p = a.GetPixelSpan();
        var q = b.GetPixelSpan();
        int max = 0;
        for (int i = 0; i < p.Length; i++)
        {
            max = Math.Max(max, Math.Abs(p[i] - q[i]));
        }

        return max;
    }

    [Theory]
    [MemberData(nameof(OrientationsAndKinds))]
    public void Without_faces_the_output_is_the_upright_decode_of_the_source(int orientation, string kind)
    {
        byte[] source = Rotated(orientation, kind);

        var result = FaceBlurrer.Process(source, [], BlurOptions.Default);

        result.Method.Should().Be(BlurMethod.DctDomain);
        result.Should().BeEquivalentTo(new { Width = W, Height = H, FacesBlurred = 0, Reencoded = true });
        ImageProbe.Probe(result.Content.Span).Should().Be(new ImageInfo(ImageFormat.Jpeg, W, H, 1));
        TestImages.ContainsAscii(result.Content, "Exif\0\0").Should().BeFalse();
        using var output = TestImages.Decode(result.Content);
        using var expected = UprightDecode(source, orientation);
        int max = MaxChannelDifference(output, expected);
        log.WriteLine($"orientation {orientation}, {kind}: max channel difference {max}, mean {TestImages.MeanAbsDifference(output, expected, (_, _) => true):F4}");

        // The coefficients are moved exactly; only the decoder's rounding can tell the two apart. Measured with
        // libjpeg-turbo: 0 for the vertical flip (4); up to 2 when the x axis is mirrored (2, 3: "fancy" chroma
        // upsampling rounds with a bias that alternates along a row, so it is not mirror-symmetric); up to 3 with a
        // transpose (5..8: the separable IDCT rounds between its row and column passes, which a transpose swaps;
        // the 1-level luma difference grows through the YCbCr to RGB conversion). Means measured up to 0.21 levels.
        max.Should().BeLessThanOrEqualTo(orientation switch { 4 => 0, 2 or 3 => 2, _ => 3 });
        TestImages.MeanAbsDifference(output, expected, (_, _) => true).Should().BeLessThan(0.25);
    }

    [Theory]
    [MemberData(nameof(OrientationsAndKinds))]
    public void A_face_is_obscured_where_it_is_upright_and_the_rest_is_kept(int orientation, string kind)
    {
        byte[] source = Rotated(orientation, kind);

        var result = FaceBlurrer.Process(source, [Face], BlurOptions.Default);

        result.Method.Should().Be(BlurMethod.DctDomain);
        result.Should().BeEquivalentTo(new { Width = W, Height = H, FacesBlurred = 1 });
        using var output = TestImages.Decode(result.Content);
        using var expected = UprightDecode(source, orientation);
        TestImages.MeanAbsLaplacian(output, GrownBox).Should().BeLessThan(0.1 * TestImages.MeanAbsLaplacian(expected, GrownBox));
        TestImages.MeanAbsLaplacian(output, Decoy).Should().BeGreaterThan(0.95 * TestImages.MeanAbsLaplacian(expected, Decoy));

        // Away from the box rounded out to the 16 px grid (plus a pixel of chroma blending), every pixel is the one
        // the rotation alone gives: the mosaic was applied in the upright frame, where the box is.
        using var rotatedOnly = TestImages.Decode(FaceBlurrer.Process(source, [], BlurOptions.Default).Content);
        var untouched = TestImages.Inflate(JpegTestFiles.RoundOut(GrownBox, 16, W, H), 1);
        TestImages.MeanAbsDifference(output, rotatedOnly, (x, y) => !untouched.Contains(x, y)).Should().Be(0);
        TestImages.MeanAbsDifference(output, expected, (x, y) => !untouched.Contains(x, y)).Should().BeLessThan(0.25);
    }

    [Fact]
    public void The_test_source_has_a_non_symmetric_quantization_table_and_a_transpose_writes_it_transposed()
    {
        byte[] stored = Rotated(6, "422q50");
        byte[] table = LumaTable(stored);
        Natural(table, 0, 1).Should().NotBe(Natural(table, 1, 0), "the test needs a table that is not symmetric");

        foreach (int orientation in new[] { 5, 6, 7, 8 })
        {
            byte[] source = Rotated(orientation, "422q50");
            var output = JpegDctEditor.TryObscure(source, [], out _, orientation: orientation)!.Value.ToArray();

            byte[] written = LumaTable(output);
            for (int u = 0; u < 8; u++)
            {
                for (int v = 0; v < 8; v++)
                {
                    Natural(written, u, v).Should().Be(Natural(table, v, u));
                }
            }

            var frame = JpegFrameReader.TryRead(output, out _)!;
            frame.Should().BeEquivalentTo(new { Width = W, Height = H });
            frame.Components[0].Should().BeEquivalentTo(new { H = 1, V = 2 }, "4:2:2 stored sideways is 4:4:0 upright");
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void A_mirrored_axis_that_is_not_a_whole_number_of_MCUs_takes_the_pixel_path(int orientation)
    {
        // 4:2:0, 241 x 161: neither axis is a whole number of 16 px MCUs. Only the plain transpose (5) mirrors nothing.
        using var odd = TestImages.Scene(241, 161, [new PixelRect(60, 40, 60, 60)]);
        byte[] source = Rotated(orientation, "420q90", odd);

        var edited = JpegDctEditor.TryObscure(source, [], out string reason, orientation: orientation);
        var result = FaceBlurrer.Process(source, [Face], BlurOptions.Default);

        result.Should().BeEquivalentTo(new { Width = 241, Height = 161, FacesBlurred = 1 });
        if (orientation == 5)
        {
            edited.Should().NotBeNull();
            result.Method.Should().Be(BlurMethod.DctDomain);
            using var output = TestImages.Decode(result.Content);
            using var expected = UprightDecode(source, orientation);
            var box = FaceGeometry.ToRegion(Face, 241, 161, BlurOptions.Default.Margin).Bounds;
            var untouched = TestImages.Inflate(JpegTestFiles.RoundOut(box, 16, 241, 161), 1);
            TestImages.MeanAbsDifference(output, expected, (x, y) => !untouched.Contains(x, y)).Should().BeLessThan(0.25);
        }
        else
        {
            edited.Should().BeNull();
            reason.Should().Contain("whole number of MCUs");
            result.Method.Should().Be(BlurMethod.Pixels);
        }
    }

    [Fact]
    public void Only_the_mirrored_axis_has_to_be_aligned()
    {
        // 240 x 161 upright: the width is whole MCUs, the height is not. Orientation 2 mirrors x only; 4 mirrors y.
        using var picture = TestImages.Scene(240, 161, [new PixelRect(60, 40, 60, 60)]);

        FaceBlurrer.Process(Rotated(2, "420q90", picture), [], BlurOptions.Default).Method.Should().Be(BlurMethod.DctDomain);
        FaceBlurrer.Process(Rotated(6, "420q90", picture), [], BlurOptions.Default).Method.Should().Be(BlurMethod.DctDomain);
        FaceBlurrer.Process(Rotated(4, "420q90", picture), [], BlurOptions.Default).Method.Should().Be(BlurMethod.Pixels);
        FaceBlurrer.Process(Rotated(8, "420q90", picture), [], BlurOptions.Default).Method.Should().Be(BlurMethod.Pixels);
    }

    /// <summary>The 8-bit quantization table 0 of a JPEG, in zig-zag order.</summary>
    private static byte[] LumaTable(ReadOnlySpan<byte> jpeg)
    {
        int p = 2;
        while (true)
        {
            int length = BinaryPrimitives.ReadUInt16BigEndian(jpeg[(p + 2)..]);
            if (jpeg[p + 1] == 0xDB)
            {
                for (int q = p + 4; q < p + 2 + length; q += 65)
                {
                    jpeg[q].Should().BeLessThan(0x10, "Skia writes 8-bit tables");
                    if (jpeg[q] == 0)
                    {
                        return jpeg.Slice(q + 1, 64).ToArray();
                    }
                }
            }

            p += 2 + length;
        }
    }

    /// <summary>Entry (u = vertical, v = horizontal frequency) of a zig-zag table.</summary>
    private static byte Natural(byte[] zigZag, int u, int v)
    {
        int[] order =
        [
            0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
            35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
        ];
        return zigZag[Array.IndexOf(order, (u * 8) + v)];
    }
}
