namespace Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;

/// <summary>How <see cref="FaceBlurrer"/> treats an image. Invalid values are refused when set.</summary>
public sealed record BlurOptions
{
    /// <summary>The defaults: 40 megapixels, a quarter of the face added on each side, JPEG quality 90.</summary>
    public static BlurOptions Default { get; } = new();

    /// <summary>
    /// Largest image (width x height, read from the header) that is decoded: the decompression-bomb guard. A few
    /// hundred bytes of PNG can declare gigapixels; decoding allocates 4 bytes per pixel, so the default of
    /// 40 megapixels bounds the decode buffer at 160 MB.
    /// </summary>
    public long MaxPixels
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            field = value;
        }
    } = 40_000_000;

    /// <summary>Fraction of the face's width (and height) added on each side of its box before blurring (0..2).</summary>
    public double Margin
    {
        get;
        init
        {
            if (!double.IsFinite(value) || value < 0 || value > 2)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The margin must be between 0 and 2 (a fraction of the face size).");
            }

            field = value;
        }
    } = 0.25;

    /// <summary>
    /// Obscure faces in eligible JPEGs in the DCT domain (decode and re-encode the quantized coefficients, pixelate
    /// the blocks under each face, copy every other block bit for bit) instead of decoding to pixels and encoding
    /// again. Eligible: baseline or extended sequential Huffman, 8-bit, one scan, no EXIF rotation; anything else takes
    /// the pixel path whatever this says. On by default; off forces the pixel path (tests, comparisons).
    /// </summary>
    public bool JpegDctDomain { get; init; } = true;

    /// <summary>JPEG quality (1..100) used when a JPEG is encoded from pixels (the DCT-domain path keeps the source's quantization).</summary>
    public int JpegQuality
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 100);
            field = value;
        }
    } = 90;
}

/// <summary>The image to deliver: always upright, always without metadata, in the source's format.</summary>
/// <param name="Content">The encoded image.</param>
/// <param name="Format">Same as the source's.</param>
/// <param name="Width">Output width (upright).</param>
/// <param name="Height">Output height (upright).</param>
/// <param name="FacesBlurred">Faces whose grown box overlapped the image and were obscured.</param>
/// <param name="Reencoded">
/// False when only metadata segments were removed and the image data was copied bit for bit (no faces, no
/// orientation to apply); true when the image data was coded again (from pixels, or from DCT coefficients).
/// </param>
public sealed record BlurResult(ReadOnlyMemory<byte> Content, ImageFormat Format, int Width, int Height, int FacesBlurred, bool Reencoded)
{
    /// <summary>Which path produced the image.</summary>
    public BlurMethod Method { get; init; }

    /// <summary>MIME type for the output object.</summary>
    public string ContentType => Format == ImageFormat.Jpeg ? "image/jpeg" : "image/png";

    /// <summary>A read-only stream over <see cref="Content"/> (no copy), e.g. for an S3 upload.</summary>
    public Stream OpenRead() =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(Content, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(Content.ToArray(), writable: false);
}

/// <summary>How <see cref="FaceBlurrer"/> produced an image.</summary>
public enum BlurMethod
{
    /// <summary>Decoded to pixels, faces obscured, encoded again (PNG, JPEGs that are not eligible for the DCT domain).</summary>
    Pixels,

    /// <summary>JPEG edited in the DCT domain: blocks under the faces pixelated, every other block copied bit for bit.</summary>
    DctDomain,

    /// <summary>No face and nothing to rotate: metadata removed at the byte level, image data copied bit for bit.</summary>
    MetadataStripped,
}
