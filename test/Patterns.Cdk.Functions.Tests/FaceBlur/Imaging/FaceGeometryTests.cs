using Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.Tests.FaceBlur.Imaging;

public class FaceGeometryTests
{
    [Fact]
    public void Maps_ratios_to_pixels_and_grows_by_the_margin_on_each_side()
    {
        // 400 x 300; face 100..180 x 75..150 (80 x 75); margin 0.25 -> 20 and 18.75 px.
        var region = FaceGeometry.ToRegion(new FaceBox(0.25, 0.25, 0.2, 0.25), 400, 300, 0.25);

        region.Should().Be(new BlurRegion(new PixelRect(80, 56, 120, 113), 14));
        // rows: floor(75 - 18.75) = 56, ceil(150 + 18.75) = 169; block: ceil(80 / 6) = 14.
    }

    [Fact]
    public void Without_margin_the_box_is_exact()
    {
        FaceGeometry.ToRegion(new FaceBox(0.25, 0.5, 0.25, 0.25), 400, 200, 0).Bounds
            .Should().Be(new PixelRect(100, 100, 100, 50));
    }

    [Fact]
    public void Floating_point_noise_does_not_grow_a_box_by_a_pixel()
    {
        // 0.1 * 300 = 30.000000000000004 and 0.6 * 300 = 180.00000000000003.
        FaceGeometry.ToRegion(new FaceBox(0.1, 0.1, 0.6, 0.6), 300, 300, 0).Bounds
            .Should().Be(new PixelRect(30, 30, 180, 180));
    }

    [Fact]
    public void Rounds_outwards_to_whole_pixels()
    {
        FaceGeometry.ToRegion(new FaceBox(0.101, 0.101, 0.1, 0.1), 100, 100, 0).Bounds
            .Should().Be(new PixelRect(10, 10, 11, 11));
    }

    [Fact]
    public void Clamps_at_the_edges_but_keeps_the_strength_of_the_whole_face()
    {
        // A 120 px wide face, half outside on the left and top.
        var region = FaceGeometry.ToRegion(new FaceBox(-0.15, -0.1, 0.3, 0.3), 400, 400, 0.25);

        region.Bounds.Should().Be(new PixelRect(0, 0, 90, 110));
        region.BlockSize.Should().Be(20);
        FaceGeometry.ToRegion(new FaceBox(0.9, 0.9, 0.3, 0.3), 400, 400, 0.25).Bounds
            .Should().Be(new PixelRect(330, 330, 70, 70));
    }

    public static TheoryData<FaceBox, string> Refused => new()
    {
        { new FaceBox(1.2, 0.1, 0.1, 0.1), "wholly outside" },
        { new FaceBox(-0.5, 0.1, 0.2, 0.1), "wholly outside" },
        { new FaceBox(0.1, 1e30, 0.1, 0.1), "wholly outside" },
        { new FaceBox(0.1, 0.1, 0, 0.1), "finite, positive size" },
        { new FaceBox(0.1, 0.1, 0.1, -0.1), "finite, positive size" },
        { new FaceBox(0.1, 0.1, -1e30, 0.1), "finite, positive size" },
        { new FaceBox(double.NaN, 0.1, 0.1, 0.1), "finite, positive size" },
        { new FaceBox(0.1, 0.1, double.PositiveInfinity, 0.1), "finite, positive size" },
        { new FaceBox(1e308, 0.1, 1e308, 0.1), "overflows" },
        { new FaceBox(-1e308, 0.1, 1e308, 0.1), "overflows" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_box_that_is_no_rectangle_or_misses_the_image_refuses_the_response_and_is_never_dropped(FaceBox face, string reason)
    {
        Action one = () => FaceGeometry.ToRegion(face, 400, 300, 0.25);
        Action among = () => FaceGeometry.ToRegions([new FaceBox(0.1, 0.1, 0.1, 0.1), face], 400, 300, 0.25);

        one.Should().Throw<BadInputException>().Which.Reason.Should().Contain(reason);
        among.Should().Throw<BadInputException>().Which.Reason.Should().Contain("box 1").And.Contain("refused");
    }

    public static TheoryData<FaceBox> Huge => new()
    {
        new FaceBox(0.25, 0.2, 1e30, 1e30),
        new FaceBox(-1e30, -1e30, 2e30, 2e30),
        new FaceBox(0.5, 0.5, 1e300, 1e-300),
        new FaceBox(-3, -3, 7, 7),
        new FaceBox(0.9999999, 0.9999999, 1e-9, 1e-9),
    };

    [Theory]
    [MemberData(nameof(Huge))]
    public void A_finite_box_however_large_is_clamped_to_the_image_not_dropped(FaceBox face)
    {
        BlurRegion region = FaceGeometry.ToRegion(face, 400, 300, 0.25);

        region.Bounds.X.Should().BeGreaterThanOrEqualTo(0);
        region.Bounds.Y.Should().BeGreaterThanOrEqualTo(0);
        region.Bounds.Right.Should().BeLessThanOrEqualTo(400);
        region.Bounds.Bottom.Should().BeLessThanOrEqualTo(300);
        region.Bounds.Width.Should().BePositive();
        region.Bounds.Height.Should().BePositive();
        region.BlockSize.Should().BeInRange(FaceGeometry.MinBlockSize, FaceGeometry.BlockSizeFor(400));
    }

    [Theory]
    [InlineData(10, 8)]
    [InlineData(48, 8)]
    [InlineData(49, 9)]
    [InlineData(600, 100)]
    [InlineData(601, 101)]
    public void The_block_size_is_a_sixth_of_the_face_and_at_least_8(double side, int block)
    {
        FaceGeometry.BlockSizeFor(side).Should().Be(block);
    }

    [Fact]
    public void The_block_size_follows_the_longer_side()
    {
        FaceGeometry.ToRegion(new FaceBox(0, 0, 0.1, 0.5), 1000, 1000, 0).BlockSize.Should().Be(84);
    }

    [Fact]
    public void Rejects_a_negative_margin()
    {
        var act = () => FaceGeometry.ToRegion(new FaceBox(0, 0, 0.1, 0.1), 10, 10, -0.1);

        act.Should().Throw<ArgumentOutOfRangeException>();
    }
}
