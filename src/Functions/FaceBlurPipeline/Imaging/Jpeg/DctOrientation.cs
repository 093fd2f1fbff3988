namespace Patterns.Cdk.Functions.FaceBlurPipeline.Imaging.Jpeg;

/// <summary>
/// Applies an EXIF orientation (<see cref="ExifOrientation"/>) to quantized DCT coefficients, losslessly, the way
/// <c>jpegtran -perfect</c> does. Every orientation is a transpose (5..8) followed by mirrors of the upright x and/or
/// y axis. On the block grid that is a transpose and a reversal of block columns/rows; inside a block, a transpose
/// swaps the horizontal and vertical frequencies, and a mirror negates the coefficients whose frequency along the
/// mirrored axis is odd (the odd cosines are antisymmetric about the block's centre, the even ones symmetric).
/// The decoded pixels are then exactly the stored ones moved to their upright places, up to the IDCT's rounding.
/// <para>
/// A mirror is only lossless when no block along the mirrored axis is partial or padding: otherwise the padding would
/// move to the top or left of the picture. Such images are not eligible (<see cref="CanApply"/> gives a reason), as
/// with <c>-perfect</c>. A transpose alone needs nothing: padding at the right becomes padding at the bottom.
/// </para>
/// </summary>
internal static class DctOrientation
{
    /// <summary>Natural (row-major, row = vertical frequency) index of each zig-zag position (T.81 figure A.6).</summary>
    private static ReadOnlySpan<byte> ZigZagToNatural =>
    [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
        12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
        58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
    ];

    /// <summary>The zig-zag position of each natural index (the inverse of <see cref="ZigZagToNatural"/>).</summary>
    private static readonly byte[] NaturalToZigZag = Invert(ZigZagToNatural);

    /// <summary>True for orientations 5..8, which swap the image's width and height.</summary>
    public static bool Transposes(int orientation) => orientation is >= 5 and <= 8;

