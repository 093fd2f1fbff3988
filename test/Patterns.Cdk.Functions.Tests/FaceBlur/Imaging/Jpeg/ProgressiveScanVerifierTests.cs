using Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;
using Patterns.Cdk.Functions.FaceBlurPipeline.Imaging.Jpeg;
using Patterns.Cdk.Functions.Shared;
using SkiaSharp;

namespace Patterns.Cdk.Functions.Tests.FaceBlur.Imaging.Jpeg;

/// <summary>
/// Every scan of a progressive Huffman JPEG is entropy-decoded (T.81 Annex G): sound files pass, corrupt data is
/// refused with <see cref="InvalidJpegDataException"/> and nothing else.
/// </summary>
public sealed class ProgressiveScanVerifierTests
{
    public static TheoryData<string> Files() => ["96x64", "restarts", "grey", "odd-size"];

    [Theory]
    [MemberData(nameof(Files))]
    public void A_sound_progressive_JPEG_passes(string name)
    {
        Action verify = () => ProgressiveScanVerifier.Verify(File(name));

        verify.Should().NotThrow();
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Sixty_four_one_bits_at_the_start_of_any_Huffman_coded_scan_are_no_code_and_are_refused(string name)
    {
        byte[] image = File(name);
        var scans = Scans(image).Where(s => !s.DcRefinement && s.Length >= 20).ToList();
        scans.Should().NotBeEmpty();

        foreach (var scan in scans)
        {
            byte[] corrupt = (byte[])image.Clone();
            for (int i = 0; i < 16; i += 2)
            {
                corrupt[scan.Start + i] = 0xFF;
                corrupt[scan.Start + i + 1] = 0x00;
            }

            Action verify = () => ProgressiveScanVerifier.Verify(corrupt);

            verify.Should().Throw<InvalidJpegDataException>("scan at {0} ({1})", scan.Start, scan.Kind)
                .WithMessage("*no code of its Huffman table*");
        }
    }

    [Fact]
    public void A_missing_restart_marker_is_refused()
    {
        byte[] image = JpegProcessFiles.ProgressiveWithRestarts;
        int rst = FindMarker(image, 0xD3);
        byte[] without = [.. image.AsSpan(0, rst), .. image.AsSpan(rst + 2)];

        Action verify = () => ProgressiveScanVerifier.Verify(without);

        verify.Should().Throw<InvalidJpegDataException>().WithMessage("*restart marker*");
    }

    [Fact]
    public void Restart_markers_out_of_order_are_refused()
    {
        byte[] image = JpegProcessFiles.ProgressiveWithRestarts;
        image[FindMarker(image, 0xD2) + 1] = 0xD5;

        Action verify = () => ProgressiveScanVerifier.Verify(image);

        verify.Should().Throw<InvalidJpegDataException>().WithMessage("*RST2 missing*");
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Garbage_after_the_data_of_a_scan_is_refused(string name)
    {
        byte[] image = File(name);
        foreach (var scan in Scans(image))
        {
            int end = scan.Start + scan.Length;
            byte[] padded = [.. image.AsSpan(0, end), 0x12, 0x34, .. image.AsSpan(end)];

            Action verify = () => ProgressiveScanVerifier.Verify(padded);

            verify.Should().Throw<InvalidJpegDataException>("garbage after the scan at {0} ({1})", scan.Start, scan.Kind)
                .WithMessage("*extra data at the end of a scan*");
        }
    }

    [Fact]
    public void A_scan_that_uses_an_undefined_Huffman_table_is_refused()
    {
        byte[] image = JpegProcessFiles.Progressive;
        var acScan = Scans(image).First(s => s.Kind == "AC first");
        image[acScan.Header + 2] = 0x03; // the table selector of its one component: AC table 3, never defined

        Action verify = () => ProgressiveScanVerifier.Verify(image);

        verify.Should().Throw<InvalidJpegDataException>().WithMessage("*undefined Huffman table*");
    }

    [Fact]
    public void Single_byte_flips_in_the_image_data_are_refused_with_the_typed_exception_or_still_decode_in_full()
    {
        byte[] image = JpegProcessFiles.Progressive;
        var data = Scans(image).SelectMany(s => Enumerable.Range(s.Start, s.Length)).ToArray();
        var random = new Random(9);
        int refused = 0;
        for (int i = 0; i < 200; i++)
        {
            byte[] flipped = (byte[])image.Clone();
            int at = data[random.Next(data.Length)];
            flipped[at] ^= (byte)random.Next(1, 256);

            try
            {
                ProgressiveScanVerifier.Verify(flipped);
            }
            catch (InvalidJpegDataException)
            {
                refused++;
                continue;
            }

            if (IsRefusedForStructure(flipped))
            {
                refused++;
                continue;
            }

            using var codec = SKCodec.Create(new SKMemoryStream(flipped));
            codec.Should().NotBeNull("flip at {0} was accepted", at);
            using var bitmap = new SKBitmap(codec.Info);
            codec.GetPixels(codec.Info, bitmap.GetPixels()).Should().Be(SKCodecResult.Success, "flip at {0} was accepted", at);
            codec.Info.Width.Should().Be(JpegProcessFiles.Width);
        }

        refused.Should().BeGreaterThan(100, "most random damage to Huffman-coded data breaks a code, a run or the end of a scan");
    }

    [Fact]
    public void A_corrupt_progressive_JPEG_is_refused_by_the_blurrer_with_or_without_faces()
    {
        byte[] image = JpegProcessFiles.Progressive;
        var scan = Scans(image).First(s => s.Kind == "AC first");
        for (int i = 0; i < 16; i += 2)
        {
            image[scan.Start + i] = 0xFF;
            image[scan.Start + i + 1] = 0x00;
        }

        foreach (FaceBox[] faces in new[] { new[] { new FaceBox(0.25, 0.2, 0.4, 0.6) }, Array.Empty<FaceBox>() })
        {
            Action process = () => FaceBlurrer.Process(image, faces, BlurOptions.Default);

            process.Should().Throw<BadInputException>()
                .Which.Reason.Should().Be("image is truncated or corrupt (JPEG entropy-coded data is corrupt (a bit pattern is no code of its Huffman table))");
        }
    }

    private static bool IsRefusedForStructure(byte[] image)
    {
        try
        {
            ImageIntegrity.Verify(image, ImageFormat.Jpeg);
            return false;
        }
        catch (BadInputException)
        {
            return true;
        }
    }

    private static byte[] File(string name) => name switch
    {
        "96x64" => JpegProcessFiles.Progressive,
        "restarts" => JpegProcessFiles.ProgressiveWithRestarts,
        "grey" => JpegProcessFiles.ProgressiveGrey,
        _ => JpegProcessFiles.ProgressiveOddSize,
    };

    private static int FindMarker(byte[] image, byte marker) => image.AsSpan().IndexOf([(byte)0xFF, marker]);

    /// <summary>Every scan: the offset of its SOS payload, of its entropy-coded data, and that data's length (restart markers included).</summary>
    private static List<(int Header, int Start, int Length, string Kind, bool DcRefinement)> Scans(byte[] image)
    {
        var scans = new List<(int, int, int, string, bool)>();
        int p = 2;
        while (p + 4 <= image.Length)
        {
            byte marker = image[p + 1];
            if (marker == 0xD9)
            {
                break;
            }

            int length = (image[p + 2] << 8) | image[p + 3];
            int next = p + 2 + length;
            if (marker == 0xDA)
            {
                int header = p + 4, count = image[header];
                int ss = image[header + 1 + (2 * count)], ah = image[header + 3 + (2 * count)] >> 4;
                int end = next;
                while (!(image[end] == 0xFF && image[end + 1] != 0x00 && image[end + 1] is < 0xD0 or > 0xD7))
                {
                    end++;
                }

                string kind = (ss == 0 ? "DC" : "AC") + (ah == 0 ? " first" : " refinement");
                scans.Add((header, next, end - next, kind, ss == 0 && ah != 0));
                next = end;
            }

            p = next;
        }

        return scans;
    }
}
