using Krypton.Imaging;
using Krypton.Model;
using Krypton.Compilation;
using Krypton.Explain;
using Krypton.Quality;
using Krypton.Spec;
using Krypton.Planning;

namespace Krypton.Tests;

/// <summary>
/// Deletion curves on tiny_mixed, checked against the original ONNX file run by ONNX Runtime on
/// images occluded here in plain C#: the emitted masked graph, the cell order and the step counts
/// are all recomputed independently.
/// </summary>
public sealed class FaithfulnessTests : IDisposable
{
    private static ModelGraph Model => TinyMixedFile.Model;
    private static float[] Image => TinyMixedFile.Image;
    private const int H = TinyMixedFile.H, W = TinyMixedFile.W, C = TinyMixedFile.C;

    // Gray (pixel 0.5) through ImageNet's normalization, written out here rather than taken from the library.
    private static readonly float[] GrayFill = [(0.5f - 0.485f) / 0.229f, (0.5f - 0.456f) / 0.224f, (0.5f - 0.406f) / 0.225f];

    private readonly TinyMixedFile _reference = new();

    public void Dispose() => _reference.Dispose();

    private float ReferenceProbability(float[] image, int target) => _reference.Probability(image, target);

    /// <summary>The image with the patches (top-left corners) of the given cells filled with gray.</summary>
    private static float[] Occluded(IEnumerable<(int Y, int X)> corners, int patchH, int patchW)
    {
        var masked = new bool[H, W];
        foreach (var (y, x) in corners)
            for (int r = y; r < y + patchH; r++)
                for (int c = x; c < x + patchW; c++)
                    masked[r, c] = true;
        var result = (float[])Image.Clone();
        for (int ch = 0; ch < C; ch++)
            for (int r = 0; r < H; r++)
                for (int c = 0; c < W; c++)
                    if (masked[r, c]) result[(ch * H + r) * W + c] = GrayFill[ch];
        return result;
    }

    private static ExplainRequest Request(int patch, int stride, ValueKind value = ValueKind.Probability, OcclusionMode mode = OcclusionMode.Exact) =>
        new(Model, Image, new OcclusionSpec(Size2.Square(patch), Size2.Square(stride), Fill.Gray, Value: value), Preprocessing.ImageNet) { Method = new(mode) };

    [Fact]
    public void Curve_runs_from_the_unoccluded_to_the_fully_filled_probability()
    {
        // Stride 1: the patches' union is the whole image.
        var request = Request(16, 1);
        var e = Explainer.Explain(request);
        var f = Faithfulness.Measure(request, e, new FaithfulnessOptions(Steps: 20));

        Assert.Equal(20, f.Steps);
        Assert.Equal(21, f.Curve.Length);
        Assert.Equal(21, f.RandomCurve.Length);
        Assert.Equal(21, f.Fractions.Length);
        Assert.Equal(0, f.Fractions[0]);
        Assert.Equal(1, f.Fractions[^1]);
        Assert.All(f.Fractions.Zip(f.Fractions.Skip(1)), p => Assert.True(p.Second > p.First));

        float unoccluded = ReferenceProbability(Image, e.Target);
        float filled = ReferenceProbability(Occluded([(0, 0)], H, W), e.Target);
        Assert.True(Math.Abs(unoccluded - filled) > 1e-3, "the test needs an image whose full fill changes the probability");
        Assert.Equal(unoccluded, f.Curve[0], 1e-5f);
        Assert.Equal(e.UnoccludedProbability, f.Curve[0], 1e-5f);
        Assert.Equal(filled, f.Curve[^1], 1e-5f);
        Assert.Equal(unoccluded, f.RandomCurve[0], 1e-5f);
        Assert.Equal(filled, f.RandomCurve[^1], 1e-5f);
    }

    [Theory]
    [InlineData(ValueKind.Probability)]
    [InlineData(ValueKind.Drop)]
    [InlineData(ValueKind.Logit)]
    public void Steps_occlude_the_most_sensitive_cells_first(ValueKind value)
    {
        var request = Request(8, 4, value);
        var e = Explainer.Explain(request);
        var f = Faithfulness.Measure(request, e, new FaithfulnessOptions(Steps: 20));

        // Most sensitive first: lowest occluded probability or logit; largest drop for a drop map.
        var cells = Enumerable.Range(0, e.HeatMap.Length);
        var order = (value == ValueKind.Drop ? cells.OrderByDescending(i => e.HeatMap[i]) : cells.OrderBy(i => e.HeatMap[i])).ThenBy(i => i).ToArray();
        int n = order.Length;
        Assert.Equal(15 * 15, n);   // the full grid: ceil((64 - 8) / 4) + 1 positions per axis
        foreach (int k in new[] { 1, 7, 13, 19 })
        {
            int count = k * n / 20;
            var corners = order.Take(count).Select(i => (i / e.Grid.Columns * 4, i % e.Grid.Columns * 4));
            Assert.Equal(ReferenceProbability(Occluded(corners, 8, 8), e.Target), f.Curve[k], 1e-5f);
            Assert.Equal(count / (double)n, f.Fractions[k], 12);
        }
    }