    /// <summary>
    /// Whether <paramref name="orientation"/> can be applied to <paramref name="stored"/> losslessly: always, unless
    /// it mirrors an axis along which the image is not a whole number of MCUs (then <paramref name="reason"/> says so).
    /// </summary>
    public static bool CanApply(JpegFrame stored, int orientation, out string reason)
    {
        reason = "";
        var (transpose, mirrorX, mirrorY) = Decompose(orientation);
        var upright = transpose ? Transpose(stored) : stored;
        foreach (var c in upright.Components)
        {
            if ((mirrorX && c.BlocksPerLine * c.BlockWidthPixels != upright.Width)
                || (mirrorY && c.BlocksPerColumn * c.BlockHeightPixels != upright.Height))
            {
                reason = $"EXIF orientation {orientation} mirrors an axis that is not a whole number of MCUs "
                    + "(the partial edge blocks would move to the other side), so it cannot be applied losslessly";
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The upright frame and coefficients for a stored frame shown with <paramref name="orientation"/>; the input
    /// itself for orientation 1. Call <see cref="CanApply"/> first. The stored coefficients are released component
    /// by component (their arrays are emptied), so the peak is one extra component, not a second image.
    /// </summary>
    public static (JpegFrame Frame, short[][] Coefficients) Apply(JpegFrame stored, short[][] coefficients, int orientation)
    {
        var (transpose, mirrorX, mirrorY) = Decompose(orientation);
        if (!transpose && !mirrorX && !mirrorY)
        {
            return (stored, coefficients);
        }

        var upright = transpose ? Transpose(stored) : stored;
        var (permutation, negate) = BlockTransform(transpose, mirrorX, mirrorY);
        var result = new short[coefficients.Length][];
        for (int i = 0; i < coefficients.Length; i++)
        {
            result[i] = TransformComponent(stored.Components[i], upright.Components[i], coefficients[i], transpose, mirrorX, mirrorY, permutation, negate);
            coefficients[i] = [];
        }

        return (upright, result);
    }

    /// <summary>An orientation as a transpose followed by mirrors of the upright axes (1 and unknown values: nothing).</summary>
    private static (bool Transpose, bool MirrorX, bool MirrorY) Decompose(int orientation) =>
        (Transposes(orientation), orientation is 2 or 3 or 6 or 7, orientation is 3 or 4 or 7 or 8);

    /// <summary>
    /// A quantization table in zig-zag order, transposed: the upright coefficient (u, v) is the stored (v, u), so it
    /// must be dequantized with the stored table's (v, u) entry. Standard tables are not symmetric (luma 11 vs 12).
    /// </summary>
    public static void TransposeQuantizationTable<T>(ReadOnlySpan<T> zigZag, Span<T> transposed)
    {
        for (int k = 0; k < 64; k++)
        {
            int n = ZigZagToNatural[k];
            transposed[k] = zigZag[NaturalToZigZag[((n & 7) * 8) + (n >> 3)]];
        }
    }

    /// <summary>
    /// For each upright zig-zag position, the stored zig-zag position it comes from, and whether it changes sign.
    /// </summary>
    private static (byte[] Permutation, bool[] Negate) BlockTransform(bool transpose, bool mirrorX, bool mirrorY)
    {
        var permutation = new byte[64];
        var negate = new bool[64];
        for (int k = 0; k < 64; k++)
        {
            int n = ZigZagToNatural[k];
            int row = n >> 3, column = n & 7;   // upright vertical, horizontal frequency
            int source = transpose ? (column * 8) + row : n;
            permutation[k] = NaturalToZigZag[source];
            negate[k] = (mirrorX && (column & 1) == 1) ^ (mirrorY && (row & 1) == 1);
        }

        return (permutation, negate);
    }

    private static byte[] Invert(ReadOnlySpan<byte> zigZagToNatural)
    {
        var inverse = new byte[64];
        for (int k = 0; k < 64; k++)
        {
            inverse[zigZagToNatural[k]] = (byte)k;
        }

        return inverse;
    }

    private static short[] TransformComponent(
        JpegComponent stored, JpegComponent upright, short[] source, bool transpose, bool mirrorX, bool mirrorY, byte[] permutation, bool[] negate)
    {
        var target = upright.AllocateCoefficients();
        for (int uy = 0; uy < upright.BlocksPerColumn; uy++)
        {
            int ty = mirrorY ? upright.BlocksPerColumn - 1 - uy : uy;
            for (int ux = 0; ux < upright.BlocksPerLine; ux++)
            {
                int tx = mirrorX ? upright.BlocksPerLine - 1 - ux : ux;
                (int sx, int sy) = transpose ? (ty, tx) : (tx, ty);
                var from = source.AsSpan(((sy * stored.BlocksPerLine) + sx) * 64, 64);
                var to = target.AsSpan(((uy * upright.BlocksPerLine) + ux) * 64, 64);
                for (int k = 0; k < 64; k++)
                {
                    short value = from[permutation[k]];
                    to[k] = negate[k] ? (short)-value : value;
                }
            }
        }

        return target;
    }

    /// <summary>The frame with x and y swapped: sizes, sampling factors, block grids, MCU grid.</summary>
    private static JpegFrame Transpose(JpegFrame stored) => new()
    {
        Width = stored.Height,
        Height = stored.Width,
        Components = [.. stored.Components.Select(c => new JpegComponent
        {
            Id = c.Id,
            H = c.V,
            V = c.H,
            DcTable = c.DcTable,
            AcTable = c.AcTable,
            BlocksPerLine = c.BlocksPerColumn,
            BlocksPerColumn = c.BlocksPerLine,
            VisibleBlocksPerLine = c.VisibleBlocksPerColumn,
            VisibleBlocksPerColumn = c.VisibleBlocksPerLine,
            BlockWidthPixels = c.BlockHeightPixels,
            BlockHeightPixels = c.BlockWidthPixels,
            McuBlocksAcross = c.McuBlocksDown,
            McuBlocksDown = c.McuBlocksAcross,
        })],
        McusPerLine = stored.McuRows,
        McuRows = stored.McusPerLine,
        RestartInterval = stored.RestartInterval,
        DcTables = stored.DcTables,
        AcTables = stored.AcTables,
        CopiedSegments = stored.CopiedSegments,
        ScanHeader = stored.ScanHeader,
        EntropyStart = stored.EntropyStart,
    };
}
