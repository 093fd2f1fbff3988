using Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;
using Patterns.Cdk.Functions.FaceBlurPipeline.Imaging.Jpeg;
using Patterns.Cdk.Functions.Shared;
using SkiaSharp;
using static Patterns.Cdk.Functions.Tests.FaceBlur.Imaging.OneFaceScene;

namespace Patterns.Cdk.Functions.Tests.FaceBlur.Imaging.Jpeg;

public sealed class JpegDctEditorTests : IDisposable
{
    private readonly SKBitmap upright = OneFaceScene.Create();

    public void Dispose() => upright.Dispose();

    public static TheoryData<string> Kinds => ["420q90", "420q50", "444q95", "422q75", "grey"];

    private byte[] Source(string kind) => kind switch
    {
        "420q90" => JpegTestFiles.Encode(upright, 90, SKJpegEncoderDownsample.Downsample420),
        "420q50" => JpegTestFiles.Encode(upright, 50, SKJpegEncoderDownsample.Downsample420),
        "444q95" => JpegTestFiles.Encode(upright, 95, SKJpegEncoderDownsample.Downsample444),
        "422q75" => JpegTestFiles.Encode(upright, 75, SKJpegEncoderDownsample.Downsample422),
        _ => JpegTestFiles.Grey(upright, 85),
    };

