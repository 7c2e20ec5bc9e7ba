using Krypton.Imaging;
using Krypton.Model;
using Krypton.Compilation;
using Krypton.Explain;
using Krypton.Quality;
using Krypton.Spec;
using Krypton.Planning;

namespace Krypton.Tests;

/// <summary>
/// Deletion and insertion curves on tiny_mixed, checked against the original ONNX file run by ONNX
/// Runtime on images filled here in plain C#: the emitted masked graph, the pixel order and the step
/// counts are all recomputed independently.
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

    /// <summary>The image with the given pixels (row-major indices) filled with gray.</summary>
    private static float[] Filled(IEnumerable<int> pixels)
    {
        var result = (float[])Image.Clone();
        foreach (int p in pixels)
            for (int ch = 0; ch < C; ch++)
                result[ch * H * W + p] = GrayFill[ch];
        return result;
    }

    /// <summary>
    /// The pixels some computed cell covers, most important first, recomputed the plain way: each
    /// pixel's score is the mean, over the cells whose patch covers it, of the cell's change
    /// (unoccluded minus occluded value, or the map itself for a drop map); ties in raster order.
    /// </summary>
    private static int[] PixelOrder(Explanation e)
    {
        var sum = new double[H * W];
        var count = new int[H * W];
        for (int cell = 0; cell < e.HeatMap.Length; cell++)
        {
            float v = e.HeatMap[cell];
            if (!float.IsFinite(v)) continue;
            double change = e.Spec.Value is ValueKind.Drop ? v : e.UnoccludedValue - v;
            var patch = e.Grid.PatchAt(cell);
            for (int r = patch.Y; r < patch.Y + patch.Height; r++)
                for (int c = patch.X; c < patch.X + patch.Width; c++)
                {
                    sum[r * W + c] += change;
                    count[r * W + c]++;
                }
        }
        return Enumerable.Range(0, H * W).Where(p => count[p] > 0).OrderByDescending(p => (float)(sum[p] / count[p])).ThenBy(p => p).ToArray();
    }

    private static ExplainRequest Request(int patch, int stride, ValueKind value = ValueKind.Probability, OcclusionMode mode = OcclusionMode.Exact) =>
        new(Model, Image, new OcclusionSpec(Size2.Square(patch), Size2.Square(stride), Fill.Gray, Value: value), Preprocessing.ImageNet) { Method = new(mode) };

    [Fact]
    public void Curves_run_between_the_unoccluded_and_the_fully_filled_probability()
    {
        var request = Request(16, 4);
        var e = Explainer.Explain(request);
        var f = Faithfulness.Measure(request, e, new FaithfulnessOptions(Steps: 20));

        Assert.Equal(20, f.Steps);
        Assert.Equal(H * W, f.Pixels);   // the full grid covers every pixel
        foreach (var curve in new[] { f.Deletion.HeatMap, f.Deletion.Random, f.Insertion.HeatMap, f.Insertion.Random })
            Assert.Equal(21, curve.Length);
        Assert.Equal(21, f.Fractions.Length);
        Assert.Equal(0, f.Fractions[0]);
        Assert.Equal(1, f.Fractions[^1]);
        Assert.All(f.Fractions.Zip(f.Fractions.Skip(1)), p => Assert.True(p.Second > p.First));

        float unoccluded = ReferenceProbability(Image, e.Target);
        float filled = ReferenceProbability(Filled(Enumerable.Range(0, H * W)), e.Target);
        Assert.True(Math.Abs(unoccluded - filled) > 1e-3, "the test needs an image whose full fill changes the probability");
        Assert.Equal(e.UnoccludedProbability, unoccluded, 1e-5f);
        foreach (var c in new[] { f.Deletion.HeatMap, f.Deletion.Random })
        {
            Assert.Equal(unoccluded, c[0], 1e-5f);
            Assert.Equal(filled, c[^1], 1e-5f);
        }
        foreach (var c in new[] { f.Insertion.HeatMap, f.Insertion.Random })
        {
            Assert.Equal(filled, c[0], 1e-5f);
            Assert.Equal(unoccluded, c[^1], 1e-5f);
        }
    }

    [Theory]
    [InlineData(ValueKind.Probability)]
    [InlineData(ValueKind.Drop)]
    [InlineData(ValueKind.Logit)]
    public void Steps_fill_and_restore_the_most_important_pixels_first(ValueKind value)
    {
        var request = Request(8, 4, value);
        var e = Explainer.Explain(request);
        var f = Faithfulness.Measure(request, e, new FaithfulnessOptions(Steps: 20));

        var order = PixelOrder(e);
        int n = order.Length;
        Assert.Equal(n, f.Pixels);
        foreach (int k in new[] { 1, 7, 13, 19 })
        {
            int count = k * n / 20;
            Assert.Equal(ReferenceProbability(Filled(order.Take(count)), e.Target), f.Deletion.HeatMap[k], 1e-5f);
            Assert.Equal(ReferenceProbability(Filled(order.Skip(count)), e.Target), f.Insertion.HeatMap[k], 1e-5f);
            Assert.Equal(count / (double)n, f.Fractions[k], 12);
        }
    }

    [Fact]
    public void Only_covered_pixels_are_ordered_and_the_share_per_step_does_not_depend_on_the_stride()
    {
        var roi = Request(8, 4) with { Spec = new OcclusionSpec(Size2.Square(8), Size2.Square(4), Fill.Gray, RegionOfInterest: new PixelRegion(20, 20, 10, 10)) };
        var e = Explainer.Explain(roi);
        var f = Faithfulness.Measure(roi, e, new FaithfulnessOptions(Steps: 10));
        Assert.Equal(PixelOrder(e).Length, f.Pixels);
        Assert.True(f.Pixels < H * W);
        float unoccluded = ReferenceProbability(Image, e.Target);
        Assert.Equal(ReferenceProbability(Filled(PixelOrder(e)), e.Target), f.Deletion.HeatMap[^1], 1e-5f);
        Assert.Equal(unoccluded, f.Insertion.HeatMap[^1], 1e-5f);

        foreach (int stride in new[] { 2, 8 })
        {
            var request = Request(8, stride);
            var fs = Faithfulness.Measure(request, Explainer.Explain(request), new FaithfulnessOptions(Steps: 20, RandomOrders: 1));
            Assert.Equal(H * W, fs.Pixels);
            for (int k = 0; k <= 20; k++)   // twenty equal shares of the 4096 pixels, to the pixel
                Assert.InRange(fs.Fractions[k], k / 20.0 - 1.0 / fs.Pixels, k / 20.0);
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
            Assert.Equal(e.Grid.PatchAt(a.Cell), a.Patch);
            foreach (var b in regions.Skip(i + 1))
            {
                Assert.False(a.Patch.Overlaps(b.Y, b.X, b.Height, b.Width), $"regions {a.Rank} and {b.Rank} overlap");
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
        foreach (var c in new[] { f.Deletion, f.Insertion })
        {
            Assert.Equal(Trapezoid(c.HeatMap), c.HeatMapAuc, 9);
            Assert.Equal(Trapezoid(c.Random), c.RandomAuc, 6);
            Assert.Equal(3, c.RandomAucs.Length);
            Assert.InRange(c.HeatMapAuc, c.HeatMap.Min(), c.HeatMap.Max());
            Assert.InRange(c.RandomAuc, c.Random.Min(), c.Random.Max());
            double mean = c.RandomAucs.Average();
            Assert.Equal(Math.Sqrt(c.RandomAucs.Sum(a => (a - mean) * (a - mean)) / 2), c.RandomSpread, 12);
        }
        Assert.Equal(f.Deletion.RandomAucs.Count(r => f.DeletionAuc < r), f.DeletionWins);
        Assert.Equal(f.Insertion.RandomAucs.Count(r => f.InsertionAuc > r), f.InsertionWins);
    }

    [Fact]
    public void Random_maps_are_deterministic_for_a_seed()
    {
        var request = Request(8, 4);
        var e = Explainer.Explain(request);
        using var faithfulness = new Faithfulness();
        var a = faithfulness.Evaluate(request, e, new FaithfulnessOptions(Seed: 5, BatchSize: 7));
        var b = faithfulness.Evaluate(request, e, new FaithfulnessOptions(Seed: 5, BatchSize: 64));
        var c = faithfulness.Evaluate(request, e, new FaithfulnessOptions(Seed: 6));

        Assert.Equal(a.Deletion.Random, b.Deletion.Random);
        Assert.Equal(a.Insertion.Random, b.Insertion.Random);
        Assert.Equal(a.Deletion.HeatMap, b.Deletion.HeatMap);
        Assert.Equal(a.Deletion.RandomAucs, b.Deletion.RandomAucs);
        Assert.NotEqual(a.Deletion.RandomAucs, c.Deletion.RandomAucs);
        Assert.Equal(a.Deletion.HeatMap, c.Deletion.HeatMap);
        Assert.Equal(a.Insertion.HeatMap, c.Insertion.HeatMap);
    }

    [Theory]
    [InlineData(0.1, new[] { 0.2, 0.3, 0.4 }, 0.9, new[] { 0.5, 0.6, 0.7 }, "faithful: the map beats all 3 random maps on both curves (by chance: 1 in 4 per curve)")]
    [InlineData(0.1, new[] { 0.2, 0.3, 0.4 }, 0.55, new[] { 0.5, 0.6, 0.7 }, "inconclusive: deletion beats 3 of 3 random maps, insertion 1 of 3")]
    [InlineData(0.5, new[] { 0.2, 0.3, 0.4 }, 0.4, new[] { 0.5, 0.6, 0.7 }, "not faithful: the map beats none of 3 random maps on either curve")]
    public void The_verdict_counts_the_random_maps_beaten(double deletion, double[] randomDeletion, double insertion, double[] randomInsertion, string verdict)
    {
        var f = new FaithfulnessResult(0, 100, 2, [0, 0.5, 1], new FaithfulnessCurves([1, 0.5f, 0], [1, 0.5f, 0], deletion, randomDeletion),
            new FaithfulnessCurves([0, 0.5f, 1], [0, 0.5f, 1], insertion, randomInsertion), 0, 1, TimeSpan.Zero);
        Assert.Equal(verdict, f.Verdict);
        Assert.Equal(verdict.StartsWith("faithful", StringComparison.Ordinal), f.Faithful);
        Assert.Contains(verdict, f.Describe());
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
