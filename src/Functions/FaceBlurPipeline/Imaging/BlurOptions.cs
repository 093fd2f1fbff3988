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

    /// <summary>JPEG quality (1..100) used when a JPEG has to be re-encoded.</summary>
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
/// orientation to apply); true when pixels were decoded and encoded again.
/// </param>
public sealed record BlurResult(ReadOnlyMemory<byte> Content, ImageFormat Format, int Width, int Height, int FacesBlurred, bool Reencoded)
{
    /// <summary>MIME type for the output object.</summary>
    public string ContentType => Format == ImageFormat.Jpeg ? "image/jpeg" : "image/png";

    /// <summary>A read-only stream over <see cref="Content"/> (no copy), e.g. for an S3 upload.</summary>
    public Stream OpenRead() =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(Content, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(Content.ToArray(), writable: false);
}
