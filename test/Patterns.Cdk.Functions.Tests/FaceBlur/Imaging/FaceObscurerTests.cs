using Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;

namespace Patterns.Cdk.Functions.Tests.FaceBlur.Imaging;

public class FaceObscurerTests
{
    private const int W = 120, H = 90, Channels = 4;
    private static readonly PixelRect Box = new(30, 20, 60, 48);

    [Fact]
    public void Destroys_the_detail_inside_and_touches_nothing_outside()
    {
        byte[] original = Noise(W, H, Channels, seed: 1);
        byte[] pixels = (byte[])original.Clone();

        FaceObscurer.Obscure(pixels, W, H, W * Channels, Channels, new BlurRegion(Box, 10));

        Laplacian(pixels, Box).Should().BeLessThan(0.05 * Laplacian(original, Box));
        for (int y = 0; y < H; y++)
        {
            for (int x = 0; x < W; x++)
            {
                if (!Box.Contains(x, y))
                {
                    Pixel(pixels, x, y).Should().Equal(Pixel(original, x, y), $"({x},{y}) is outside the box");
                }
            }
        }
    }

    [Fact]
    public void Is_irreversible_two_faces_with_the_same_block_averages_become_identical()
    {
        // Two different textures whose 10 x 10 blocks have the same mean: the output depends on the means only.
        byte[] a = Noise(W, H, Channels, seed: 2);
        byte[] b = (byte[])a.Clone();
        for (int y = Box.Y; y < Box.Bottom; y++)
        {
            // Mirror each block row inside its block horizontally: same pixels per block, different picture.
            for (int bx = Box.X; bx < Box.Right; bx += 10)
            {
                for (int i = 0; i < 5; i++)
                {
                    for (int c = 0; c < Channels; c++)
                    {
                        b[(((y * W) + bx + i) * Channels) + c] = a[(((y * W) + bx + 9 - i) * Channels) + c];
                        b[(((y * W) + bx + 9 - i) * Channels) + c] = a[(((y * W) + bx + i) * Channels) + c];
                    }
                }
            }
        }

        a.Should().NotEqual(b);

        FaceObscurer.Obscure(a, W, H, W * Channels, Channels, new BlurRegion(Box, 10));
        FaceObscurer.Obscure(b, W, H, W * Channels, Channels, new BlurRegion(Box, 10));

        a.Should().Equal(b);
    }

    [Fact]
    public void Keeps_a_flat_colour_as_it_is()
    {
        byte[] pixels = Enumerable.Repeat((byte)77, W * H * Channels).ToArray();

        FaceObscurer.Obscure(pixels, W, H, W * Channels, Channels, new BlurRegion(Box, 13));

        pixels.Should().OnlyContain(v => v == 77);
    }

    [Fact]
    public void Larger_blocks_leave_less_variation()
    {
        byte[] original = Noise(W, H, Channels, seed: 3);
        byte[] small = (byte[])original.Clone(), large = (byte[])original.Clone();

        FaceObscurer.Obscure(small, W, H, W * Channels, Channels, new BlurRegion(Box, 4));
        FaceObscurer.Obscure(large, W, H, W * Channels, Channels, new BlurRegion(Box, 16));

        StandardDeviation(large, Box).Should().BeLessThan(StandardDeviation(small, Box));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Works_on_grey_and_colour_and_on_regions_at_the_edge_and_with_padded_rows(int channels)
    {
        int rowBytes = (W * channels) + 12;
        byte[] original = Noise(rowBytes / channels, H, channels, seed: 4)[..(rowBytes * H)];
        byte[] pixels = (byte[])original.Clone();
        var edge = new PixelRect(W - 25, H - 17, 25, 17);

        FaceObscurer.Obscure(pixels, W, H, rowBytes, channels, new BlurRegion(edge, 8));

        for (int y = 0; y < H; y++)
        {
            for (int i = 0; i < rowBytes; i++)
            {
                bool inside = edge.Contains(i / channels, y) && i < W * channels;
                if (!inside)
                {
                    pixels[(y * rowBytes) + i].Should().Be(original[(y * rowBytes) + i]);
                }
            }
        }

        pixels.Should().NotEqual(original);
    }

    [Fact]
    public void Refuses_a_region_outside_the_image()
    {
        var act = () => FaceObscurer.Obscure(new byte[W * H * 4], W, H, W * 4, 4, new BlurRegion(new PixelRect(100, 0, 30, 10), 8));

        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    private static byte[] Noise(int width, int height, int channels, int seed)
    {
        var bytes = new byte[width * height * channels];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static byte[] Pixel(byte[] pixels, int x, int y) => pixels.AsSpan(((y * W) + x) * Channels, Channels).ToArray();

    private static double Laplacian(byte[] pixels, PixelRect r)
    {
        double sum = 0;
        int n = 0;
        for (int y = r.Y + 1; y < r.Bottom - 1; y++)
        {
            for (int x = r.X + 1; x < r.Right - 1; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    int At(int xx, int yy) => pixels[(((yy * W) + xx) * Channels) + c];
                    sum += Math.Abs((4 * At(x, y)) - At(x - 1, y) - At(x + 1, y) - At(x, y - 1) - At(x, y + 1));
                    n++;
                }
            }
        }

        return sum / n;
    }

    private static double StandardDeviation(byte[] pixels, PixelRect r)
    {
        var values = new List<double>();
        for (int y = r.Y; y < r.Bottom; y++)
        {
            for (int x = r.X; x < r.Right; x++)
            {
                values.Add(pixels[((y * W) + x) * Channels]);
            }
        }

        double mean = values.Average();
        return Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
    }
}
