using System.Globalization;
using Patterns.Cdk.Functions.Shared;

namespace Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;

/// <summary>A rectangle of whole pixels: columns X..X+Width-1, rows Y..Y+Height-1.</summary>
internal readonly record struct PixelRect(int X, int Y, int Width, int Height)
{
    public int Right => X + Width;

    public int Bottom => Y + Height;

    public bool Contains(int x, int y) => x >= X && x < Right && y >= Y && y < Bottom;
}

/// <summary>A face's grown box in upright pixels and the pixelation block size for it.</summary>
internal readonly record struct BlurRegion(PixelRect Bounds, int BlockSize);

/// <summary>
/// Maps Rekognition's ratio boxes to upright pixel rectangles: grows each box by a margin (a fraction of the face's
/// own width and height on each side), rounds outwards to whole pixels, clamps to the image. Pure.
/// Fails closed: a box is never dropped. A finite box however large (Width = 1e30) is clamped to the image, so the whole
/// picture is obscured rather than a face left; a box that is no rectangle (NaN, infinite, zero or negative size, edges
/// that overflow when scaled) or lies wholly outside the image is nonsense from the detector, and the response is
/// refused (<see cref="BadInputException"/>: the image goes to the dead-letter queue with the reason, never delivered).
/// Both the DCT path and the pixel path work from these regions.
/// </summary>
internal static class FaceGeometry
{
    /// <summary>Smallest pixelation block, in pixels.</summary>
    public const int MinBlockSize = 8;

    /// <summary>The face's longer side is cut into at most this many blocks (so detail is gone whatever the resolution).</summary>
    public const int BlocksPerFaceSide = 6;

    // Ratios times sizes land a hair off whole numbers (0.1 * 300 = 30.000000000000004); do not grow a box by a pixel for that.
    private const double Snap = 1e-6;

    /// <summary>One region per face, in order.</summary>
    /// <exception cref="BadInputException">A box is no rectangle or misses the image: the detector's response is refused.</exception>
    public static IReadOnlyList<BlurRegion> ToRegions(IReadOnlyList<FaceBox> faces, int width, int height, double margin)
    {
        ArgumentNullException.ThrowIfNull(faces);
        var regions = new List<BlurRegion>(faces.Count);
        for (int i = 0; i < faces.Count; i++)
        {
            regions.Add(ToRegion(faces[i], width, height, margin, i));
        }

        return regions;
    }

    /// <summary>The grown pixel region for one face, clamped to the image.</summary>
    /// <exception cref="BadInputException">The box is no rectangle or misses the image.</exception>
    public static BlurRegion ToRegion(FaceBox face, int width, int height, double margin) => ToRegion(face, width, height, margin, 0);

    private static BlurRegion ToRegion(FaceBox face, int width, int height, double margin, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (!double.IsFinite(margin) || margin < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(margin), margin, "The margin must be a finite, non-negative fraction.");
        }

        if (!double.IsFinite(face.Left) || !double.IsFinite(face.Top) || !double.IsFinite(face.Width) || !double.IsFinite(face.Height)
            || face.Width <= 0 || face.Height <= 0)
        {
            throw Unusable(index, face, "is not a rectangle of finite, positive size");
        }

        double faceWidth = face.Width * width;
        double faceHeight = face.Height * height;
        double left = (face.Left * width) - (margin * faceWidth);
        double top = (face.Top * height) - (margin * faceHeight);
        double right = (face.Left * width) + faceWidth + (margin * faceWidth);
        double bottom = (face.Top * height) + faceHeight + (margin * faceHeight);

        if (double.IsNaN(left) || double.IsNaN(top) || double.IsNaN(right) || double.IsNaN(bottom))
        {
            throw Unusable(index, face, "overflows when scaled to pixels");
        }

        if (right <= 0 || bottom <= 0 || left >= width || top >= height)
        {
            throw Unusable(index, face, $"lies wholly outside the {width}x{height} image");
        }

        // At least one pixel: a sliver thinner than a pixel is still a face to cover.
        int x0 = Math.Min(ClampFloor(left, width), width - 1);
        int y0 = Math.Min(ClampFloor(top, height), height - 1);
        int x1 = Math.Max(ClampCeiling(right, width), x0 + 1);
        int y1 = Math.Max(ClampCeiling(bottom, height), y0 + 1);

        // The block size follows the whole face, even when the edge of the picture cuts it.
        double faceSide = Math.Min(Math.Max(faceWidth, faceHeight), Math.Max(width, height));
        return new BlurRegion(new PixelRect(x0, y0, x1 - x0, y1 - y0), BlockSizeFor(faceSide));
    }

    private static BadInputException Unusable(int index, FaceBox face, string what) => new(string.Create(
        CultureInfo.InvariantCulture,
        $"the face detector's box {index} (left {face.Left:G6}, top {face.Top:G6}, width {face.Width:G6}, height {face.Height:G6}) {what}; the response is refused rather than a face left unblurred"));

    /// <summary>max(8, ceil(side / 6)) pixels: about six blocks across the face, whatever its size.</summary>
    public static int BlockSizeFor(double faceSidePixels) =>
        Math.Max(MinBlockSize, (int)Math.Ceiling((faceSidePixels / BlocksPerFaceSide) - Snap));

    private static int ClampFloor(double value, int limit) => (int)Math.Clamp(Math.Floor(value + Snap), 0, limit);

    private static int ClampCeiling(double value, int limit) => (int)Math.Clamp(Math.Ceiling(value - Snap), 0, limit);
}
