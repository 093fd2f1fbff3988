namespace Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;

/// <summary>The image formats the pipeline accepts, identified by content (magic bytes), never by extension.</summary>
public enum ImageFormat
{
    /// <summary>JPEG (FF D8 FF).</summary>
    Jpeg,

    /// <summary>PNG (89 50 4E 47 0D 0A 1A 0A).</summary>
    Png,
}

/// <summary>What the header says about an image, read before any pixel is decoded.</summary>
/// <param name="Format">Detected format.</param>
/// <param name="Width">Stored width in pixels (before EXIF orientation).</param>
/// <param name="Height">Stored height in pixels (before EXIF orientation).</param>
/// <param name="Orientation">EXIF orientation 1..8 (1 when absent or PNG).</param>
public sealed record ImageInfo(ImageFormat Format, int Width, int Height, int Orientation)
{
    /// <summary>Pixels the decoder would allocate.</summary>
    public long PixelCount => (long)Width * Height;

    /// <summary>
    /// True when the header declares how to interpret its colours (JPEG: an ICC profile in APP2; PNG: iCCP, sRGB,
    /// gAMA, cHRM or cICP). Such images keep a colour profile in the output so colours do not shift; a profile
    /// describes the colour space, not the picture or the person who took it.
    /// </summary>
    public bool HasColorProfile { get; init; }

    /// <summary>Width after the EXIF orientation is applied (what a viewer shows, and the frame of <see cref="FaceBox"/>).</summary>
    public int UprightWidth => Orientation >= 5 ? Height : Width;

    /// <summary>Height after the EXIF orientation is applied.</summary>
    public int UprightHeight => Orientation >= 5 ? Width : Height;
}

/// <summary>
/// A face as Amazon Rekognition reports it: ratios (0..1) of the image <b>after</b> EXIF orientation is applied
/// (Rekognition corrects orientation for JPEGs that carry it, and reports boxes in the corrected frame).
/// Values may fall slightly outside 0..1 for faces cut by the edge.
/// </summary>
public readonly record struct FaceBox(double Left, double Top, double Width, double Height);
