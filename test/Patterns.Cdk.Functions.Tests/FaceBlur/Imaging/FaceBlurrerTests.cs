using Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;
using Patterns.Cdk.Functions.Shared;
using SkiaSharp;
using static Patterns.Cdk.Functions.Tests.FaceBlur.Imaging.OneFaceScene;

namespace Patterns.Cdk.Functions.Tests.FaceBlur.Imaging;

public sealed class FaceBlurrerTests : IDisposable
{
    private readonly SKBitmap upright = OneFaceScene.Create();

    public void Dispose() => upright.Dispose();

    [Fact]
    public void PNG_the_face_loses_its_detail_and_every_pixel_outside_the_grown_box_is_exactly_kept()
    {
        byte[] source = TestImages.Png(upright);

        var result = FaceBlurrer.Process(source, [Face], BlurOptions.Default);

        result.Should().BeEquivalentTo(new { Format = ImageFormat.Png, ContentType = "image/png", Width = W, Height = H, FacesBlurred = 1, Reencoded = true });
        using var output = TestImages.Decode(result.Content);
        TestImages.MeanAbsLaplacian(output, GrownBox).Should().BeLessThan(0.1 * TestImages.MeanAbsLaplacian(upright, GrownBox));
        int changedInside = 0;
        for (int y = 0; y < H; y++)
        {
            for (int x = 0; x < W; x++)
            {
                if (GrownBox.Contains(x, y))
                {
                    changedInside += output.GetPixel(x, y) != upright.GetPixel(x, y) ? 1 : 0;
                }
                else if (output.GetPixel(x, y) != upright.GetPixel(x, y))
                {
                    Assert.Fail($"pixel ({x},{y}) outside the grown box changed");
                }
            }
        }

        // The whole grown box is repainted, right up to its edges (not only the face itself).
        changedInside.Should().BeGreaterThan(GrownBox.Width * GrownBox.Height * 8 / 10);
        output.GetPixel(GrownBox.X + 1, FaceArea.Y + 30).Should().NotBe(upright.GetPixel(GrownBox.X + 1, FaceArea.Y + 30));
    }

