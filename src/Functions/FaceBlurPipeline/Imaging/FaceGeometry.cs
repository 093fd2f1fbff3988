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
/// </summary>
internal static class FaceGeometry
{
    /// <summary>Smallest pixelation block, in pixels.</summary>
    public const int MinBlockSize = 8;

    /// <summary>The face's longer side is cut into at most this many blocks (so detail is gone whatever the resolution).</summary>
    public const int BlocksPerFaceSide = 6;

    // Ratios times sizes land a hair off whole numbers (0.1 * 300 = 30.000000000000004); do not grow a box by a pixel for that.
    private const double Snap = 1e-6;

    /// <summary>All faces that overlap the image, in order; boxes that miss it or are degenerate are left out.</summary>
    public static IReadOnlyList<BlurRegion> ToRegions(IReadOnlyList<FaceBox> faces, int width, int height, double margin)
    {
        ArgumentNullException.ThrowIfNull(faces);
        var regions = new List<BlurRegion>(faces.Count);
        foreach (var face in faces)
        {
            if (ToRegion(face, width, height, margin) is { } region)
            {
                regions.Add(region);
            }
        }

        return regions;
    }

    /// <summary>The grown, clamped pixel region for one face, or null when nothing of it is inside the image.</summary>
    public static BlurRegion? ToRegion(FaceBox face, int width, int height, double margin)
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
            return null;
        }

        double faceWidth = face.Width * width;
        double faceHeight = face.Height * height;
        double left = (face.Left * width) - (margin * faceWidth);
        double top = (face.Top * height) - (margin * faceHeight);
        double right = (face.Left * width) + faceWidth + (margin * faceWidth);
        double bottom = (face.Top * height) + faceHeight + (margin * faceHeight);

        int x0 = ClampFloor(left, width);
        int y0 = ClampFloor(top, height);
        int x1 = ClampCeiling(right, width);
        int y1 = ClampCeiling(bottom, height);
        if (x1 <= x0 || y1 <= y0)
        {
            return null;
        }

        // The block size follows the whole face, even when the edge of the picture cuts it.
        double faceSide = Math.Min(Math.Max(faceWidth, faceHeight), Math.Max(width, height));
        return new BlurRegion(new PixelRect(x0, y0, x1 - x0, y1 - y0), BlockSizeFor(faceSide));
    }

    /// <summary>max(8, ceil(side / 6)) pixels: about six blocks across the face, whatever its size.</summary>
    public static int BlockSizeFor(double faceSidePixels) =>
        Math.Max(MinBlockSize, (int)Math.Ceiling((faceSidePixels / BlocksPerFaceSide) - Snap));

    private static int ClampFloor(double value, int limit) => (int)Math.Clamp(Math.Floor(value + Snap), 0, limit);

    private static int ClampCeiling(double value, int limit) => (int)Math.Clamp(Math.Ceiling(value - Snap), 0, limit);
}
