namespace Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;

/// <summary>
/// The eight EXIF orientations as pixel transforms from the stored frame to the upright frame a viewer shows.
/// For a stored image of <c>w x h</c>, the stored pixel (sx, sy) is shown at the upright position:
/// <list type="table">
/// <item><term>1</term><description>(sx, sy): as stored.</description></item>
/// <item><term>2</term><description>(w-1-sx, sy): mirrored left-right.</description></item>
/// <item><term>3</term><description>(w-1-sx, h-1-sy): rotated 180°.</description></item>
/// <item><term>4</term><description>(sx, h-1-sy): mirrored top-bottom.</description></item>
/// <item><term>5</term><description>(sy, sx): transposed (upright size h x w).</description></item>
/// <item><term>6</term><description>(h-1-sy, sx): rotated 90° clockwise.</description></item>
/// <item><term>7</term><description>(h-1-sy, w-1-sx): transversed.</description></item>
/// <item><term>8</term><description>(sy, w-1-sx): rotated 90° counter-clockwise.</description></item>
/// </list>
/// Pure (no Skia): the copy works on spans of whole pixels and can be fed a band of stored rows at a time, so a
/// decoder that delivers scanlines never needs a second full-size buffer.
/// </summary>
internal static class ExifOrientation
{
    /// <summary>Size of the upright image.</summary>
    public static (int Width, int Height) UprightSize(int storedWidth, int storedHeight, int orientation) =>
        orientation >= 5 ? (storedHeight, storedWidth) : (storedWidth, storedHeight);

    /// <summary>Upright position of the stored pixel (sx, sy).</summary>
    public static (int X, int Y) ToUpright(int sx, int sy, int storedWidth, int storedHeight, int orientation) => orientation switch
    {
        2 => (storedWidth - 1 - sx, sy),
        3 => (storedWidth - 1 - sx, storedHeight - 1 - sy),
        4 => (sx, storedHeight - 1 - sy),
        5 => (sy, sx),
        6 => (storedHeight - 1 - sy, sx),
        7 => (storedHeight - 1 - sy, storedWidth - 1 - sx),
        8 => (sy, storedWidth - 1 - sx),
        _ => (sx, sy),
    };

    /// <summary>
    /// Copies stored rows <paramref name="firstRow"/>..<paramref name="firstRow"/>+rows-1 (tightly packed in
    /// <paramref name="band"/>) to their upright positions in <paramref name="upright"/> (tightly packed, upright size).
    /// </summary>
    public static void CopyBand<TPixel>(
        ReadOnlySpan<TPixel> band,
        int firstRow,
        int rows,
        int storedWidth,
        int storedHeight,
        int orientation,
        Span<TPixel> upright)
        where TPixel : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(band.Length, rows * storedWidth, nameof(band));
        ArgumentOutOfRangeException.ThrowIfLessThan(upright.Length, storedWidth * storedHeight, nameof(upright));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(firstRow + rows, storedHeight, nameof(rows));
        int w = storedWidth, h = storedHeight;

        if (orientation <= 4)
        {
            // Rows stay rows (possibly reversed, possibly moved): copy row by row.
            for (int r = 0; r < rows; r++)
            {
                int sy = firstRow + r;
                var source = band.Slice(r * w, w);
                int uy = orientation is 3 or 4 ? h - 1 - sy : sy;
                var target = upright.Slice(uy * w, w);
                source.CopyTo(target);
                if (orientation is 2 or 3)
                {
                    target.Reverse();
                }
            }

            return;
        }

        // Rows become columns. For each stored column sx, the band's rows land side by side in one upright row,
        // so each write touches rows contiguous pixels (cache-friendly for bands of 8-16 rows).
        int uw = h;
        bool columnsReversed = orientation is 7 or 8;   // upright row = w-1-sx
        bool rowsReversed = orientation is 6 or 7;      // upright column = h-1-sy
        for (int sx = 0; sx < w; sx++)
        {
            int uy = columnsReversed ? w - 1 - sx : sx;
            var target = upright.Slice(uy * uw, uw);
            for (int r = 0; r < rows; r++)
            {
                int sy = firstRow + r;
                int ux = rowsReversed ? h - 1 - sy : sy;
                target[ux] = band[(r * w) + sx];
            }
        }
    }
}
