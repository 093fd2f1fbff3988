using System.Buffers.Binary;
using Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;
using Patterns.Cdk.Functions.FaceBlurPipeline.Imaging.Jpeg;
using SkiaSharp;

namespace Patterns.Cdk.Functions.Tests.FaceBlur.Imaging.Jpeg;

/// <summary>JPEG variants made by the tests (Skia's encoder, byte-level patches) and ways to look inside them.</summary>
internal static class JpegTestFiles
{
    public static byte[] Encode(SKBitmap bitmap, int quality, SKJpegEncoderDownsample downsample)
    {
        using var pixmap = bitmap.PeekPixels();
        using var data = pixmap.Encode(new SKJpegEncoderOptions(quality, downsample, SKJpegEncoderAlphaOption.Ignore))!;
        return data.ToArray();
    }

    /// <summary>A one-component (greyscale) JPEG of the scene's luma.</summary>
    public static byte[] Grey(SKBitmap bitmap, int quality)
    {
        using var grey = new SKBitmap(new SKImageInfo(bitmap.Width, bitmap.Height, SKColorType.Gray8, SKAlphaType.Opaque));
        bitmap.CopyTo(grey, SKColorType.Gray8).Should().BeTrue();
        using var pixmap = grey.PeekPixels();
        using var data = pixmap.Encode(new SKJpegEncoderOptions(quality))!;
        return data.ToArray();
    }

    /// <summary>Decoded pixels, BGRA (grey expanded), as Skia (libjpeg-turbo) decodes them.</summary>
    public static byte[] Pixels(ReadOnlyMemory<byte> jpeg)
    {
        using var bitmap = TestImages.Decode(jpeg);
        return bitmap.GetPixelSpan().ToArray();
    }

    /// <summary>Marker codes of the segments before the first scan, SOS included.</summary>
    public static List<byte> HeaderMarkers(ReadOnlySpan<byte> jpeg)
    {
        var markers = new List<byte>();
        int p = 2;
        while (p + 4 <= jpeg.Length && jpeg[p] == 0xFF)
        {
            byte marker = jpeg[p + 1];
            markers.Add(marker);
            if (marker == 0xDA)
            {
                break;
            }

            p += 2 + BinaryPrimitives.ReadUInt16BigEndian(jpeg[(p + 2)..]);
        }

        return markers;
    }

    /// <summary>Offset of the first entropy-coded byte (just after the SOS segment).</summary>
    public static int EntropyStart(ReadOnlySpan<byte> jpeg)
    {
        int sos = jpeg.IndexOf([(byte)0xFF, (byte)0xDA]);
        return sos + 2 + BinaryPrimitives.ReadUInt16BigEndian(jpeg[(sos + 2)..]);
    }

    /// <summary>The restart interval a DRI segment declares, or 0.</summary>
    public static int RestartInterval(ReadOnlySpan<byte> jpeg)
    {
        int dri = jpeg[..EntropyStart(jpeg)].IndexOf([(byte)0xFF, (byte)0xDD]);
        return dri < 0 ? 0 : BinaryPrimitives.ReadUInt16BigEndian(jpeg[(dri + 4)..]);
    }

    /// <summary>RSTn markers in the entropy-coded data, in order (n values).</summary>
    public static List<int> RestartMarkers(ReadOnlySpan<byte> jpeg)
    {
        var found = new List<int>();
        for (int p = EntropyStart(jpeg); p + 1 < jpeg.Length; p++)
        {
            if (jpeg[p] == 0xFF && jpeg[p + 1] is >= 0xD0 and <= 0xD7)
            {
                found.Add(jpeg[p + 1] - 0xD0);
            }
        }

        return found;
    }

    /// <summary>The frame and the coefficients of an eligible JPEG, read with the editor's own decoder.</summary>
    public static (JpegFrame Frame, short[][] Coefficients) Coefficients(ReadOnlySpan<byte> jpeg)
    {
        var frame = JpegFrameReader.TryRead(jpeg, out string reason) ?? throw new InvalidOperationException(reason);
        return (frame, CoefficientDecoder.Decode(jpeg, frame));
    }

    /// <summary>Replaces the marker byte of the (first) SOF0 segment, e.g. with C2 (progressive).</summary>
    public static byte[] WithFrameMarker(byte[] jpeg, byte marker)
    {
        byte[] copy = (byte[])jpeg.Clone();
        int sof = copy.AsSpan().IndexOf([(byte)0xFF, (byte)0xC0]);
        copy[sof + 1] = marker;
        return copy;
    }

    /// <summary>Blocks of a component that a pixel rectangle touches, as the editor rounds them.</summary>
    public static PixelRect BlocksOf(JpegComponent component, PixelRect pixels) => DctMosaic.ToBlocks(component, pixels);

    /// <summary>A pixel rectangle rounded out to a grid of <paramref name="step"/> pixels and clamped to the image.</summary>
    public static PixelRect RoundOut(PixelRect r, int step, int width, int height)
    {
        int x0 = r.X / step * step, y0 = r.Y / step * step;
        int x1 = Math.Min((r.Right + step - 1) / step * step, width), y1 = Math.Min((r.Bottom + step - 1) / step * step, height);
        return new PixelRect(x0, y0, x1 - x0, y1 - y0);
    }
}
