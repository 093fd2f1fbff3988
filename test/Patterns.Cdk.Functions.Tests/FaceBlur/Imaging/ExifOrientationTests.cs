using Patterns.Cdk.Functions.FaceBlurPipeline.Imaging;

namespace Patterns.Cdk.Functions.Tests.FaceBlur.Imaging;

public class ExifOrientationTests
{
    // Stored 3 x 2:   A B C
    //                 D E F
    private static readonly char[] Stored = "ABCDEF".ToCharArray();

    // What a viewer shows for each orientation (EXIF 2.32, tag 0x0112), row by row.
    public static TheoryData<int, int, int, string> Upright => new()
    {
        { 1, 3, 2, "ABC|DEF" },
        { 2, 3, 2, "CBA|FED" },   // mirrored left-right
        { 3, 3, 2, "FED|CBA" },   // rotated 180
        { 4, 3, 2, "DEF|ABC" },   // mirrored top-bottom
        { 5, 2, 3, "AD|BE|CF" },  // transposed
        { 6, 2, 3, "DA|EB|FC" },  // rotated 90 clockwise
        { 7, 2, 3, "FC|EB|DA" },  // transversed
        { 8, 2, 3, "CF|BE|AD" },  // rotated 90 counter-clockwise
    };

    [Theory]
    [MemberData(nameof(Upright))]
    public void Copies_each_stored_pixel_to_its_upright_place(int orientation, int width, int height, string expected)
    {
        ExifOrientation.UprightSize(3, 2, orientation).Should().Be((width, height));
        var upright = new char[6];

        ExifOrientation.CopyBand<char>(Stored, 0, 2, 3, 2, orientation, upright);

        Rows(upright, width).Should().Be(expected);
    }

    [Theory]
    [MemberData(nameof(Upright))]
    public void The_point_mapping_agrees_with_the_copy(int orientation, int width, int height, string expected)
    {
        string[] rows = expected.Split('|');
        rows.Should().HaveCount(height);
        for (int sy = 0; sy < 2; sy++)
        {
            for (int sx = 0; sx < 3; sx++)
            {
                var (x, y) = ExifOrientation.ToUpright(sx, sy, 3, 2, orientation);
                x.Should().BeInRange(0, width - 1);
                rows[y][x].Should().Be(Stored[(sy * 3) + sx]);
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Copying_band_by_band_equals_copying_the_whole_image(int orientation)
    {
        const int w = 37, h = 23;
        int[] stored = Enumerable.Range(0, w * h).ToArray();
        int[] whole = new int[w * h];
        ExifOrientation.CopyBand<int>(stored, 0, h, w, h, orientation, whole);

        foreach (int bandRows in new[] { 1, 5, 16 })
        {
            int[] banded = new int[w * h];
            for (int y = 0; y < h; y += bandRows)
            {
                int rows = Math.Min(bandRows, h - y);
                ExifOrientation.CopyBand<int>(stored.AsSpan(y * w, rows * w), y, rows, w, h, orientation, banded);
            }

            banded.Should().Equal(whole, $"bands of {bandRows} rows");
        }

        whole.Should().OnlyHaveUniqueItems().And.HaveCount(w * h);
    }

    private static string Rows(char[] pixels, int width) =>
        string.Join('|', pixels.Chunk(width).Select(row => new string(row)));
}
