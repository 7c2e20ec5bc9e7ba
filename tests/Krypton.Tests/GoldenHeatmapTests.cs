using Krypton.Imaging;
using System.Text.Json;
using Krypton.Onnx;
using Krypton.Explain;
using Krypton.Planning;
using Krypton.Spec;

namespace Krypton.Tests;

/// <summary>The heat map of KRYPTON §1 against one computed by PyTorch (tiny_mixed_golden.json).</summary>
public class GoldenHeatmapTests
{
    private static (float[] Image, float[] Logits, float[] Heatmap, int[] Shape, int Target, int Patch, int Stride, float Fill) Golden()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestFiles.TinyMixedGolden));
        var r = doc.RootElement;
        float[] F(string name) => r.GetProperty(name).EnumerateArray().Select(e => e.GetSingle()).ToArray();
        return (F("image"), F("logits"), F("heatmap"),
            r.GetProperty("heatmap_shape").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            r.GetProperty("target").GetInt32(), r.GetProperty("patch").GetInt32(), r.GetProperty("stride").GetInt32(),
            r.GetProperty("fill").GetSingle());
    }

    [Theory]
    [InlineData("tiny_mixed.onnx", 7, OcclusionMode.Naive)]
    [InlineData("tiny_mixed_unfolded.onnx", 7, OcclusionMode.Naive)]
    [InlineData("tiny_mixed.onnx", 1, OcclusionMode.Naive)]
    [InlineData("tiny_mixed.onnx", 64, OcclusionMode.Naive)]
    [InlineData("tiny_mixed.onnx", 7, OcclusionMode.Exact)]
    [InlineData("tiny_mixed_unfolded.onnx", 7, OcclusionMode.Exact)]
    [InlineData("tiny_mixed.onnx", 1, OcclusionMode.Exact)]
    [InlineData("tiny_mixed.onnx", 64, OcclusionMode.Exact)]
    public void Heatmap_matches_pytorch(string file, int batch, OcclusionMode mode)
    {
        var g = Golden();
        var model = OnnxImporter.Load(TestFiles.Path_(file));
        var spec = new OcclusionSpec(Size2.Square(g.Patch), Size2.Square(g.Stride), new TensorFill(g.Fill), GridKind: GridKind.Krypton);
        var result = Explainer.Explain(new ExplainRequest(model, g.Image, spec, Preprocessing.None) { Method = new(mode), Resources = new() { BatchSize = batch } });

        Assert.Equal(mode == OcclusionMode.Exact ? "exact" : "naive", result.Mode);
        Assert.Equal(g.Target, result.Target);
        Assert.Equal(g.Shape, new[] { result.Grid.Rows, result.Grid.Columns });
        Assert.Equal(g.Heatmap.Length, result.HeatMap.Length);
        for (int i = 0; i < g.Heatmap.Length; i++)
            Assert.True(Math.Abs(result.HeatMap[i] - g.Heatmap[i]) <= 1e-5, $"cell {i}: {result.HeatMap[i]} vs {g.Heatmap[i]}");
        for (int i = 0; i < g.Logits.Length; i++)
            Assert.True(Math.Abs(result.TopClasses.Single(c => c.Index == i).Logit - g.Logits[i]) <= 1e-5);
    }

    [Fact]
    public void Drop_and_logit_values_are_consistent_with_probability()
    {
        var g = Golden();
        var model = OnnxImporter.Load(TestFiles.TinyMixed);
        var spec = new OcclusionSpec(Size2.Square(g.Patch), Size2.Square(g.Stride), new TensorFill(g.Fill), Value: ValueKind.Drop, GridKind: GridKind.Krypton);
        var drop = Explainer.Explain(new ExplainRequest(model, g.Image, spec, Preprocessing.None));
        var baseProb = drop.UnoccludedValue;
        for (int i = 0; i < g.Heatmap.Length; i++)
            Assert.True(Math.Abs(drop.HeatMap[i] - (baseProb - g.Heatmap[i])) <= 1e-5);

        var logit = Explainer.Explain(new ExplainRequest(model, g.Image, spec with { Value = ValueKind.Logit }, Preprocessing.None));
        Assert.True(Math.Abs(logit.UnoccludedValue - g.Logits[g.Target]) <= 1e-5);
    }

    [Fact]
    public void Region_of_interest_computes_only_overlapping_cells()
    {
        var g = Golden();
        var model = OnnxImporter.Load(TestFiles.TinyMixed);
        var roi = new PixelRegion(20, 24, 8, 8);
        var spec = new OcclusionSpec(Size2.Square(g.Patch), Size2.Square(g.Stride), new TensorFill(g.Fill), RegionOfInterest: roi, GridKind: GridKind.Krypton);
        var result = Explainer.Explain(new ExplainRequest(model, g.Image, spec, Preprocessing.None));
        int computed = 0;
        for (int i = 0; i < g.Shape[0]; i++)
            for (int j = 0; j < g.Shape[1]; j++)
            {
                float v = result.HeatMap[i * g.Shape[1] + j];
                bool overlaps = i * g.Stride < 28 && 20 < i * g.Stride + g.Patch && j * g.Stride < 32 && 24 < j * g.Stride + g.Patch;
                if (overlaps)
                {
                    computed++;
                    Assert.True(Math.Abs(v - g.Heatmap[i * g.Shape[1] + j]) <= 1e-5);
                }
                else Assert.True(float.IsNaN(v));
            }
        Assert.Equal(computed, result.Positions);
        Assert.Equal(9, computed);
    }

    [Fact]
    public void An_engine_compiles_once_and_explains_many_images()
    {
        var g = Golden();
        var model = OnnxImporter.Load(TestFiles.TinyMixed);
        var spec = new OcclusionSpec(Size2.Square(g.Patch), Size2.Square(g.Stride), new TensorFill(g.Fill), GridKind: GridKind.Krypton);
        var other = g.Image.Select(v => 1f - v).ToArray();
        using var engine = new OcclusionEngine();
        var first = engine.Explain(new ExplainRequest(model, g.Image, spec, Preprocessing.None));
        var second = engine.Explain(new ExplainRequest(model, other, spec, Preprocessing.None));
        var again = engine.Explain(new ExplainRequest(model, g.Image, spec, Preprocessing.None));
        Assert.Equal(1, engine.CompiledPrograms);
        Assert.Equal(first.HeatMap, again.HeatMap);
        var alone = Explainer.Explain(new ExplainRequest(model, other, spec, Preprocessing.None));
        Assert.Equal(alone.HeatMap, second.HeatMap);
        Assert.NotEqual(first.HeatMap, second.HeatMap);
        for (int i = 0; i < g.Heatmap.Length; i++)
            Assert.True(Math.Abs(first.HeatMap[i] - g.Heatmap[i]) <= 1e-5);
    }

    [Fact]
    public void Projective_field_threshold_of_one_is_exact_and_below_one_approximates()
    {
        var g = Golden();
        var model = OnnxImporter.Load(TestFiles.TinyMixed);
        var spec = new OcclusionSpec(Size2.Square(g.Patch), Size2.Square(g.Stride), new TensorFill(g.Fill), GridKind: GridKind.Krypton);
        var exact = Explainer.Explain(new ExplainRequest(model, g.Image, spec, Preprocessing.None));
        var one = Explainer.Explain(new ExplainRequest(model, g.Image, spec, Preprocessing.None));
        var approx = Explainer.Explain(new ExplainRequest(model, g.Image, spec, Preprocessing.None) { Method = new(Tau: 0.4) });
        Assert.Equal(exact.HeatMap, one.HeatMap);
        Assert.Equal("approximate", approx.Mode);
        Assert.NotEqual(exact.HeatMap, approx.HeatMap);
        double ssim = Krypton.Quality.Ssim.Compute(exact.HeatMap, approx.HeatMap, 14, 14);
        Assert.InRange(ssim, 0.0, 1.0);
        Assert.Throws<KryptonException>(() => Explainer.Explain(new ExplainRequest(model, g.Image, spec, Preprocessing.None) { Method = new(Tau: 0) }));
        Assert.Throws<KryptonException>(() => Explainer.Explain(new ExplainRequest(model, g.Image, spec, Preprocessing.None) { Method = new(OcclusionMode.Naive, Tau: 0.5) }));
    }

    [Fact]
    public void Drill_down_computes_coarse_and_refined_cells_exactly_and_interpolates_the_rest()
    {
        var g = Golden();
        var model = OnnxImporter.Load(TestFiles.TinyMixed);
        var spec = new OcclusionSpec(Size2.Square(g.Patch), Size2.Square(g.Stride), new TensorFill(g.Fill), Value: ValueKind.Drop, GridKind: GridKind.Krypton);
        var exact = Explainer.Explain(new ExplainRequest(model, g.Image, spec, Preprocessing.None));
        var drill = new DrillDown(3, 0.25);
        var result = Explainer.Explain(new ExplainRequest(model, g.Image, spec, Preprocessing.None) { Method = new(DrillDown: drill) });

        int k = drill.CoarseFactor();
        Assert.Equal(3, k);                                     // √(3 / (1 − 0.75)) = 3.46 → 3
        var (rows, cols) = DrillDown.CoarseLines(result.Grid, k);
        Assert.Equal([0, 3, 6, 9, 12, 13], rows);
        var coarse = rows.SelectMany(r => cols.Select(c => r * 14 + c)).ToHashSet();
        int refined = (int)Math.Ceiling(0.25 * 196);
        Assert.Equal(coarse.Count + refined, result.Positions);
        Assert.Equal("exact+drill-down", result.Mode);

        int matching = Enumerable.Range(0, 196).Count(i => Math.Abs(result.HeatMap[i] - exact.HeatMap[i]) <= 1e-6);
        Assert.True(matching >= coarse.Count + refined, $"{matching} cells equal the exact map");
        foreach (int c in coarse) Assert.Equal(exact.HeatMap[c], result.HeatMap[c], 6);
        // Stage 2 improves on stage 1 alone (the coarse map upsampled).
        var coarseOnly = DrillDown.Upsample(rows.SelectMany(r => cols.Select(c => exact.HeatMap[r * 14 + c])).ToArray(), rows, cols, result.Grid);
        double Error(float[] m) => Enumerable.Range(0, 196).Sum(i => Math.Abs(m[i] - exact.HeatMap[i]));
        Assert.True(Error(result.HeatMap) < Error(coarseOnly), $"{Error(result.HeatMap)} vs {Error(coarseOnly)}");

        Assert.Throws<KryptonException>(() => new DrillDown(4, 0.25).CoarseFactor());   // 4 ≥ 1/r
    }

    [Fact]
    public void On_the_full_grid_drill_down_and_tau_follow_the_cut_off_patches()
    {
        // Patch 8, stride 5 on 64: the full grid's last row and column start at 60 and are cut off
        // after 4 pixels. Drill-down's computed cells equal the exact map there too; τ approximates it.
        var g = Golden();
        var model = OnnxImporter.Load(TestFiles.TinyMixed);
        var spec = new OcclusionSpec(Size2.Square(8), Size2.Square(5), new TensorFill(g.Fill), Value: ValueKind.Drop);
        var exact = Explainer.Explain(new ExplainRequest(model, g.Image, spec, Preprocessing.None));
        Assert.Equal((13, 13), (exact.Grid.Rows, exact.Grid.Columns));
        Assert.True(exact.Grid.HasCutOffPatches);
        var drill = new DrillDown(3, 0.25);
        var result = Explainer.Explain(new ExplainRequest(model, g.Image, spec, Preprocessing.None) { Method = new(DrillDown: drill) });
        var (rows, cols, coarse) = DrillDown.CoarseStage(result.Grid, drill.CoarseFactor());
        Assert.Contains(12, rows);
        foreach (int c in coarse) Assert.Equal(exact.HeatMap[c], result.HeatMap[c], 6);
        int matching = Enumerable.Range(0, exact.Grid.Count).Count(i => Math.Abs(result.HeatMap[i] - exact.HeatMap[i]) <= 1e-6);
        Assert.True(matching >= result.Positions, $"{matching} cells equal the exact map, {result.Positions} were computed");
        var approximate = Explainer.Explain(new ExplainRequest(model, g.Image, spec, Preprocessing.None) { Method = new(Tau: 0.5) });
        Assert.Equal("approximate", approximate.Mode);
        Assert.All(approximate.HeatMap, v => Assert.True(float.IsFinite(v)));
        Assert.True(Quality.Ssim.Compute(exact.HeatMap, approximate.HeatMap, 13, 13) > 0.3);
    }
}
