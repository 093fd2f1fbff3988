using System.Runtime.InteropServices;
using Patterns.Cdk.Functions.FaceBlurPipeline.Imaging.Jpeg;
using Patterns.Cdk.Functions.Shared;
using SkiaSharp;

namespace Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;

/// <summary>
/// Obscures faces in a JPEG or PNG and delivers it upright and without metadata, in the same format.
/// <list type="number">
/// <item><description>The header is probed first; an image above <see cref="BlurOptions.MaxPixels"/> is refused before
/// anything is decoded.</description></item>
/// <item><description>Faces (ratios of the upright image, as Rekognition reports them) become pixel regions grown by
/// the margin and clamped to the image.</description></item>
/// <item><description>With no face and nothing to rotate, metadata is removed at the byte level (no re-encode, no
/// quality loss); the result is still decoded once, at reduced scale where the format allows, so a truncated or
/// corrupt image is never delivered.</description></item>
/// <item><description>Any other JPEG (faces, or an EXIF rotation to apply) is edited in the DCT domain when its header
/// is eligible (<see cref="Jpeg.JpegDctEditor"/>: baseline or extended sequential Huffman, 8-bit, one scan): an EXIF
/// orientation is applied losslessly to the coefficients (<see cref="Jpeg.DctOrientation"/>; eligible only when every
/// mirrored axis is a whole number of MCUs), the blocks under each grown box, rounded out to each component's block
/// grid, become a mosaic of flat cells, every other block is copied bit for bit (moved to its upright place), and the
/// metadata segments are dropped as on the strip path. Not eligible, or image data it cannot read: the pixel path
/// below runs instead.</description></item>
/// <item><description>Otherwise the image is decoded once (straight into the upright buffer: with an EXIF rotation,
/// bands of scanlines are copied to their upright place, so no second full-size buffer is needed), each region is
/// obscured in place (<see cref="FaceObscurer"/>; pixels outside are not touched), and the buffer is encoded in
/// the source's format: JPEG at <see cref="BlurOptions.JpegQuality"/> with the source's chroma subsampling, PNG
/// lossless. Skia's encoders write no EXIF, XMP or text; a colour profile is written only when the source declared
/// one (it is the same colour space, so colours do not shift).</description></item>
/// </list>
/// A damaged image is refused before any of these paths (<see cref="ImageIntegrity"/>: truncation, missing scans, bad
/// CRCs, whatever the JPEG process), and any decoder result other than success (truncated, corrupt) raises
/// <see cref="BadInputException"/>; a partial image is never returned. Same input, same options: same bytes.
/// </summary>
public static class FaceBlurrer
{
    private const int BandRows = 16;

    /// <summary>Obscures <paramref name="faces"/> in <paramref name="source"/>.</summary>
    /// <exception cref="BadInputException">Not a JPEG or PNG, too many pixels, truncated or corrupt.</exception>
    public static BlurResult Process(ReadOnlySpan<byte> source, IReadOnlyList<FaceBox> faces, BlurOptions options)
    {
        ArgumentNullException.ThrowIfNull(faces);
        ArgumentNullException.ThrowIfNull(options);

        var info = ImageProbe.Probe(source, out var subsampling);
        if (info.PixelCount > options.MaxPixels)
        {
            throw new BadInputException(
                $"image declares {info.Width}x{info.Height} = {info.PixelCount} pixels, above the limit of {options.MaxPixels} (decompression-bomb guard)");
        }

        ImageIntegrity.Verify(source, info.Format);
        var regions = FaceGeometry.ToRegions(faces, info.UprightWidth, info.UprightHeight, options.Margin);
        if (regions.Count == 0 && info.Orientation == 1)
        {
            VerifyEntropyData(source, info);
            byte[] stripped = MetadataStripper.Strip(source, info.Format, out int addedEnd);
            EnsureDecodable(stripped.AsSpan(0, stripped.Length - addedEnd), info);
            return new BlurResult(stripped, info.Format, info.Width, info.Height, 0, Reencoded: false) { Method = BlurMethod.MetadataStripped };
        }

        if (info.Format == ImageFormat.Jpeg && options.JpegDctDomain
            && TryDctDomain(source, regions, info.Orientation) is { } edited)
        {
            return new BlurResult(edited, info.Format, info.UprightWidth, info.UprightHeight, regions.Count, Reencoded: true) { Method = BlurMethod.DctDomain };
        }

        byte[] encoded = Reencode(source, info, subsampling, regions, options.JpegQuality);
        return new BlurResult(encoded, info.Format, info.UprightWidth, info.UprightHeight, regions.Count, Reencoded: true) { Method = BlurMethod.Pixels };
    }

