using Krypton.IO;
using Krypton.Spec;

namespace Krypton.Tests;

/// <summary>The map at input resolution: each pixel the mean of the cells whose patch covers it.</summary>
public class PerPixelTests
{
    [Fact]
    public void Hand_checked_on_a_five_by_six_image()
    {
        // KRYPTON's grid, patch 2x3, stride 2x2: 2 rows (y 0, 2) and 2 columns (x 0, 2); row 4 and column 5 uncovered.
        var grid = new OcclusionGrid(5, 6, new Size2(2, 3), new Size2(2, 2), GridKind.Krypton);
        Assert.Equal((2, 2), (grid.Rows, grid.Columns));
        var pixels = grid.PerPixel([1f, 3f, 5f, 7f]);
        float N = float.NaN;
        float[] expected =
        [
            1, 1, 2, 3, 3, N,
            1, 1, 2, 3, 3, N,
            5, 5, 6, 7, 7, N,
            5, 5, 6, 7, 7, N,
            N, N, N, N, N, N,
        ];
        Assert.Equal(expected, pixels);
    }

    [Fact]
    public void Hand_checked_on_a_five_by_six_image_with_every_pixel_covered()
    {
        // The full grid, patch 2x3, stride 2x2: rows at y 0, 2, 4 (the last one row high, cut off at the
        // border) and columns at x 0, 2, 4 (the last two wide): every pixel covered, as Captum's windows.
        var grid = new OcclusionGrid(5, 6, new Size2(2, 3), new Size2(2, 2));
        Assert.Equal((3, 3), (grid.Rows, grid.Columns));
        Assert.Equal(new PixelRegion(4, 4, 1, 2), grid.PatchAt(8));
        Assert.Equal((5, 6), (grid.CoveredHeight, grid.CoveredWidth));
        var pixels = grid.PerPixel([1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f]);
        float[] expected =
        [
            1, 1, 1.5f, 2, 2.5f, 3,
            1, 1, 1.5f, 2, 2.5f, 3,
            4, 4, 4.5f, 5, 5.5f, 6,
            4, 4, 4.5f, 5, 5.5f, 6,
            7, 7, 7.5f, 8, 8.5f, 9,
        ];
        Assert.Equal(expected, pixels);
    }

    [Fact]
    public void Cells_outside_the_region_of_interest_are_left_out_of_the_means()
    {
        var grid = new OcclusionGrid(4, 4, new Size2(2, 2), new Size2(1, 1));
        var map = Enumerable.Repeat(float.NaN, grid.Count).ToArray();
        map[4] = 2f;   // cell (1, 1): pixels [1, 3) x [1, 3)
        map[5] = 4f;   // cell (1, 2): pixels [1, 3) x [2, 4)
        var pixels = grid.PerPixel(map);
        Assert.Equal(2f, pixels[1 * 4 + 1]);
        Assert.Equal(3f, pixels[1 * 4 + 2]);
        Assert.Equal(4f, pixels[2 * 4 + 3]);
        Assert.True(float.IsNaN(pixels[0]));
        Assert.Equal(6, pixels.Count(float.IsFinite));
    }

    [Theory]
    [InlineData(23, 17, 5, 4, 3, 2)]
    [InlineData(16, 16, 16, 16, 4, 4)]
    [InlineData(30, 20, 7, 3, 7, 3)]
    public void Equals_the_mean_over_covering_patches_counted_one_by_one(int h, int w, int ph, int pw, int sy, int sx)
    {
        var grid = new OcclusionGrid(h, w, new Size2(ph, pw), new Size2(sy, sx));
        var random = new Random(h * w + ph);
        var map = Enumerable.Range(0, grid.Count).Select(_ => (float)random.NextDouble()).ToArray();
        var pixels = grid.PerPixel(map);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                var covering = Enumerable.Range(0, grid.Count).Where(c =>
                {
                    var (oy, ox) = grid.Origin(c);
                    return oy <= y && y < oy + ph && ox <= x && x < ox + pw;
                }).Select(c => (double)map[c]).ToList();
                if (covering.Count == 0) Assert.True(float.IsNaN(pixels[y * w + x]), $"({y}, {x}) is covered by no patch");
                else Assert.Equal(covering.Average(), pixels[y * w + x], 5);
            }
    }

    [Fact]
    public void The_command_writes_it_at_the_model_input_size_and_refuses_it_without_a_map()
    {
        string dir = Directory.CreateTempSubdirectory("krypton-pixels-").FullName;
        try
        {
            string input = CliTests.GoldenImageNpy(dir), out_ = Path.Combine(dir, "out");
            var (code, _, stderr) = CliTests.Krypton("explain", "--model", TestFiles.TinyMixed, "--input", input, "--patch", "8", "--stride", "4",
                "--fill", "tensor:0", "--per-pixel", "--out", out_, "--quiet");
            Assert.True(code == 0, stderr);
            var pixels = NpyFile.Read(Path.Combine(out_, "heatmap-pixels.npy"));
            var cells = NpyFile.Read(Path.Combine(out_, "heatmap.npy"));
            Assert.Equal([64, 64], pixels.Shape);
            var grid = new OcclusionGrid(64, 64, Size2.Square(8), Size2.Square(4));
            Assert.Equal(grid.PerPixel(cells.Data), pixels.Data);

            (code, _, stderr) = CliTests.Krypton("explain", "--model", TestFiles.TinyMixed, "--input", input, "--patch", "8",
                "--positions", "0,0", "--per-pixel", "--out", Path.Combine(dir, "o2"), "--quiet");
            Assert.Equal(2, code);
            Assert.Contains("--per-pixel needs a heat map; it does not go with --positions", stderr);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