    /// <summary>The grid the obscured area is rounded out to: the largest block of any component (chroma of 4:2:0: 16 px).</summary>
    private static int Grid(string kind) => kind switch
    {
        "420q90" or "420q50" => 16,
        "422q75" => 16,
        _ => 8,
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Without_regions_the_coefficients_are_unchanged_so_the_decoded_pixels_are_identical(string kind)
    {
        byte[] source = Source(kind);

        var output = JpegDctEditor.TryObscure(source, [], out string reason);

        reason.Should().BeEmpty();
        output.Should().NotBeNull();
        JpegTestFiles.Pixels(output!.Value).Should().Equal(JpegTestFiles.Pixels(source));
        var (_, before) = JpegTestFiles.Coefficients(source);
        var (_, after) = JpegTestFiles.Coefficients(output.Value.Span);
        after.Should().BeEquivalentTo(before, o => o.WithStrictOrdering());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_face_is_pixelated_inside_its_rounded_box_and_every_pixel_outside_is_identical(string kind)
    {
        byte[] source = Source(kind);
        var region = FaceGeometry.ToRegion(Face, W, H, BlurOptions.Default.Margin);
        region.Bounds.Should().Be(GrownBox);

        var result = FaceBlurrer.Process(source, [Face], BlurOptions.Default);

        result.Method.Should().Be(BlurMethod.DctDomain);
        result.Should().BeEquivalentTo(new { Width = W, Height = H, FacesBlurred = 1, Reencoded = true, ContentType = "image/jpeg" });
        using var original = TestImages.Decode(source);
        using var output = TestImages.Decode(result.Content);
        TestImages.MeanAbsLaplacian(output, GrownBox).Should().BeLessThan(0.1 * TestImages.MeanAbsLaplacian(original, GrownBox));
        TestImages.MeanAbsLaplacian(output, Decoy).Should().Be(TestImages.MeanAbsLaplacian(original, Decoy));

        // Outside the box rounded out to the block grid, nothing changed. Decoders smooth subsampled chroma across
        // block edges (libjpeg's "fancy" upsampling blends each chroma sample with its neighbour), so with 4:2:x the
        // pixel right next to the rounded box may differ too.
        var rounded = JpegTestFiles.RoundOut(GrownBox, Grid(kind), W, H);
        int blend = kind.StartsWith("42", StringComparison.Ordinal) ? 1 : 0;
        var untouched = TestImages.Inflate(rounded, blend);
        TestImages.MeanAbsDifference(output, original, (x, y) => !untouched.Contains(x, y)).Should().Be(0);
        TestImages.MeanAbsDifference(output, original, (x, y) => rounded.Contains(x, y) && !GrownBox.Contains(x, y))
            .Should().BePositive("the margin up to the block grid is obscured as well");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_mosaic_cell_is_one_DC_value_with_no_AC_energy(string kind)
    {
        byte[] source = Source(kind);
        var region = FaceGeometry.ToRegion(Face, W, H, BlurOptions.Default.Margin);

        var output = JpegDctEditor.TryObscure(source, [region], out _)!.Value;

        var (frame, before) = JpegTestFiles.Coefficients(source);
        var (_, after) = JpegTestFiles.Coefficients(output.Span);
        for (int c = 0; c < frame.Components.Count; c++)
        {
            var component = frame.Components[c];
            var blocks = JpegTestFiles.BlocksOf(component, region.Bounds);
            int cellAcross = (region.BlockSize + component.BlockWidthPixels - 1) / component.BlockWidthPixels;
            int cellDown = (region.BlockSize + component.BlockHeightPixels - 1) / component.BlockHeightPixels;
            for (int by = 0; by < component.BlocksPerColumn; by++)
            {
                for (int bx = 0; bx < component.BlocksPerLine; bx++)
                {
                    var block = after[c].AsSpan(((by * component.BlocksPerLine) + bx) * 64, 64);
                    if (!blocks.Contains(bx, by))
                    {
                        block.SequenceEqual(before[c].AsSpan(((by * component.BlocksPerLine) + bx) * 64, 64)).Should().BeTrue($"block ({bx},{by}) of component {c} is outside");
                        continue;
                    }

                    block[1..].ContainsAnyExcept((short)0).Should().BeFalse($"block ({bx},{by}) of component {c} must have no AC energy");
                    int cellX = blocks.X + ((bx - blocks.X) / cellAcross * cellAcross);
                    int cellY = blocks.Y + ((by - blocks.Y) / cellDown * cellDown);
                    block[0].Should().Be(after[c][((cellY * component.BlocksPerLine) + cellX) * 64], "a cell has one mean DC");
                }
            }
        }
    }

    [Fact]
    public void A_greyscale_cell_decodes_to_one_flat_value()
    {
        byte[] source = JpegTestFiles.Grey(upright, 90);
        var region = FaceGeometry.ToRegion(Face, W, H, BlurOptions.Default.Margin);   // 10 px cells: 2 blocks

        using var output = TestImages.Decode(JpegDctEditor.TryObscure(source, [region], out _)!.Value);

        var rounded = JpegTestFiles.RoundOut(GrownBox, 8, W, H);
        for (int cy = rounded.Y; cy < rounded.Bottom; cy += 16)
        {
            for (int cx = rounded.X; cx < rounded.Right; cx += 16)
            {
                var values = new HashSet<SKColor>();
                for (int y = cy; y < Math.Min(cy + 16, rounded.Bottom); y++)
                {
                    for (int x = cx; x < Math.Min(cx + 16, rounded.Right); x++)
                    {
                        values.Add(output.GetPixel(x, y));
                    }
                }

                values.Should().ContainSingle($"the cell at ({cx},{cy}) is flat");
            }
        }
    }

    [Fact]
    public void A_face_at_the_edge_of_an_odd_sized_image_also_flattens_the_padding_blocks()
    {
        using var odd = TestImages.Scene(241, 161, [new PixelRect(190, 110, 51, 51)]);
        byte[] source = JpegTestFiles.Encode(odd, 90, SKJpegEncoderDownsample.Downsample420);
        var face = new FaceBox(0.8, 0.7, 0.2, 0.3);

        var result = FaceBlurrer.Process(source, [face], BlurOptions.Default);

        result.Method.Should().Be(BlurMethod.DctDomain);
        var (frame, after) = JpegTestFiles.Coefficients(result.Content.Span);
        var luma = frame.Components[0];
        luma.BlocksPerLine.Should().BeGreaterThan(luma.VisibleBlocksPerLine, "the test needs padding blocks");
        luma.BlocksPerColumn.Should().BeGreaterThan(luma.VisibleBlocksPerColumn);
        var lastBlock = after[0].AsSpan((((luma.BlocksPerColumn * luma.BlocksPerLine) - 1) * 64) + 1, 63);
        lastBlock.ContainsAnyExcept((short)0).Should().BeFalse();
        using var original = TestImages.Decode(source);
        using var output = TestImages.Decode(result.Content);
        var rounded = TestImages.Inflate(JpegTestFiles.RoundOut(FaceGeometry.ToRegion(face, 241, 161, 0.25).Bounds, 16, 241, 161), 1);
        TestImages.MeanAbsDifference(output, original, (x, y) => !rounded.Contains(x, y)).Should().Be(0);
    }

    [Fact]
    public void Only_the_allowed_segments_are_written_and_optimal_Huffman_tables_decode()
    {
        byte[] source = TestImages.InsertAfterSoi(
            JpegTestFiles.Encode(upright, 90, SKJpegEncoderDownsample.Downsample420),
            TestImages.ExifSegment(1, bigEndian: false),
            TestImages.XmpSegment(),
            TestImages.Segment(0xED, "Photoshop 3.0\0IPTC Alice"u8.ToArray()),
            TestImages.CommentSegment("Alice, 12 Main Street"));
        JpegTestFiles.HeaderMarkers(source).Should().Contain([0xE1, 0xED, 0xFE]);

        var result = FaceBlurrer.Process(source, [Face], BlurOptions.Default);

        result.Method.Should().Be(BlurMethod.DctDomain);
        var markers = JpegTestFiles.HeaderMarkers(result.Content.Span);
        markers.Where(m => m is >= 0xE1 and <= 0xEF or 0xFE).Should().BeEmpty("no Exif, XMP, IPTC or comment");
        markers.Should().ContainInOrder(0xDB, 0xC0, 0xC4, 0xDA);
        markers.Count(m => m == 0xC4).Should().Be(1, "one DHT with the optimised tables");
        TestImages.ContainsAscii(result.Content, "Alice").Should().BeFalse();
        result.Content.Length.Should().BeLessThan(source.Length, "optimal tables and flattened blocks code in fewer bits");
        using var decoded = TestImages.Decode(result.Content);   // Skia (libjpeg-turbo) accepts the tables
        decoded.Width.Should().Be(W);
    }

    [Fact]
    public void A_colour_profile_is_kept_as_on_the_metadata_strip_path()
    {
        var p3 = SKColorSpace.CreateRgb(SKColorSpaceTransferFn.Srgb, SKColorSpaceXyz.DisplayP3);
        using var tagged = new SKPixmap(upright.Info.WithColorSpace(p3), upright.GetPixels());
        using var taggedJpeg = tagged.Encode(new SKJpegEncoderOptions(90))!;

        var result = FaceBlurrer.Process(taggedJpeg.ToArray(), [Face], BlurOptions.Default);

        result.Method.Should().Be(BlurMethod.DctDomain);
        TestImages.ContainsAscii(result.Content, "ICC_PROFILE\0").Should().BeTrue();
    }

    [Fact]
    public void Restart_intervals_are_kept_and_decode_identically()
    {
        byte[] plain = JpegTestFiles.Encode(upright, 90, SKJpegEncoderDownsample.Downsample420);
        byte[] withRestarts = JpegDctEditor.TryObscure(plain, [], out _, restartInterval: 7)!.Value.ToArray();
        int mcus = (W / 16) * (H / 16);
        JpegTestFiles.RestartInterval(withRestarts).Should().Be(7);
        JpegTestFiles.RestartMarkers(withRestarts).Should().Equal(Enumerable.Range(0, (mcus - 1) / 7).Select(i => i % 8));
        JpegTestFiles.Pixels(withRestarts).Should().Equal(JpegTestFiles.Pixels(plain));

        var result = FaceBlurrer.Process(withRestarts, [Face], BlurOptions.Default);

        result.Method.Should().Be(BlurMethod.DctDomain);
        JpegTestFiles.RestartInterval(result.Content.Span).Should().Be(7);
        JpegTestFiles.RestartMarkers(result.Content.Span).Should().Equal(JpegTestFiles.RestartMarkers(withRestarts));
        using var original = TestImages.Decode(plain);
        using var output = TestImages.Decode(result.Content);
        var untouched = TestImages.Inflate(JpegTestFiles.RoundOut(GrownBox, 16, W, H), 1);
        TestImages.MeanAbsDifference(output, original, (x, y) => !untouched.Contains(x, y)).Should().Be(0);
        TestImages.MeanAbsLaplacian(output, GrownBox).Should().BeLessThan(0.1 * TestImages.MeanAbsLaplacian(original, GrownBox));
    }

    public static TheoryData<byte, string> IneligibleFrames => new()
    {
        { 0xC2, "progressive" },
        { 0xC3, "lossless" },
        { 0xC9, "arithmetic" },
        { 0xC5, "hierarchical" },
    };

    [Theory]
    [MemberData(nameof(IneligibleFrames))]
    public void Other_frame_types_are_not_eligible_and_take_the_pixel_path(byte marker, string kind)
    {
        byte[] source = JpegTestFiles.WithFrameMarker(JpegTestFiles.Encode(upright, 90, SKJpegEncoderDownsample.Downsample420), marker);

        JpegDctEditor.TryObscure(source, [], out string reason).Should().BeNull();
        reason.Should().Contain(kind);

        // The pixel path decides: it refuses what Skia cannot decode (Huffman data read as another frame type is
        // mostly corrupt) and blurs what it can. An arithmetic-coded frame never gets there: we cannot verify its data
        // (libjpeg-turbo would read these Huffman bytes as arithmetic-coded noise and succeed), so it is refused.
        try
        {
            FaceBlurrer.Process(source, [Face], BlurOptions.Default).Method.Should().Be(BlurMethod.Pixels);
            kind.Should().NotBe("arithmetic");
        }
        catch (BadInputException e)
        {
            e.Reason.Should().StartWith(kind == "arithmetic" ? "arithmetic-coded JPEG cannot be verified" : "image is truncated or corrupt");
        }
    }

    [Fact]
    public void Twelve_bit_samples_and_several_scans_are_not_eligible()
    {
        byte[] source = JpegTestFiles.Encode(upright, 90, SKJpegEncoderDownsample.Downsample420);
        byte[] twelveBit = (byte[])source.Clone();
        twelveBit[twelveBit.AsSpan().IndexOf([(byte)0xFF, (byte)0xC0]) + 4] = 12;
        byte[] firstOfSeveralScans = (byte[])source.Clone();
        firstOfSeveralScans[firstOfSeveralScans.AsSpan().IndexOf([(byte)0xFF, (byte)0xDA]) + 4] = 1;

        JpegDctEditor.TryObscure(twelveBit, [], out string reason).Should().BeNull();
        reason.Should().Contain("12-bit");
        JpegDctEditor.TryObscure(firstOfSeveralScans, [], out reason).Should().BeNull();
        reason.Should().Contain("several scans");
    }

    [Fact]
    public void A_rotated_JPEG_is_rotated_in_the_DCT_domain_and_the_option_can_force_the_pixel_path()
    {
        using var stored = TestImages.ToStored(upright, 6);
        byte[] rotated = TestImages.WithOrientation(JpegTestFiles.Encode(stored, 90, SKJpegEncoderDownsample.Downsample420), 6);
        byte[] upright90 = JpegTestFiles.Encode(upright, 90, SKJpegEncoderDownsample.Downsample420);

        FaceBlurrer.Process(rotated, [Face], BlurOptions.Default).Method.Should().Be(BlurMethod.DctDomain);
        FaceBlurrer.Process(rotated, [], BlurOptions.Default).Method.Should().Be(BlurMethod.DctDomain);
        FaceBlurrer.Process(rotated, [Face], BlurOptions.Default with { JpegDctDomain = false }).Method.Should().Be(BlurMethod.Pixels);
        FaceBlurrer.Process(upright90, [Face], BlurOptions.Default with { JpegDctDomain = false }).Method.Should().Be(BlurMethod.Pixels);
        FaceBlurrer.Process(upright90, [Face], BlurOptions.Default).Method.Should().Be(BlurMethod.DctDomain);
        FaceBlurrer.Process(upright90, [], BlurOptions.Default).Method.Should().Be(BlurMethod.MetadataStripped);
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(0.7)]
    [InlineData(0.99)]
    [InlineData(-3)]
    public void Truncated_image_data_raises_the_typed_exception(double keep)
    {
        byte[] source = JpegTestFiles.Encode(upright, 90, SKJpegEncoderDownsample.Downsample420);
        int length = keep < 0 ? source.Length + (int)keep : (int)(source.Length * keep);
        length.Should().BeGreaterThan(JpegTestFiles.EntropyStart(source));

        var act = () => JpegDctEditor.TryObscure(source.AsSpan(0, length), [], out _);

        act.Should().Throw<InvalidJpegDataException>().WithMessage("*truncated*");
        var blur = () => FaceBlurrer.Process(source.AsSpan(0, length), [Face], BlurOptions.Default);
        blur.Should().Throw<BadInputException>().Which.Reason.Should().MatchRegex("truncated|corrupt");
    }

    [Fact]
    public void A_missing_end_marker_after_complete_data_is_accepted()
    {
        byte[] source = JpegTestFiles.Encode(upright, 90, SKJpegEncoderDownsample.Downsample420);

        var output = JpegDctEditor.TryObscure(source.AsSpan(0, source.Length - 2), [], out _);

        JpegTestFiles.Pixels(output!.Value).Should().Equal(JpegTestFiles.Pixels(source));
    }

    [Fact]
    public void Corrupt_image_data_only_ever_raises_the_typed_exception_and_never_leaves_a_face_unblurred()
    {
        byte[] plain = JpegTestFiles.Encode(upright, 90, SKJpegEncoderDownsample.Downsample420);
        byte[][] seeds = [plain, JpegDctEditor.TryObscure(plain, [], out _, restartInterval: 5)!.Value.ToArray(), JpegTestFiles.Grey(upright, 80)];
        var region = FaceGeometry.ToRegion(Face, W, H, BlurOptions.Default.Margin);
        var random = new Random(2024);
        int edited = 0, refused = 0;
        for (int i = 0; i < 600; i++)
        {
            byte[] input = (byte[])seeds[i % seeds.Length].Clone();
            int start = JpegTestFiles.EntropyStart(input);
            for (int k = random.Next(1, 5); k > 0; k--)
            {
                input[random.Next(start, input.Length - 2)] = (byte)random.Next(256);
            }

            try
            {
                var output = JpegDctEditor.TryObscure(input, [region], out _)!.Value;
                edited++;
                var (frame, coefficients) = JpegTestFiles.Coefficients(output.Span);
                for (int c = 0; c < frame.Components.Count; c++)
                {
                    var component = frame.Components[c];
                    var blocks = JpegTestFiles.BlocksOf(component, region.Bounds);
                    for (int by = blocks.Y; by < blocks.Bottom; by++)
                    {
                        var row = coefficients[c].AsSpan(((by * component.BlocksPerLine) + blocks.X) * 64, blocks.Width * 64);
                        for (int b = 0; b < blocks.Width; b++)
                        {
                            row.Slice((b * 64) + 1, 63).ContainsAnyExcept((short)0).Should().BeFalse();
                        }
                    }
                }
            }
            catch (InvalidJpegDataException)
            {
                refused++;
            }
        }

        edited.Should().BeGreaterThan(20);
        refused.Should().BeGreaterThan(100);
    }
}
