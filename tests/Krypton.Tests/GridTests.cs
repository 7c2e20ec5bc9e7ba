using Krypton.Explain;
using Krypton.Imaging;
using Krypton.Spec;

namespace Krypton.Tests;

/// <summary>Where the grids put their patches: every pixel covered by default, KRYPTON's count on request.</summary>
public class GridTests
{
    [Theory]
    [InlineData(224, 16, 4, 53, 52)]   // the paper's 52 (2,704 positions) drops the window flush with the border at 208
    [InlineData(32, 5, 3, 10, 9)]      // the paper's count loses the aligned window at 27
    [InlineData(10, 4, 4, 3, 1)]       // the last full-grid window starts at 8 and is cut off after 2 pixels; the paper keeps one
    [InlineData(16, 16, 4, 1, 1)]      // a patch as large as the input is one position
    [InlineData(16, 15, 4, 2, 1)]
    [InlineData(20, 2, 7, 3, 2)]       // a stride above the patch: no window starts outside the input
    public void Positions_per_axis(int size, int patch, int stride, int full, int krypton)
    {
        Assert.Equal(full, new OcclusionGrid(size, size, Size2.Square(patch), Size2.Square(stride)).Rows);
        Assert.Equal(krypton, new OcclusionGrid(size, size, Size2.Square(patch), Size2.Square(stride), GridKind.Krypton).Rows);
    }

    [Theory]
    [InlineData(224, 16, 4)]
    [InlineData(32, 5, 3)]
    [InlineData(10, 4, 4)]
    [InlineData(37, 8, 8)]
    [InlineData(64, 7, 5)]
    public void The_full_grid_covers_every_pixel_and_cuts_only_at_the_border(int size, int patch, int stride)
    {
        var grid = new OcclusionGrid(size, size, Size2.Square(patch), Size2.Square(stride));
        var covered = new bool[size * size];
        for (int cell = 0; cell < grid.Count; cell++)
        {
            var p = grid.PatchAt(cell);
            Assert.True(p.Y + p.Height <= size && p.X + p.Width <= size);
            // Only a patch that would reach past the border is smaller than the patch.
            Assert.Equal(Math.Min(patch, size - p.Y), p.Height);
            for (int y = p.Y; y < p.Y + p.Height; y++)
                for (int x = p.X; x < p.X + p.Width; x++) covered[y * size + x] = true;
        }
        Assert.All(covered, Assert.True);
        Assert.Equal((size, size), (grid.CoveredHeight, grid.CoveredWidth));
    }

    [Fact]
    public void A_patch_as_large_as_the_input_is_one_position_at_any_stride()
    {
        var model = TinyMixedFile.Model;
        foreach (var kind in new[] { GridKind.Full, GridKind.Krypton })
        {
            var spec = new OcclusionSpec(Size2.Square(64), Size2.Square(4), new TensorFill(0f), GridKind: kind);
            var e = Explainer.Explain(new ExplainRequest(model, TinyMixedFile.Image, spec, Preprocessing.None));
            Assert.Equal(1, e.Positions);
            Assert.Single(e.HeatMap);
        }
    }
}