    /// <summary>
    /// The DCT-domain edit (<see cref="JpegDctEditor"/>), or null when the JPEG is not eligible (the pixel path then runs).
    /// Image data its strict decoder cannot read is corrupt: refused, not handed to the more lenient pixel decoder.
    /// </summary>
    /// <exception cref="BadInputException">The entropy-coded data is corrupt.</exception>
    /// <summary>
    /// A JPEG our own decoder reads (baseline Huffman) is decoded in full even when no face was found, so corrupt
    /// entropy-coded data is refused here as on the DCT path, not waved through by the lenient decoder's check.
    /// </summary>
    private static void VerifyEntropyData(ReadOnlySpan<byte> source, ImageInfo info)
    {
        if (info.Format != ImageFormat.Jpeg || JpegFrameReader.TryRead(source, out _) is not { } frame)
        {
            return;
        }

        try
        {
            _ = CoefficientDecoder.Decode(source, frame);
        }
        catch (InvalidJpegDataException e)
        {
            throw new BadInputException($"image is truncated or corrupt ({e.Message})", e);
        }
    }

    private static ReadOnlyMemory<byte>? TryDctDomain(ReadOnlySpan<byte> source, IReadOnlyList<BlurRegion> regions, int orientation)
    {
        try
        {
            return JpegDctEditor.TryObscure(source, regions, out _, orientation: orientation);
        }
        catch (InvalidJpegDataException e)
        {
            throw new BadInputException($"image is truncated or corrupt ({e.Message})", e);
        }
    }

    private static byte[] Reencode(
        ReadOnlySpan<byte> source, ImageInfo info, ChromaSubsampling subsampling, IReadOnlyList<BlurRegion> regions, int jpegQuality)
    {
        using var data = SKData.CreateCopy(source);
        using var codec = OpenCodec(data, info);
        var stored = DecodeInfo(codec, info, keepColorSpace: info.HasColorProfile);
        var upright = stored.WithSize(info.UprightWidth, info.UprightHeight);
        using var bitmap = Allocate(upright);

        if (info.Orientation == 1)
        {
            Check(codec.GetPixels(stored, bitmap.GetPixels(), bitmap.RowBytes, SKCodecOptions.Default));
        }
        else
        {
            DecodeUpright(codec, stored, info.Orientation, bitmap);
        }

        var pixels = bitmap.GetPixelSpan();
        foreach (var region in regions)
        {
            FaceObscurer.Obscure(pixels, upright.Width, upright.Height, bitmap.RowBytes, upright.BytesPerPixel, region);
        }

        using var pixmap = bitmap.PeekPixels();
        using var encoded = info.Format == ImageFormat.Jpeg
            ? pixmap.Encode(new SKJpegEncoderOptions(jpegQuality, ToSkia(subsampling), SKJpegEncoderAlphaOption.Ignore))
            : pixmap.Encode(SKPngEncoderOptions.Default);
        return encoded?.ToArray() ?? throw new InvalidOperationException($"Encoding a {upright.Width}x{upright.Height} {info.Format} failed.");
    }

    /// <summary>Decodes in bands of scanlines, each copied straight to its upright place.</summary>
    private static void DecodeUpright(SKCodec codec, SKImageInfo stored, int orientation, SKBitmap upright)
    {
        if (codec.ScanlineOrder != SKCodecScanlineOrder.TopDown)
        {
            // Not the case for JPEG (the only format with an orientation); kept for safety.
            using var whole = Allocate(stored);
            Check(codec.GetPixels(stored, whole.GetPixels(), whole.RowBytes, SKCodecOptions.Default));
            CopyBand(whole, 0, stored.Height, stored, orientation, upright);
            return;
        }

        Check(codec.StartScanlineDecode(stored));
        using var band = Allocate(stored.WithSize(stored.Width, Math.Min(BandRows, stored.Height)));
        for (int y = 0; y < stored.Height; y += BandRows)
        {
            int rows = Math.Min(BandRows, stored.Height - y);
            if (codec.GetScanlines(band.GetPixels(), rows, band.RowBytes) != rows)
            {
                throw Corrupt("incomplete scanlines");
            }

            CopyBand(band, y, rows, stored, orientation, upright);
        }
    }

