using System.Buffers;

namespace Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;

/// <summary>
/// Destroys the detail inside a region, irreversibly, in place: the region is cut into blocks of
/// <see cref="BlurRegion.BlockSize"/> pixels, each block is reduced to its mean colour (pixelation), the grid of
/// means is blurred with a [1 2 1] kernel both ways, and the region is repainted by smooth (bilinear)
/// interpolation of that grid. What is left inside is a function of about (6 x (1 + 2 x margin))² colours, whatever
/// the face resolution, so no detail can be recovered; the result looks like a soft blur, not a mosaic. Only the
/// region's pixels are read and written; the cost is linear in the region's area. Pure (no Skia).
/// </summary>
internal static class FaceObscurer
{
    /// <summary>Obscures <paramref name="region"/> in a tightly or loosely packed 8-bit image of 1..4 channels.</summary>
    public static void Obscure(Span<byte> pixels, int width, int height, int rowBytes, int bytesPerPixel, BlurRegion region)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytesPerPixel, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bytesPerPixel, 4);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowBytes, width * bytesPerPixel);
        ArgumentOutOfRangeException.ThrowIfLessThan(pixels.Length, ((height - 1) * rowBytes) + (width * bytesPerPixel), nameof(pixels));
        var r = region.Bounds;
        if (r.X < 0 || r.Y < 0 || r.Width <= 0 || r.Height <= 0 || r.Right > width || r.Bottom > height)
        {
            throw new ArgumentOutOfRangeException(nameof(region), region, "The region must be a non-empty rectangle inside the image.");
        }

        int channels = bytesPerPixel;
        int block = Math.Max(1, region.BlockSize);
        int gridWidth = (r.Width + block - 1) / block;
        int gridHeight = (r.Height + block - 1) / block;
        int gridStride = gridWidth * channels;
        int rowLength = r.Width * channels;

        float[] grid = ArrayPool<float>.Shared.Rent(gridHeight * gridStride);
        float[] scratch = ArrayPool<float>.Shared.Rent(gridHeight * gridStride);
        float[] interpolatedRows = ArrayPool<float>.Shared.Rent(gridHeight * rowLength);
        try
        {
            BlockMeans(pixels, rowBytes, channels, r, block, gridWidth, gridHeight, grid);
            BlurGrid(grid, scratch, gridWidth, gridHeight, channels);
            InterpolateRows(grid, gridWidth, gridHeight, channels, r.Width, block, interpolatedRows);
            Repaint(pixels, rowBytes, channels, r, block, gridHeight, interpolatedRows);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(grid);
            ArrayPool<float>.Shared.Return(scratch);
            ArrayPool<float>.Shared.Return(interpolatedRows);
        }
    }

    private static void BlockMeans(
        ReadOnlySpan<byte> pixels, int rowBytes, int channels, PixelRect r, int block, int gridWidth, int gridHeight, float[] grid)
    {
        long[] sums = ArrayPool<long>.Shared.Rent(gridWidth * channels);
        try
        {
            for (int gy = 0; gy < gridHeight; gy++)
            {
                int y0 = r.Y + (gy * block);
                int y1 = Math.Min(y0 + block, r.Bottom);
                Array.Clear(sums, 0, gridWidth * channels);
                for (int y = y0; y < y1; y++)
                {
                    var row = pixels.Slice((y * rowBytes) + (r.X * channels), r.Width * channels);
                    for (int gx = 0; gx < gridWidth; gx++)
                    {
                        int x0 = gx * block;
                        int x1 = Math.Min(x0 + block, r.Width);
                        int s = gx * channels;
                        for (int i = x0 * channels; i < x1 * channels; i += channels)
                        {
                            for (int c = 0; c < channels; c++)
                            {
                                sums[s + c] += row[i + c];
                            }
                        }
                    }
                }

                for (int gx = 0; gx < gridWidth; gx++)
                {
                    int count = (Math.Min((gx + 1) * block, r.Width) - (gx * block)) * (y1 - y0);
                    for (int c = 0; c < channels; c++)
                    {
                        grid[(((gy * gridWidth) + gx) * channels) + c] = sums[(gx * channels) + c] / (float)count;
                    }
                }
            }
        }
        finally
        {
            ArrayPool<long>.Shared.Return(sums);
        }
    }

    /// <summary>[1 2 1] / 4 horizontally then vertically, edges clamped.</summary>
    private static void BlurGrid(float[] grid, float[] scratch, int gridWidth, int gridHeight, int channels)
    {
        for (int gy = 0; gy < gridHeight; gy++)
        {
            for (int gx = 0; gx < gridWidth; gx++)
            {
                int left = Math.Max(gx - 1, 0), right = Math.Min(gx + 1, gridWidth - 1);
                for (int c = 0; c < channels; c++)
                {
                    scratch[(((gy * gridWidth) + gx) * channels) + c] =
                        (grid[(((gy * gridWidth) + left) * channels) + c]
                         + (2 * grid[(((gy * gridWidth) + gx) * channels) + c])
                         + grid[(((gy * gridWidth) + right) * channels) + c]) / 4f;
                }
            }
        }

        for (int gy = 0; gy < gridHeight; gy++)
        {
            int up = Math.Max(gy - 1, 0), down = Math.Min(gy + 1, gridHeight - 1);
            for (int i = 0; i < gridWidth * channels; i++)
            {
                int stride = gridWidth * channels;
                grid[(gy * stride) + i] = (scratch[(up * stride) + i] + (2 * scratch[(gy * stride) + i]) + scratch[(down * stride) + i]) / 4f;
            }
        }
    }

    /// <summary>For every grid row, the region-wide row obtained by interpolating between block centres horizontally.</summary>
    private static void InterpolateRows(float[] grid, int gridWidth, int gridHeight, int channels, int regionWidth, int block, float[] rows)
    {
        int rowLength = regionWidth * channels;
        for (int x = 0; x < regionWidth; x++)
        {
            var (i0, i1, t) = Neighbours(x, block, gridWidth);
            for (int gy = 0; gy < gridHeight; gy++)
            {
                int g = gy * gridWidth;
                for (int c = 0; c < channels; c++)
                {
                    float a = grid[((g + i0) * channels) + c];
                    float b = grid[((g + i1) * channels) + c];
                    rows[(gy * rowLength) + (x * channels) + c] = a + ((b - a) * t);
                }
            }
        }
    }

    private static void Repaint(Span<byte> pixels, int rowBytes, int channels, PixelRect r, int block, int gridHeight, float[] rows)
    {
        int rowLength = r.Width * channels;
        for (int y = 0; y < r.Height; y++)
        {
            var (j0, j1, t) = Neighbours(y, block, gridHeight);
            var upper = rows.AsSpan(j0 * rowLength, rowLength);
            var lower = rows.AsSpan(j1 * rowLength, rowLength);
            var target = pixels.Slice(((r.Y + y) * rowBytes) + (r.X * channels), rowLength);
            for (int i = 0; i < rowLength; i++)
            {
                float v = upper[i] + ((lower[i] - upper[i]) * t);
                target[i] = (byte)Math.Clamp((int)(v + 0.5f), 0, 255);
            }
        }
    }

    /// <summary>The two block centres around pixel <paramref name="p"/> and the weight of the second.</summary>
    private static (int First, int Second, float Weight) Neighbours(int p, int block, int count)
    {
        float position = ((p + 0.5f) / block) - 0.5f;
        int first = Math.Clamp((int)MathF.Floor(position), 0, count - 1);
        int second = Math.Min(first + 1, count - 1);
        float weight = Math.Clamp(position - first, 0f, 1f);
        return (first, second, weight);
    }
}
