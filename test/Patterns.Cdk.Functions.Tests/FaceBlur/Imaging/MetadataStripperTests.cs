using System.Text;
using Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;
using Patterns.Cdk.Functions.Shared;
using SkiaSharp;

namespace Patterns.Cdk.Functions.Tests.FaceBlur.Imaging;

public sealed class MetadataStripperTests : IDisposable
{
    private readonly SKBitmap scene = TestImages.Scene(48, 32, [new PixelRect(8, 8, 16, 16)]);

    public void Dispose() => scene.Dispose();

    [Fact]
    public void Drops_Exif_XMP_IPTC_comments_MPF_thumbnails_and_trailers_from_a_JPEG_and_nothing_else()
    {
        byte[] clean = TestImages.Jpeg(scene);
        byte[] jfifWithThumbnail = [.. "JFIF\0"u8, 1, 2, 0, 0, 1, 0, 1, 1, 1, 9, 9, 9];
        byte[] dirty = TestImages.InsertAfterSoi(
            clean,
            TestImages.ExifSegment(1, bigEndian: true),
            TestImages.XmpSegment(),
            TestImages.Segment(0xED, [.. "Photoshop 3.0\0"u8, .. "8BIM"u8, 4, 4, 0, 0]),
            TestImages.Segment(0xE2, [.. "MPF\0"u8, .. "MM\0*"u8]),
            TestImages.Segment(0xE0, jfifWithThumbnail),
            TestImages.Segment(0xE0, [.. "JFXX\0"u8, 0x10, 1, 2, 3]),
            TestImages.Segment(0xEB, [.. "JP"u8, 0, 1]),
            TestImages.CommentSegment("shot by Alice at 12 Main Street"));
        dirty = [.. dirty, .. "second image after EOI: Exif\0\0"u8];

        byte[] stripped = MetadataStripper.StripJpeg(dirty);

        stripped.Should().Equal(clean);
    }

    [Fact]
    public void Keeps_the_colour_profile_and_the_Adobe_colour_transform()
    {
        byte[] clean = TestImages.Jpeg(scene);
        byte[] icc = TestImages.Segment(0xE2, [.. "ICC_PROFILE\0"u8, 1, 1, 0xAB, 0xCD]);
        byte[] adobe = TestImages.Segment(0xEE, [.. "Adobe"u8, 0, 100, 0, 0, 0, 0, 1]);

        byte[] stripped = MetadataStripper.StripJpeg(TestImages.InsertAfterSoi(clean, icc, TestImages.ExifSegment(6, false), adobe));

        stripped.Should().Equal(TestImages.InsertAfterSoi(clean, icc, adobe));
    }

    [Fact]
    public void Walks_every_scan_of_a_multi_scan_JPEG_and_keeps_stuffed_bytes_and_restart_markers()
    {
        byte[] Sos() => TestImages.Segment(0xDA, [1, 1, 0, 0, 63, 0]);
        byte[] sof = TestImages.Segment(0xC2, [8, 0, 8, 0, 8, 1, 1, 0x11, 0]);
        byte[] dht = TestImages.Segment(0xC4, new byte[20]);
        byte[] scan1 = [0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xFF, 0xD1, 0x78];
        byte[] scan2 = [0x9A, 0xFF, 0x00, 0xBC];
        byte[] comment = TestImages.CommentSegment("between scans");
        byte[] app1 = TestImages.ExifSegment(1, false);

        byte[] source = [0xFF, 0xD8, .. sof, .. dht, .. Sos(), .. scan1, .. comment, .. dht, .. app1, .. Sos(), .. scan2, 0xFF, 0xD9];

        MetadataStripper.StripJpeg(source).Should().Equal([0xFF, 0xD8, .. sof, .. dht, .. Sos(), .. scan1, .. dht, .. Sos(), .. scan2, 0xFF, 0xD9]);
    }

    [Fact]
    public void A_JPEG_that_ends_inside_its_image_data_gets_its_end_marker_back()
    {
        byte[] clean = TestImages.Jpeg(scene);

        MetadataStripper.StripJpeg(clean.AsSpan(..^2)).Should().Equal(clean);
    }

    [Fact]
    public void A_JPEG_cut_in_its_header_is_refused()
    {
        byte[] clean = TestImages.Jpeg(scene);

        var act = () => MetadataStripper.StripJpeg(clean.AsSpan(..100));

        act.Should().Throw<BadInputException>().Which.Reason.Should().StartWith("JPEG is truncated");
    }

    [Fact]
    public void Drops_text_time_Exif_animation_and_private_chunks_from_a_PNG_and_keeps_how_it_looks()
    {
        byte[] clean = TestImages.Png(scene);
        byte[] gamma = TestImages.PngChunk("gAMA", [0, 0, 0xB1, 0x8F]);
        byte[] dims = TestImages.PngChunk("pHYs", [0, 0, 0x0B, 0x13, 0, 0, 0x0B, 0x13, 1]);
        byte[] dirty = TestImages.InsertAfterIhdr(
            clean,
            gamma,
            TestImages.PngChunk("tEXt", Encoding.Latin1.GetBytes("Author\0Alice")),
            TestImages.PngChunk("zTXt", Encoding.Latin1.GetBytes("Comment\0\0x")),
            TestImages.PngChunk("iTXt", Encoding.UTF8.GetBytes("XML:com.adobe.xmp\0\0\0\0\0" + TestImages.XmpNamespace)),
            TestImages.PngChunk("eXIf", TestImages.ExifTiff(6, true)),
            TestImages.PngChunk("tIME", [0x07, 0xE8, 6, 1, 12, 0, 0]),
            TestImages.PngChunk("acTL", [0, 0, 0, 1, 0, 0, 0, 0]),
            TestImages.PngChunk("prVt", [1, 2, 3]),
            dims);
        dirty = [.. dirty, .. "trailing data"u8];

        byte[] stripped = MetadataStripper.StripPng(dirty);

        stripped.Should().Equal(TestImages.InsertAfterIhdr(clean, gamma, dims));
        TestImages.PngChunkTypes(stripped).Should().NotContain(["tEXt", "zTXt", "iTXt", "eXIf", "tIME", "acTL", "prVt"]);
    }

    [Fact]
    public void A_PNG_without_IEND_gets_it_back_and_a_PNG_cut_inside_a_chunk_is_refused()
    {
        byte[] clean = TestImages.Png(scene);

        MetadataStripper.StripPng(clean.AsSpan(..^12)).Should().Equal(clean);
        var cut = () => MetadataStripper.StripPng(clean.AsSpan(..^20));
        cut.Should().Throw<BadInputException>().Which.Reason.Should().StartWith("PNG is truncated");
    }
}