    [Theory]
    [InlineData(ValueKind.Probability)]
    [InlineData(ValueKind.Drop)]
    public void Top_regions_are_distinct_patches_most_sensitive_first(ValueKind value)
    {
        var e = Explainer.Explain(Request(16, 4, value));
        var regions = Sensitivity.TopRegions(e, 5);
        var order = Sensitivity.Order(e);

        Assert.Equal(order[0], regions[0].Cell);
        Assert.Equal(Enumerable.Range(1, regions.Count), regions.Select(r => r.Rank));
        Assert.True(regions.Count > 1);
        foreach (var (a, i) in regions.Select((r, i) => (r, i)))
        {
            Assert.Equal(e.Grid.PatchAt(a.Cell), new PixelRegion(a.Y, a.X, a.Height, a.Width));
            foreach (var b in regions.Skip(i + 1))
            {
                Assert.False(new PixelRegion(a.Y, a.X, a.Height, a.Width).Overlaps(b.Y, b.X, b.Height, b.Width), $"regions {a.Rank} and {b.Rank} overlap");
                Assert.True(a.Drop >= b.Drop);
            }
        }
        // Non-maximum suppression: every cell ranked above a chosen region and left out overlaps one chosen before it.
        var chosen = regions.Select(r => r.Cell).ToHashSet();
        foreach (var r in regions)
            foreach (int cell in order.TakeWhile(c => c != r.Cell).Where(c => !chosen.Contains(c)))
                Assert.Contains(regions.TakeWhile(q => q.Rank < r.Rank), q => e.Grid.PatchAt(cell).Overlaps(q.Y, q.X, q.Height, q.Width));
    }

    [Fact]
    public void Areas_follow_the_trapezoid_rule_and_lie_within_the_curves()
    {
        var request = Request(8, 4);
        var e = Explainer.Explain(request);
        var f = Faithfulness.Measure(request, e, new FaithfulnessOptions(Steps: 25, RandomOrders: 3, Seed: 11));

        double Trapezoid(float[] y)
        {
            double a = 0;
            for (int i = 1; i < y.Length; i++) a += (f.Fractions[i] - f.Fractions[i - 1]) * (y[i] + (double)y[i - 1]) / 2;
            return a;
        }
        Assert.Equal(Trapezoid(f.Curve), f.DeletionAuc, 9);
        Assert.Equal(Trapezoid(f.RandomCurve), f.RandomAuc, 6);
        Assert.Equal(3, f.RandomAucs.Length);
        Assert.Equal(f.RandomAucs.Average(), f.RandomAuc, 6);
        Assert.InRange(f.DeletionAuc, f.Curve.Min(), f.Curve.Max());
        Assert.InRange(f.RandomAuc, f.RandomCurve.Min(), f.RandomCurve.Max());
    }

    [Fact]
    public void Random_orders_are_deterministic_for_a_seed()
    {
        var request = Request(8, 4);
        var e = Explainer.Explain(request);
        using var faithfulness = new Faithfulness();
        var a = faithfulness.Evaluate(request, e, new FaithfulnessOptions(Seed: 5, BatchSize: 7));
        var b = faithfulness.Evaluate(request, e, new FaithfulnessOptions(Seed: 5, BatchSize: 64));
        var c = faithfulness.Evaluate(request, e, new FaithfulnessOptions(Seed: 6));

        Assert.Equal(a.RandomCurve, b.RandomCurve);
        Assert.Equal(a.Curve, b.Curve);
        Assert.Equal(a.RandomAucs, b.RandomAucs);
        Assert.NotEqual(a.RandomAucs, c.RandomAucs);
        Assert.Equal(a.Curve, c.Curve);
    }

    [Fact]
    public void Steps_are_capped_by_the_number_of_cells()
    {
        var request = Request(32, 32); // 2x2 cells
        var e = Explainer.Explain(request);
        var f = Faithfulness.Measure(request, e, new FaithfulnessOptions(Steps: 20));
        Assert.Equal(4, f.Cells);
        Assert.Equal(4, f.Steps);
        Assert.Equal([0, 0.25, 0.5, 0.75, 1], f.Fractions);
    }

    [Fact]
    public void Masked_graph_with_one_patch_equals_the_naive_heat_map()
    {
        var request = Request(8, 4, mode: OcclusionMode.Naive);
        var e = Explainer.Explain(request);
        int[] cells = [0, 37, e.HeatMap.Length - 1];
        var masks = new bool[cells.Length * H * W];
        for (int m = 0; m < cells.Length; m++)
        {
            var patch = e.Grid.PatchAt(cells[m]);
            for (int r = patch.Y; r < patch.Y + patch.Height; r++)
                for (int c = patch.X; c < patch.X + patch.Width; c++)
                    masks[(m * H + r) * W + c] = true;
        }
        using var program = new MaskedProgram(Model, MaskedGraph.Emit(Model));
        var grayImage = Enumerable.Range(0, 3).SelectMany(ch => Enumerable.Repeat(GrayFill[ch], H * W)).ToArray();
        var (_, probabilities) = program.Evaluate(Image, grayImage, masks, cells.Length);
        int k = program.OutputSize;
        for (int m = 0; m < cells.Length; m++)
            Assert.Equal(e.HeatMap[cells[m]], probabilities[m * k + e.Target], 1e-5f);
    }

    [Fact]
    public void Explicit_positions_have_no_curve()
    {
        var request = Request(8, 4) with { Spec = new OcclusionSpec(Size2.Square(8), Size2.Square(4), Fill.Gray, Positions: [(3, 5)]) };
        var e = Explainer.Explain(request);
        var error = Assert.Throws<KryptonException>(() => Faithfulness.Measure(request, e));
        Assert.Contains("needs a heat map", error.Message);
    }
}
