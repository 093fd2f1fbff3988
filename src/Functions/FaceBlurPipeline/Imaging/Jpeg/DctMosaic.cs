namespace Patterns.Cdk.Functions.FaceBlurPipeline.Imaging.Jpeg;

/// <summary>
/// Pixelates a region of a JPEG in the DCT domain, irreversibly. For each component the region is rounded out to
/// that component's block grid (a chroma block of a 4:2:0 image spans 16 x 16 pixels), then cut into mosaic cells of
/// <see cref="BlurRegion.BlockSize"/> pixels rounded up to whole blocks; every block of a cell gets the cell's mean DC
/// coefficient and all 63 AC coefficients are zeroed. A decoded cell is one flat colour: the detail (all AC energy)
/// is gone and only about six cells across the face remain, as in the pixel path. Blocks outside the rounded region
/// are not touched, so they re-encode bit for bit.
/// </summary>
internal static class DctMosaic
{
    public static void Apply(JpegFrame frame, short[][] coefficients, BlurRegion region)
    {
        for (int c = 0; c < frame.Components.Count; c++)
        {
            var component = frame.Components[c];
            var blocks = ToBlocks(component, region.Bounds);
            if (blocks.Width <= 0 || blocks.Height <= 0)
            {
                continue;
            }

            int cellAcross = CeilingDivide(region.BlockSize, component.BlockWidthPixels);
            int cellDown = CeilingDivide(region.BlockSize, component.BlockHeightPixels);
            for (int y = blocks.Y; y < blocks.Bottom; y += cellDown)
            {
                for (int x = blocks.X; x < blocks.Right; x += cellAcross)
                {
                    var cell = new PixelRect(x, y, Math.Min(cellAcross, blocks.Right - x), Math.Min(cellDown, blocks.Bottom - y));
                    Flatten(coefficients[c], component.BlocksPerLine, cell);
                }
            }
        }
    }

    /// <summary>
    /// The blocks of <paramref name="component"/> that a pixel rectangle touches (rounded out). When it reaches the
    /// last visible block of a row or column, it also takes the padding blocks beyond, which no viewer shows but which
    /// encoders fill by repeating the edge pixels, so they would otherwise keep part of a face at the border.
    /// </summary>
    public static PixelRect ToBlocks(JpegComponent component, PixelRect pixels)
    {
        int x0 = pixels.X / component.BlockWidthPixels;
        int y0 = pixels.Y / component.BlockHeightPixels;
        int x1 = Math.Min(CeilingDivide(pixels.Right, component.BlockWidthPixels), component.VisibleBlocksPerLine);
        int y1 = Math.Min(CeilingDivide(pixels.Bottom, component.BlockHeightPixels), component.VisibleBlocksPerColumn);
        if (x1 == component.VisibleBlocksPerLine)
        {
            x1 = component.BlocksPerLine;
        }

        if (y1 == component.VisibleBlocksPerColumn)
        {
            y1 = component.BlocksPerColumn;
        }

        return new PixelRect(x0, y0, x1 - x0, y1 - y0);
    }

    private static void Flatten(short[] store, int blocksPerLine, PixelRect cell)
    {
        long sum = 0;
        for (int y = cell.Y; y < cell.Bottom; y++)
        {
            for (int x = cell.X; x < cell.Right; x++)
            {
                sum += store[((y * blocksPerLine) + x) * 64];
            }
        }

        short mean = (short)Math.Round(sum / (double)(cell.Width * cell.Height), MidpointRounding.AwayFromZero);
        for (int y = cell.Y; y < cell.Bottom; y++)
        {
            var row = store.AsSpan(((y * blocksPerLine) + cell.X) * 64, cell.Width * 64);
            row.Clear();
            for (int i = 0; i < row.Length; i += 64)
            {
                row[i] = mean;
            }
        }
    }

    private static int CeilingDivide(int value, int divisor) => (value + divisor - 1) / divisor;
}
