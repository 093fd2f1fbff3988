using Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;
using Patterns.Cdk.Functions.Shared;
using SkiaSharp;

namespace Patterns.Cdk.Functions.Tests.FaceBlur.Imaging;

/// <summary>A detector box that is finite but absurd never leaves a face unblurred, on the DCT path or the pixel path.</summary>
public sealed class AbsurdGeometryTests : IDisposable
{
    private const int W = 160;
    private const int H = 128;
    private readonly SKBitmap scene = TestImages.Scene(W, H, [new PixelRect(0, 0, W, H)]);

    public void Dispose() => scene.Dispose();

    public static TheoryData<string, double, double, double, double> HugeBoxes()
    {
        var data = new TheoryData<string, double, double, double, double>();
        foreach (string format in new[] { "jpeg", "png" })
        {
            data.Add(format, 0.25, 0.2, 1e30, 1e30);
            data.Add(format, -1e30, -1e30, 2e30, 2e30);
            data.Add(format, -1e6, -1e6, 3e6, 3e6);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(HugeBoxes))]
    public void A_huge_box_obscures_the_whole_image_instead_of_being_dropped(string format, double left, double top, double width, double height)
    {
        byte[] source = format == "jpeg" ? TestImages.Jpeg(scene, 95) : TestImages.Png(scene);

        BlurResult result = FaceBlurrer.Process(source, [new FaceBox(left, top, width, height)], BlurOptions.Default);

        result.FacesBlurred.Should().Be(1);
        result.Method.Should().Be(format == "jpeg" ? BlurMethod.DctDomain : BlurMethod.Pixels);
        using SKBitmap output = TestImages.Decode(result.Content);
        var inner = new PixelRect(left < 0 ? 0 : (int)(left * W) + 1, top < 0 ? 0 : (int)(top * H) + 1, 0, 0);
        var covered = new PixelRect(inner.X, inner.Y, W - inner.X, H - inner.Y);
        TestImages.MeanAbsLaplacian(output, covered).Should().BeLessThan(0.15 * TestImages.MeanAbsLaplacian(scene, covered));
    }

    [Theory]
    [InlineData("jpeg", 0.1, 0.1, -0.2, 0.1)]
    [InlineData("png", 0.1, 0.1, -0.2, 0.1)]
    [InlineData("jpeg", 1e308, 0.1, 1e308, 0.1)]
    [InlineData("png", 5, 5, 0.1, 0.1)]
    public void A_box_that_is_no_rectangle_or_misses_the_image_refuses_it_on_either_path(string format, double left, double top, double width, double height)
    {
        byte[] source = format == "jpeg" ? TestImages.Jpeg(scene, 95) : TestImages.Png(scene);

        Action process = () => FaceBlurrer.Process(source, [new FaceBox(0.1, 0.1, 0.2, 0.2), new FaceBox(left, top, width, height)], BlurOptions.Default);

        process.Should().Throw<BadInputException>().Which.Reason.Should().Contain("face detector's box 1");
    }
}
