using System.Text;
using Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;
using Patterns.Cdk.Functions.Shared;
using SkiaSharp;

namespace Patterns.Cdk.Functions.Tests.FaceBlur.Imaging;

public sealed class ImageProbeTests : IDisposable
{
    private readonly SKBitmap scene = TestImages.Scene(64, 48, []);

    public void Dispose() => scene.Dispose();

    [Fact]
    public void Reads_a_JPEG_header()
    {
        var info = ImageProbe.Probe(TestImages.Jpeg(scene));

        info.Should().Be(new ImageInfo(ImageFormat.Jpeg, 64, 48, 1));
    }

    [Fact]
    public void Reads_a_PNG_header_whatever_the_object_is_called()
    {
        // The probe is given bytes only: a PNG stored as "photo.jpg" is still a PNG.
        var info = ImageProbe.Probe(TestImages.Png(scene));

        info.Should().Be(new ImageInfo(ImageFormat.Png, 64, 48, 1));
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(4, false)]
    [InlineData(5, false)]
    [InlineData(6, false)]
    [InlineData(7, false)]
    [InlineData(8, false)]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(3, true)]
    [InlineData(4, true)]
    [InlineData(5, true)]
    [InlineData(6, true)]
    [InlineData(7, true)]
    [InlineData(8, true)]
    public void Reads_the_EXIF_orientation_in_both_byte_orders(int orientation, bool bigEndian)
    {
        byte[] jpeg = TestImages.WithOrientation(TestImages.Jpeg(scene), orientation, bigEndian);

        var info = ImageProbe.Probe(jpeg);

        info.Should().Be(new ImageInfo(ImageFormat.Jpeg, 64, 48, orientation));
        info.UprightWidth.Should().Be(orientation >= 5 ? 48 : 64);
        info.UprightHeight.Should().Be(orientation >= 5 ? 64 : 48);

        // Skia's own EXIF parser agrees (a cross-check of the spliced test data and of the probe).
        using var codec = SKCodec.Create(SKData.CreateCopy(jpeg));
        ((int)codec.EncodedOrigin).Should().Be(orientation);
    }

    [Fact]
    public void The_first_Exif_segment_wins_and_invalid_orientations_count_as_1()
    {
        byte[] jpeg = TestImages.Jpeg(scene);

        ImageProbe.Probe(TestImages.InsertAfterSoi(jpeg, TestImages.ExifSegment(6, false), TestImages.ExifSegment(3, true)))
            .Orientation.Should().Be(6);
        ImageProbe.Probe(TestImages.WithOrientation(jpeg, 9)).Orientation.Should().Be(1);
        ImageProbe.Probe(TestImages.WithOrientation(jpeg, 0)).Orientation.Should().Be(1);
        ImageProbe.Probe(TestImages.InsertAfterSoi(jpeg, TestImages.Segment(0xE1, [.. "Exif\0\0XX"u8, 1, 2, 3]))).Orientation.Should().Be(1);
    }

    [Fact]
    public void PNG_orientation_is_always_1_even_with_an_eXIf_chunk()
    {
        byte[] png = TestImages.InsertAfterIhdr(TestImages.Png(scene), TestImages.PngChunk("eXIf", TestImages.ExifTiff(6, false)));

        ImageProbe.Probe(png).Orientation.Should().Be(1);
    }

    [Fact]
    public void Notes_a_declared_colour_profile()
    {
        ImageProbe.Probe(TestImages.Jpeg(scene)).HasColorProfile.Should().BeFalse();
        ImageProbe.Probe(TestImages.Png(scene)).HasColorProfile.Should().BeFalse();
        ImageProbe.Probe(TestImages.InsertAfterSoi(TestImages.Jpeg(scene), TestImages.Segment(0xE2, [.. "ICC_PROFILE\0"u8, 1, 1])))
            .HasColorProfile.Should().BeTrue();
        ImageProbe.Probe(TestImages.InsertAfterIhdr(TestImages.Png(scene), TestImages.PngChunk("sRGB", [0])))
            .HasColorProfile.Should().BeTrue();
    }

    public static TheoryData<string, byte[], string> Rejected => new()
    {
        { "GIF", Encoding.ASCII.GetBytes("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "content is not JPEG or PNG (it looks like GIF)" },
        { "WebP", Encoding.ASCII.GetBytes("RIFF\x24\x00\x00\x00WEBPVP8 "), "content is not JPEG or PNG (it looks like WebP)" },
        { "text", Encoding.UTF8.GetBytes("hello, I am not a picture"), "content is not JPEG or PNG (it looks like unrecognised content)" },
        { "empty", [], "content is empty" },
        { "one byte", [0xFF], "content is not JPEG or PNG (it looks like unrecognised content)" },
        { "JPEG cut in its header", [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46], "JPEG is truncated" },
        { "JPEG without a frame header", [0xFF, 0xD8, 0xFF, 0xD9], "JPEG header is truncated" },
        { "JPEG with a zero height", TestImages.JpegHeader(64, 0), "JPEG declares an unsupported size 64x0" },
        { "JPEG segment of length 1", [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01, 0, 0], "has length 1" },
        { "PNG cut in IHDR", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0], "PNG header is truncated" },
        { "PNG without IHDR", [.. TestImages.PngHeader(1, 1)[..8], .. TestImages.PngChunk("tEXt", new byte[13])], "the first chunk is not a valid IHDR" },
        { "PNG of width 0", TestImages.PngHeader(0, 10), "PNG declares an invalid size 0x10" },
        { "PNG wider than 2^31-1", TestImages.PngHeader(0x80000000, 10), "PNG declares an invalid size 2147483648x10" },
    };

    [Theory]
    [MemberData(nameof(Rejected))]
    public void Rejects_anything_but_a_readable_JPEG_or_PNG_header(string name, byte[] content, string reason)
    {
        var probe = () => ImageProbe.Probe(content);

        probe.Should().Throw<BadInputException>(name).Which.Reason.Should().Contain(reason);
    }

    [Fact]
    public void Fuzzed_input_only_ever_raises_BadInputException()
    {
        var random = new Random(20240601);
        byte[][] seeds =
        [
            TestImages.InsertAfterSoi(TestImages.Jpeg(scene), TestImages.ExifSegment(6, true), TestImages.XmpSegment()),
            TestImages.WithOrientation(TestImages.Jpeg(scene), 8),
            TestImages.InsertAfterIhdr(TestImages.Png(scene), TestImages.PngChunk("iCCP", new byte[20])),
            TestImages.JpegHeader(10, 10),
        ];
        int accepted = 0, rejected = 0;
        for (int i = 0; i < 30_000; i++)
        {
            byte[] input = Mutate(seeds[i % seeds.Length], random);
            try
            {
                var info = ImageProbe.Probe(input);
                info.Width.Should().BePositive();
                info.Height.Should().BePositive();
                info.Orientation.Should().BeInRange(1, 8);
                accepted++;
            }
            catch (BadInputException)
            {
                rejected++;
            }
        }

        // Both outcomes occur: the mutations reach deep into the headers, not just the magic bytes.
        accepted.Should().BeGreaterThan(1000);
        rejected.Should().BeGreaterThan(1000);
    }

    internal static byte[] Mutate(byte[] seed, Random random)
    {
        byte[] input;
        switch (random.Next(4))
        {
            case 0:
                input = seed[..random.Next(0, Math.Min(seed.Length, 400))];
                break;
            case 1:
                input = (byte[])seed.Clone();
                for (int k = random.Next(1, 6); k > 0; k--)
                {
                    input[random.Next(Math.Min(input.Length, 300))] = (byte)random.Next(256);
                }

                break;
            case 2:
                input = (byte[])seed.Clone();
                for (int k = random.Next(1, 4); k > 0; k--)
                {
                    // Lengths and counts are the interesting targets: set a big-endian/little-endian word to an extreme.
                    int at = random.Next(Math.Min(input.Length - 2, 300));
                    input[at] = random.Next(2) == 0 ? (byte)0xFF : (byte)0x00;
                    input[at + 1] = (byte)random.Next(256);
                }

                break;
            default:
                input = new byte[random.Next(0, 64)];
                random.NextBytes(input);
                if (input.Length > 3 && random.Next(2) == 0)
                {
                    input[0] = 0xFF;
                    input[1] = 0xD8;
                    input[2] = 0xFF;
                }

                break;
        }

        return input;
    }
}