    [Fact]
    public void PNG_transparency_outside_the_face_is_kept_exactly()
    {
        using var translucent = new SKBitmap(new SKImageInfo(W, H, SKColorType.Bgra8888, SKAlphaType.Unpremul));
        var pixels = translucent.GetPixelSpan();
        upright.GetPixelSpan().CopyTo(pixels);
        for (int i = 3; i < pixels.Length; i += 4)
        {
            pixels[i] = (byte)(i / 4 % 251);
        }

        var result = FaceBlurrer.Process(TestImages.Png(translucent), [Face], BlurOptions.Default);

        using var output = TestImages.Decode(result.Content);
        output.GetPixel(5, 5).Should().Be(translucent.GetPixel(5, 5));
        TestImages.MeanAbsDifference(output, translucent, (x, y) => !GrownBox.Contains(x, y)).Should().Be(0);
        Enumerable.Range(0, W).Count(x => output.GetPixel(x, 150).Alpha != translucent.GetPixel(x, 150).Alpha).Should().Be(0);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void JPEG_the_face_loses_its_detail_and_the_rest_only_changes_by_re_encoding(bool dctDomain)
    {
        byte[] source = TestImages.Jpeg(upright);
        using var decodedSource = TestImages.Decode(source);

        var result = FaceBlurrer.Process(source, [Face], BlurOptions.Default with { JpegDctDomain = dctDomain });

        result.Should().BeEquivalentTo(new { Format = ImageFormat.Jpeg, ContentType = "image/jpeg", Width = W, Height = H, FacesBlurred = 1 });
        result.Method.Should().Be(dctDomain ? BlurMethod.DctDomain : BlurMethod.Pixels);
        using var output = TestImages.Decode(result.Content);
        TestImages.MeanAbsLaplacian(output, GrownBox).Should().BeLessThan(0.1 * TestImages.MeanAbsLaplacian(decodedSource, GrownBox));
        TestImages.MeanAbsLaplacian(output, Decoy).Should().BeGreaterThan(0.8 * TestImages.MeanAbsLaplacian(decodedSource, Decoy));

        // JPEG works on 8 x 8 (16 x 16 for chroma) blocks: away from the box by 16 px, only re-encoding noise is left.
        TestImages.MeanAbsDifference(output, decodedSource, Smooth).Should().BeLessThan(1);
        var nearBox = TestImages.Inflate(GrownBox, 16);
        TestImages.MeanAbsDifference(output, decodedSource, (x, y) => !nearBox.Contains(x, y)).Should().BeLessThan(2.5);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void The_EXIF_orientation_is_applied_and_the_upright_box_lands_on_the_face(int orientation)
    {
        // The camera stored the picture sideways/mirrored and said so in EXIF; Rekognition reports the face upright.
        using var stored = TestImages.ToStored(upright, orientation);
        byte[] source = TestImages.WithOrientation(TestImages.Jpeg(stored), orientation, bigEndian: orientation % 2 == 0);

        var result = FaceBlurrer.Process(source, [Face], BlurOptions.Default);

        result.Width.Should().Be(W);
        result.Height.Should().Be(H);
        using var output = TestImages.Decode(result.Content);
        output.Width.Should().Be(W);
        TestImages.MeanAbsLaplacian(output, GrownBox).Should().BeLessThan(0.1 * TestImages.MeanAbsLaplacian(upright, GrownBox));
        TestImages.MeanAbsLaplacian(output, Decoy).Should().BeGreaterThan(0.6 * TestImages.MeanAbsLaplacian(upright, Decoy));
        // The smooth background (its colour encodes the position) is where it belongs: only re-encoding noise differs.
        TestImages.MeanAbsDifference(output, upright, Smooth).Should().BeLessThan(1.5);
        TestImages.ContainsAscii(result.Content, "Exif\0\0").Should().BeFalse();
    }

    [Fact]
    public void The_output_carries_no_Exif_GPS_XMP_or_comment()
    {
        byte[] jpeg = TestImages.InsertAfterSoi(
            TestImages.Jpeg(upright),
            TestImages.ExifSegment(1, bigEndian: false),
            TestImages.XmpSegment(),
            TestImages.CommentSegment("Alice, 12 Main Street"));
        byte[] png = TestImages.InsertAfterIhdr(
            TestImages.Png(upright),
            TestImages.PngChunk("eXIf", TestImages.ExifTiff(1, true)),
            TestImages.PngChunk("iTXt", System.Text.Encoding.UTF8.GetBytes("XML:com.adobe.xmp\0\0\0\0\0" + TestImages.XmpNamespace + " GPSLatitude")),
            TestImages.PngChunk("tEXt", System.Text.Encoding.Latin1.GetBytes("Comment\0Alice, 12 Main Street")));
        TestImages.ContainsAscii(jpeg, TestImages.XmpNamespace).Should().BeTrue("the test input must carry what is to be removed");

        foreach (var (source, faces) in new[] { (jpeg, new[] { Face }), (jpeg, []), (png, new[] { Face }), (png, []) })
        {
            var result = FaceBlurrer.Process(source, faces, BlurOptions.Default);

            TestImages.ContainsAscii(result.Content, "Exif\0\0").Should().BeFalse();
            TestImages.ContainsAscii(result.Content, "http://ns.adobe.com/xap").Should().BeFalse();
            TestImages.ContainsAscii(result.Content, "GPSLatitude").Should().BeFalse();
            TestImages.ContainsAscii(result.Content, "Main Street").Should().BeFalse();
            TestImages.ContainsAscii(result.Content, "Cam\0").Should().BeFalse();
        }
    }

    [Fact]
    public void No_face_and_upright_JPEG_is_the_input_minus_the_metadata_segments_without_re_encoding()
    {
        byte[] clean = TestImages.Jpeg(upright, quality: 80);
        byte[] source = TestImages.InsertAfterSoi(
            clean, TestImages.ExifSegment(1, bigEndian: true), TestImages.XmpSegment(), TestImages.CommentSegment("hello"));

        var result = FaceBlurrer.Process(source, [], BlurOptions.Default);

        result.Content.ToArray().Should().Equal(clean);
        result.Should().BeEquivalentTo(new { Reencoded = false, FacesBlurred = 0, Width = W, Height = H, ContentType = "image/jpeg" });
    }

    [Fact]
    public void No_face_PNG_is_the_input_minus_the_metadata_chunks()
    {
        byte[] clean = TestImages.Png(upright);
        byte[] source = TestImages.InsertAfterIhdr(clean, TestImages.PngChunk("tEXt", "Author\0Alice"u8.ToArray()), TestImages.PngChunk("tIME", new byte[7]));

        var result = FaceBlurrer.Process(source, [], BlurOptions.Default);

        result.Content.ToArray().Should().Equal(clean);
        result.Reencoded.Should().BeFalse();
    }

    [Fact]
    public void Faces_that_miss_the_picture_or_have_no_size_refuse_the_response_instead_of_counting_as_no_face()
    {
        byte[] clean = TestImages.Png(upright);

        foreach (FaceBox nonsense in new[] { new FaceBox(1.5, 0.2, 0.1, 0.1), new FaceBox(0.2, 0.2, 0, 0.1) })
        {
            Action process = () => FaceBlurrer.Process(clean, [nonsense], BlurOptions.Default);

            process.Should().Throw<BadInputException>().Which.Reason.Should().Contain("the response is refused");
        }
    }

    [Fact]
    public void No_face_but_a_rotation_is_re_encoded_upright()
    {
        using var stored = TestImages.ToStored(upright, 6);
        byte[] source = TestImages.WithOrientation(TestImages.Jpeg(stored), 6);

        var result = FaceBlurrer.Process(source, [], BlurOptions.Default);

        result.Should().BeEquivalentTo(new { Reencoded = true, FacesBlurred = 0, Width = W, Height = H });
        ImageProbe.Probe(result.Content.Span).Should().Be(new ImageInfo(ImageFormat.Jpeg, W, H, 1));
        using var output = TestImages.Decode(result.Content);
        TestImages.MeanAbsDifference(output, upright, Smooth).Should().BeLessThan(1.5);
        TestImages.MeanAbsLaplacian(output, FaceArea).Should().BeGreaterThan(0.6 * TestImages.MeanAbsLaplacian(upright, FaceArea));
    }

    [Fact]
    public void Same_input_same_bytes()
    {
        using var stored = TestImages.ToStored(upright, 6);
        byte[][] sources = [TestImages.WithOrientation(TestImages.Jpeg(stored), 6), TestImages.Png(upright)];

        foreach (byte[] source in sources)
        {
            var first = FaceBlurrer.Process(source, [Face, new FaceBox(0.7, 0.6, 0.2, 0.25)], BlurOptions.Default);
            var second = FaceBlurrer.Process(source, [Face, new FaceBox(0.7, 0.6, 0.2, 0.25)], BlurOptions.Default);

            second.Content.ToArray().Should().Equal(first.Content.ToArray());
            first.FacesBlurred.Should().Be(2);
        }
    }

    [Fact]
    public void Keeps_the_chroma_subsampling_of_the_source()
    {
        using var pixmap = upright.PeekPixels();
        using var encoded = pixmap.Encode(new SKJpegEncoderOptions(95, SKJpegEncoderDownsample.Downsample444, SKJpegEncoderAlphaOption.Ignore))!;
        byte[] source = encoded.ToArray();

        var result = FaceBlurrer.Process(source, [Face], BlurOptions.Default);

        LumaSampling(result.Content.ToArray()).Should().Be(0x11);
        LumaSampling(TestImages.Jpeg(upright)).Should().Be(0x22, "Skia's default is 4:2:0, so the test can tell the difference");
    }

    [Fact]
    public void Writes_a_colour_profile_only_when_the_source_had_one()
    {
        var p3 = SKColorSpace.CreateRgb(SKColorSpaceTransferFn.Srgb, SKColorSpaceXyz.DisplayP3);
        using var tagged = new SKPixmap(upright.Info.WithColorSpace(p3), upright.GetPixels());
        using var taggedJpeg = tagged.Encode(new SKJpegEncoderOptions(95))!;

        var withProfile = FaceBlurrer.Process(taggedJpeg.ToArray(), [Face], BlurOptions.Default);
        var withoutProfile = FaceBlurrer.Process(TestImages.Jpeg(upright), [Face], BlurOptions.Default);

        TestImages.ContainsAscii(withProfile.Content, "ICC_PROFILE\0").Should().BeTrue();
        using (var codec = SKCodec.Create(SKData.CreateCopy(withProfile.Content.Span)))
        {
            codec.Info.ColorSpace.Should().NotBeNull();
            codec.Info.ColorSpace!.IsSrgb.Should().BeFalse("the Display P3 profile must survive, or colours shift");
        }

        TestImages.ContainsAscii(withoutProfile.Content, "ICC_PROFILE\0").Should().BeFalse();

        // No colour conversion happened: the untouched pixels are still the P3 values.
        using var output = TestImages.Decode(withProfile.Content);
        TestImages.MeanAbsDifference(output, upright, Smooth).Should().BeLessThan(1.5);
    }

    [Fact]
    public void A_pixel_bomb_is_refused_from_its_header_before_anything_is_decoded()
    {
        byte[] bomb = TestImages.PngHeader(100_000, 100_000);
        long before = GC.GetAllocatedBytesForCurrentThread();

        var act = () => FaceBlurrer.Process(bomb, [Face], BlurOptions.Default);

        act.Should().Throw<BadInputException>().Which.Reason.Should()
            .Be("image declares 100000x100000 = 10000000000 pixels, above the limit of 40000000 (decompression-bomb guard)");
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(1 << 20);
        var jpegBomb = () => FaceBlurrer.Process(TestImages.JpegHeader(65_000, 65_000), [], BlurOptions.Default);
        jpegBomb.Should().Throw<BadInputException>().Which.Reason.Should().Contain("4225000000 pixels");
    }

    [Fact]
    public void The_pixel_limit_is_configurable()
    {
        byte[] source = TestImages.Png(upright);

        var act = () => FaceBlurrer.Process(source, [], BlurOptions.Default with { MaxPixels = (W * H) - 1 });

        act.Should().Throw<BadInputException>().Which.Reason.Should().Contain($"above the limit of {(W * H) - 1}");
        FaceBlurrer.Process(source, [], BlurOptions.Default with { MaxPixels = W * H }).Width.Should().Be(W);
    }

    public static TheoryData<string, bool> Truncations => new()
    {
        { "jpeg", true },
        { "jpeg", false },
        { "jpeg6", true },
        { "jpeg6", false },
        { "png", true },
        { "png", false },
    };

    [Theory]
    [MemberData(nameof(Truncations))]
    public void A_truncated_image_is_refused_and_never_delivered_partially(string kind, bool withFace)
    {
        using var stored = TestImages.ToStored(upright, 6);
        byte[] complete = kind switch
        {
            "jpeg" => TestImages.Jpeg(upright),
            "jpeg6" => TestImages.WithOrientation(TestImages.Jpeg(stored), 6),
            _ => TestImages.Png(upright),
        };
        FaceBlurrer.Process(complete, withFace ? [Face] : [], BlurOptions.Default).Content.Length.Should().BePositive();

        foreach (double keep in new[] { 0.6, 0.9 })
        {
            byte[] truncated = complete[..(int)(complete.Length * keep)];

            var act = () => FaceBlurrer.Process(truncated, withFace ? [Face] : [], BlurOptions.Default);

            act.Should().Throw<BadInputException>($"{kind} cut at {keep:P0}").Which.Reason.Should().MatchRegex("truncated|corrupt");
        }
    }

    [Fact]
    public void A_PNG_cut_between_two_image_data_chunks_is_refused()
    {
        using var noisy = TestImages.Scene(W, H, [new PixelRect(0, 0, W, H)]);
        byte[] png = TestImages.Png(noisy);
        var types = TestImages.PngChunkTypes(png);
        types.Count(t => t == "IDAT").Should().BeGreaterThan(1, "the test needs an image split over several IDAT chunks");
        int firstIdat = png.AsSpan().IndexOf("IDAT"u8) - 4;
        int cut = firstIdat + 12 + (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(firstIdat));

        foreach (var faces in new[] { [Face], Array.Empty<FaceBox>() })
        {
            var act = () => FaceBlurrer.Process(png.AsSpan(0, cut), faces, BlurOptions.Default);

            act.Should().Throw<BadInputException>().Which.Reason.Should().StartWith("image is truncated or corrupt");
        }
    }

    [Fact]
    public void A_PNG_with_damaged_image_data_is_refused()
    {
        byte[] png = TestImages.Png(upright);
        int idat = png.AsSpan().IndexOf("IDAT"u8);
        png[idat + 40] ^= 0x5A;
        png[idat + 41] ^= 0xA5;

        var withFace = () => FaceBlurrer.Process(png, [Face], BlurOptions.Default);
        var withoutFace = () => FaceBlurrer.Process(png, [], BlurOptions.Default);

        withFace.Should().Throw<BadInputException>().Which.Reason.Should().StartWith("image is truncated or corrupt");
        withoutFace.Should().Throw<BadInputException>().Which.Reason.Should().StartWith("image is truncated or corrupt");
    }

    [Fact]
    public void Fuzzed_images_only_ever_raise_BadInputException()
    {
        using var small = TestImages.Scene(40, 30, [new PixelRect(10, 10, 12, 12)]);
        using var stored = TestImages.ToStored(small, 6);
        byte[][] seeds =
        [
            TestImages.InsertAfterSoi(TestImages.Jpeg(small), TestImages.ExifSegment(1, true), TestImages.XmpSegment()),
            TestImages.WithOrientation(TestImages.Jpeg(stored), 6),
            TestImages.InsertAfterIhdr(TestImages.Png(small), TestImages.PngChunk("tEXt", "a\0b"u8.ToArray())),
        ];
        var random = new Random(99);
        var options = BlurOptions.Default with { MaxPixels = 1_000_000 };
        int delivered = 0, refused = 0;
        for (int i = 0; i < 1500; i++)
        {
            byte[] input = ImageProbeTests.Mutate(seeds[i % seeds.Length], random);
            try
            {
                var result = FaceBlurrer.Process(input, i % 2 == 0 ? [new FaceBox(0.2, 0.2, 0.3, 0.3)] : [], options);
                result.Content.Length.Should().BePositive();
                delivered++;
            }
            catch (BadInputException)
            {
                refused++;
            }
        }

        delivered.Should().BeGreaterThan(100);
        refused.Should().BeGreaterThan(100);
    }

    /// <summary>The smooth background: away (by two chroma blocks) from the face's grown box and from the decoy.</summary>
    private static bool Smooth(int x, int y) =>
        !TestImages.Inflate(GrownBox, 16).Contains(x, y) && !TestImages.Inflate(Decoy, 16).Contains(x, y);

    private static int LumaSampling(byte[] jpeg)
    {
        int sof = jpeg.AsSpan().IndexOf([(byte)0xFF, (byte)0xC0]);
        return jpeg[sof + 2 + 2 + 6 + 1];   // marker(2) length(2) P Y X Nf(6), then C1 and its H/V byte
    }
}
