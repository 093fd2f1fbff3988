using Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;
using Patterns.Cdk.Functions.Shared;
using SkiaSharp;

namespace Patterns.Cdk.Functions.Tests.FaceBlur.Imaging;

/// <summary>
/// A truncated or corrupt image is refused, whatever the JPEG process and whether or not faces were found; libjpeg-turbo
/// alone would fill a cut progressive or arithmetic JPEG with grey and report success. An arithmetic-coded JPEG, which
/// we cannot entropy-decode ourselves, is refused even when intact (cut ones still say they are cut).
/// </summary>
public sealed class DamagedImageTests
{
    private static readonly FaceBox Face = new(0.25, 0.2, 0.4, 0.6);

    public static TheoryData<string, bool> Kinds()
    {
        var data = new TheoryData<string, bool>();
        foreach (string kind in new[] { "baseline", "progressive", "arithmetic", "arithmetic-progressive", "png" })
        {
            data.Add(kind, true);
            data.Add(kind, false);
        }

        return data;
    }

    [Theory]
    [InlineData("baseline", true)]
    [InlineData("baseline", false)]
    [InlineData("progressive", true)]
    [InlineData("progressive", false)]
    [InlineData("png", true)]
    [InlineData("png", false)]
    public void An_intact_image_of_every_verifiable_kind_is_processed(string kind, bool withFace)
    {
        BlurResult result = FaceBlurrer.Process(Image(kind), withFace ? [Face] : [], BlurOptions.Default);

        result.Width.Should().Be(JpegProcessFiles.Width);
        result.FacesBlurred.Should().Be(withFace ? 1 : 0);
    }

    [Theory]
    [InlineData("arithmetic", true)]
    [InlineData("arithmetic", false)]
    [InlineData("arithmetic-progressive", true)]
    [InlineData("arithmetic-progressive", false)]
    public void An_intact_arithmetic_coded_JPEG_is_refused_because_its_image_data_cannot_be_verified(string kind, bool withFace)
    {
        Action process = () => FaceBlurrer.Process(Image(kind), withFace ? [Face] : [], BlurOptions.Default);

        process.Should().Throw<BadInputException>()
            .Which.Reason.Should().Contain("arithmetic-coded JPEG cannot be verified").And.Contain("re-encode as baseline or progressive Huffman");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_cut_image_is_refused_wherever_it_is_cut(string kind, bool withFace)
    {
        byte[] image = Image(kind);
        foreach (int length in new[] { image.Length / 3, image.Length * 2 / 3, image.Length - 40, image.Length - 2, image.Length - 1 })
        {
            Action process = () => FaceBlurrer.Process(image.AsSpan(0, length), withFace ? [Face] : [], BlurOptions.Default);

            process.Should().Throw<BadInputException>("cut to {0} of {1} bytes", length, image.Length)
                .Which.Reason.Should().StartWith("image is truncated or corrupt");
        }
    }

    [Theory]
    [InlineData("progressive")]
    [InlineData("arithmetic-progressive")]
    public void A_progressive_JPEG_cut_at_a_scan_boundary_with_an_end_marker_glued_on_is_refused(string kind)
    {
        byte[] image = Image(kind);
        int lastScan = image.AsSpan().LastIndexOf([(byte)0xFF, (byte)0xDA]);
        byte[] cut = [.. image.AsSpan(0, lastScan), 0xFF, 0xD9];

        foreach (FaceBox[] faces in new[] { new[] { Face }, Array.Empty<FaceBox>() })
        {
            Action process = () => FaceBlurrer.Process(cut, faces, BlurOptions.Default);

            process.Should().Throw<BadInputException>().Which.Reason.Should().Contain("progressive scans stop before");
        }
    }

    [Fact]
    public void Corrupt_entropy_coded_data_of_a_baseline_JPEG_with_a_face_is_refused_not_handed_to_the_lenient_decoder()
    {
        byte[] image = Image("baseline");
        int data = image.AsSpan().IndexOf([(byte)0xFF, (byte)0xDA]) + 40;
        for (int i = 0; i < 16; i += 2)
        {
            image[data + i] = 0xFF; // 64 one bits: no Huffman code is that long or all ones
            image[data + i + 1] = 0x00;
        }

        Action process = () => FaceBlurrer.Process(image, [Face], BlurOptions.Default);

        process.Should().Throw<BadInputException>().Which.Reason.Should().Contain("corrupt");
    }

    [Fact]
    public void Corrupt_entropy_coded_data_of_a_baseline_JPEG_without_a_face_is_refused_too()
    {
        byte[] image = Image("baseline");
        int data = image.AsSpan().IndexOf([(byte)0xFF, (byte)0xDA]) + 40;
        for (int i = 0; i < 16; i += 2)
        {
            image[data + i] = 0xFF;
            image[data + i + 1] = 0x00;
        }

        Action process = () => FaceBlurrer.Process(image, [], BlurOptions.Default);

        process.Should().Throw<BadInputException>().Which.Reason.Should().Contain("corrupt");
    }

    [Theory]
    [InlineData("IDAT", true)]
    [InlineData("IDAT", false)]
    [InlineData("IHDR", false)]
    [InlineData("tEXt", false)]
    public void A_PNG_chunk_whose_CRC_does_not_match_is_refused(string chunk, bool withFace)
    {
        byte[] image = TestImages.InsertAfterIhdr(Image("png"), TestImages.PngChunk("tEXt", "Comment\0hello"u8.ToArray()));
        int type = image.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(chunk));
        image[type + 4 + (chunk == "IHDR" ? 12 : 2)] ^= 0x01; // a data byte (IHDR: the interlace byte's neighbour, the filter method)

        Action process = () => FaceBlurrer.Process(image, withFace ? [Face] : [], BlurOptions.Default);

        process.Should().Throw<BadInputException>().Which.Reason.Should().Contain("fails its CRC");
    }

    [Fact]
    public void A_PNG_without_IEND_is_refused_even_when_every_pixel_is_there()
    {
        byte[] image = Image("png");
        byte[] withoutEnd = image[..^12];

        Action process = () => FaceBlurrer.Process(withoutEnd, [], BlurOptions.Default);

        process.Should().Throw<BadInputException>().Which.Reason.Should().Contain("IEND");
    }

    private static byte[] Image(string kind)
    {
        switch (kind)
        {
            case "progressive": return JpegProcessFiles.Progressive;
            case "arithmetic": return JpegProcessFiles.Arithmetic;
            case "arithmetic-progressive": return JpegProcessFiles.ArithmeticProgressive;
        }

        using SKBitmap scene = TestImages.Scene(JpegProcessFiles.Width, JpegProcessFiles.Height, [new PixelRect(0, 0, JpegProcessFiles.Width, JpegProcessFiles.Height)]);
        return kind == "png" ? TestImages.Png(scene) : TestImages.Jpeg(scene, 90);
    }
}