    private static void CopyBand(SKBitmap band, int firstRow, int rows, SKImageInfo stored, int orientation, SKBitmap upright)
    {
        Span<byte> source = band.GetPixelSpan();
        Span<byte> target = upright.GetPixelSpan();
        if (stored.BytesPerPixel == 4)
        {
            ExifOrientation.CopyBand<uint>(MemoryMarshal.Cast<byte, uint>(source), firstRow, rows, stored.Width, stored.Height, orientation, MemoryMarshal.Cast<byte, uint>(target));
        }
        else
        {
            ExifOrientation.CopyBand<byte>(source, firstRow, rows, stored.Width, stored.Height, orientation, target);
        }
    }

    /// <summary>
    /// Proves the bytes about to be delivered decode completely, with as little work and memory as the format
    /// allows: JPEG at 1/8 scale (every bit of entropy-coded data is still read), scanline bands, never a full buffer.
    /// </summary>
    private static void EnsureDecodable(ReadOnlySpan<byte> image, ImageInfo info)
    {
        using var data = SKData.CreateCopy(image);
        using var codec = OpenCodec(data, info);
        var full = DecodeInfo(codec, info, keepColorSpace: false);
        var target = full.WithSize(codec.GetScaledDimensions(1f / 8));
        var started = codec.StartScanlineDecode(target);
        if (started is SKCodecResult.Unimplemented or SKCodecResult.InvalidScale)
        {
            using var whole = Allocate(full);
            Check(codec.GetPixels(full, whole.GetPixels(), whole.RowBytes, SKCodecOptions.Default));
            return;
        }

        Check(started);
        using var band = Allocate(target.WithSize(target.Width, Math.Min(BandRows, target.Height)));
        for (int y = 0; y < target.Height; y += BandRows)
        {
            int rows = Math.Min(BandRows, target.Height - y);
            if (codec.GetScanlines(band.GetPixels(), rows, band.RowBytes) != rows)
            {
                throw Corrupt("incomplete scanlines");
            }
        }
    }

    private static SKCodec OpenCodec(SKData data, ImageInfo info)
    {
        var codec = SKCodec.Create(data) ?? throw Corrupt("the decoder rejected its header");
        if (codec.Info.Width != info.Width || codec.Info.Height != info.Height)
        {
            codec.Dispose();
            throw new BadInputException(
                $"image header is inconsistent (probed {info.Width}x{info.Height}, decoder reads {codec.Info.Width}x{codec.Info.Height})");
        }

        return codec;
    }

    /// <summary>
    /// 8 bits per channel, in Skia's native order (what its codecs and encoders handle fastest); grey stays one
    /// channel. PNG alpha stays unpremultiplied so untouched pixels round-trip exactly. No colour conversion: the
    /// destination colour space is the source's own (or none when the source declared none).
    /// </summary>
    private static SKImageInfo DecodeInfo(SKCodec codec, ImageInfo info, bool keepColorSpace)
    {
        bool grey = codec.Info.ColorType == SKColorType.Gray8;
        var alpha = grey || info.Format == ImageFormat.Jpeg || codec.Info.AlphaType == SKAlphaType.Opaque
            ? SKAlphaType.Opaque
            : SKAlphaType.Unpremul;
        return new SKImageInfo(
            info.Width,
            info.Height,
            grey ? SKColorType.Gray8 : SKImageInfo.PlatformColorType,
            alpha,
            keepColorSpace ? codec.Info.ColorSpace : null);
    }

    private static SKBitmap Allocate(SKImageInfo info)
    {
        var bitmap = new SKBitmap();
        if (!bitmap.TryAllocPixels(info) || bitmap.RowBytes != info.RowBytes)
        {
            bitmap.Dispose();
            throw new InsufficientMemoryException($"Could not allocate a {info.Width}x{info.Height} {info.ColorType} buffer.");
        }

        return bitmap;
    }

    private static void Check(SKCodecResult result)
    {
        if (result != SKCodecResult.Success)
        {
            throw Corrupt(result.ToString());
        }
    }

    private static BadInputException Corrupt(string detail) => new($"image is truncated or corrupt ({detail})");

    private static SKJpegEncoderDownsample ToSkia(ChromaSubsampling subsampling) => subsampling switch
    {
        ChromaSubsampling.Yuv444 => SKJpegEncoderDownsample.Downsample444,
        ChromaSubsampling.Yuv422 => SKJpegEncoderDownsample.Downsample422,
        _ => SKJpegEncoderDownsample.Downsample420,
    };
}
