using System.Text.Json;
using Krypton.Imaging;
using Krypton.Onnx;
using Krypton.Explain;
using Krypton.IO;
using Krypton.Planning;
using Krypton.Spec;

namespace Krypton.Tests;

/// <summary>Several targets' maps from one sweep: what is selected, and that each map is the one a sweep of its own gives.</summary>
public class TargetSelectionTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static readonly float[] Probabilities = [0.1f, 0.05f, 0.4f, 0.05f, 0.3f, 0.1f];

    [Theory]
    [InlineData("3", "3", true)]
    [InlineData(" 3 , 7,1 ", "3,7,1", false)]
    [InlineData("top3", "top3", false)]
    [InlineData("TOP:2", "top2", false)]
    [InlineData("top1", "predicted", true)]
    [InlineData("predicted", "predicted", true)]
    [InlineData("all", "all", false)]
    public void Parses_what_it_writes(string text, string written, bool single)
    {
        var selection = TargetSelection.Parse(text);
        Assert.Equal(written, selection.ToString());
        Assert.Equal(selection, TargetSelection.Parse(written));
        Assert.Equal(single, selection.IsSingle);
    }

    [Theory]
    [InlineData("top0", "at least 1")]
    [InlineData("3,3", "target 3 is listed twice")]
    [InlineData("-1", "target -1 is negative")]
    [InlineData("cat", "is not an output index")]
    [InlineData("3;7", "is not an output index")]
    public void Rejects_what_names_no_targets(string text, string message) =>
        Assert.Contains(message, Assert.Throws<KryptonException>(() => TargetSelection.Parse(text)).Message);

    [Fact]
    public void Top_n_takes_the_highest_probabilities_highest_first_and_ties_by_index()
    {
        var (targets, primary) = TargetSelection.Top(4).Resolve(Probabilities);
        Assert.Equal([2, 4, 0, 5], targets);
        Assert.Equal(2, primary);
    }

    [Fact]
    public void All_lists_every_output_in_index_order_with_the_prediction_as_primary()
    {
        var (targets, primary) = TargetSelection.All.Resolve(Probabilities);
        Assert.Equal(Enumerable.Range(0, 6), targets);
        Assert.Equal(2, primary);
        Assert.Equal(6, TargetSelection.All.Count(6));
    }

    [Fact]
    public void A_list_keeps_its_order_and_its_first_is_primary()
    {
        var (targets, primary) = TargetSelection.Of(5, 1).Resolve(Probabilities);
        Assert.Equal([5, 1], targets);
        Assert.Equal(5, primary);
    }

    [Theory]
    [InlineData("6", "target 6 is out of range: the model has 6 outputs (0 to 5)")]
    [InlineData("1,9", "target 9 is out of range")]
    [InlineData("top7", "top7 asks for more targets than the model's 6 outputs")]
    public void Checks_the_range_against_the_model(string text, string message) =>
        Assert.Contains(message, Assert.Throws<KryptonException>(() => TargetSelection.Parse(text).Validate(6)).Message);

    private static (Model.ModelGraph Model, float[] Image, OcclusionSpec Spec) Tiny()
    {
        var image = TestFiles.Golden("image");
        return (OnnxImporter.Load(TestFiles.TinyMixed), image, new OcclusionSpec(Size2.Square(8), Size2.Square(4), new TensorFill(0.5f)));
    }

    [Theory]
    [InlineData(OcclusionMode.Exact, 1.0, ValueKind.Probability)]
    [InlineData(OcclusionMode.Exact, 0.6, ValueKind.Drop)]
    [InlineData(OcclusionMode.Naive, 1.0, ValueKind.Logit)]
    public void Each_map_of_one_sweep_is_the_map_of_its_own_sweep(OcclusionMode mode, double tau, ValueKind value)
    {
        var (model, image, spec) = Tiny();
        spec = spec with { Value = value };
        using var engine = new OcclusionEngine();
        var all = engine.Explain(new ExplainRequest(model, image, spec with { Target = TargetSelection.All }, Preprocessing.None) { Method = new(mode, Tau: tau), Resources = new() { BatchSize = 7 } });

        Assert.Equal(model.OutputSize, all.Maps.Count);
        Assert.Equal(Enumerable.Range(0, model.OutputSize), all.Maps.Select(m => m.Target));
        Assert.Equal(all.TopClasses[0].Index, all.Target);
        Assert.Same(all.Maps[all.Target].HeatMap, all.HeatMap);
        foreach (var m in all.Maps)
        {
            var alone = engine.Explain(new ExplainRequest(model, image, spec with { Target = m.Target }, Preprocessing.None) { Method = new(mode, Tau: tau), Resources = new() { BatchSize = 7 } });
            Assert.Equal(alone.UnoccludedValue, m.UnoccludedValue);
            Assert.Equal(alone.UnoccludedProbability, m.UnoccludedProbability);
            Assert.Equal(alone.HeatMap.Length, m.HeatMap.Length);
            for (int i = 0; i < m.HeatMap.Length; i++)
                Assert.True(Math.Abs(alone.HeatMap[i] - m.HeatMap[i]) <= 1e-6, $"target {m.Target}, cell {i}: {m.HeatMap[i]} vs {alone.HeatMap[i]}");
        }
        // The maps differ from each other: the sweep did not copy one target into every slot.
        Assert.True(all.Maps.Select(m => m.HeatMap[0]).Distinct().Count() > 1);
    }

    [Fact]
    public void The_most_likely_maps_keep_the_selection_order()
    {
        var (model, image, spec) = Tiny();
        var all = Explainer.Explain(new ExplainRequest(model, image, spec with { Target = TargetSelection.All }, Preprocessing.None));
        var top3 = all.TopClasses.Take(3).Select(c => c.Index).ToList();
        Assert.Equal(top3.Order(), all.MostLikely(3).Select(m => m.Target));
        Assert.Equal(all.Maps, all.MostLikely(model.OutputSize));
    }

    [Fact]
    public void Explicit_positions_give_each_target_its_values()
    {
        var (model, image, spec) = Tiny();
        spec = spec with { Positions = [(0, 0), (10, 20), (33, 5)] };
        using var engine = new OcclusionEngine();
        var both = engine.Explain(new ExplainRequest(model, image, spec with { Target = TargetSelection.Of(3, 1) }, Preprocessing.None));
        Assert.Equal(3, both.Target);
        Assert.Equal(both.Maps[0].PositionValues, both.PositionValues);
        foreach (var m in both.Maps)
            Assert.Equal(engine.Explain(new ExplainRequest(model, image, spec with { Target = m.Target }, Preprocessing.None)).PositionValues!, m.PositionValues!);
    }

    [Fact]
    public void Drill_down_refuses_several_targets()
    {
        var (model, image, spec) = Tiny();
        var e = Assert.Throws<KryptonException>(() => Explainer.Explain(new ExplainRequest(model, image, spec with { Target = TargetSelection.Top(2) }, Preprocessing.None) { Method = new(DrillDown: new DrillDown()) }));
        Assert.Contains("does not go with several targets (top2)", e.Message);
    }

    [Fact]
    public void The_command_writes_every_map_and_the_single_map_files_show_the_primary_one()
    {
        string input = CliTests.GoldenImageNpy(_temp.Path), out_ = Path.Combine(_temp.Path, "out"), report = Path.Combine(_temp.Path, "r.html");
        var (code, stdout, stderr) = CliTests.Krypton("explain", "--model", TestFiles.TinyMixed, "--input", input, "--fill", "tensor:0.5",
            "--patch", "8", "--stride", "4", "--target", "top3", "--report", report, "--out", out_, "--quiet");
        Assert.True(code == 0, stderr);
        Assert.Contains("3 targets from one sweep", stdout);

        var maps = NpyFile.Read(Path.Combine(out_, "heatmaps.npy"));
        var primary = NpyFile.Read(Path.Combine(out_, "heatmap.npy"));
        Assert.Equal([3, primary.Shape[0], primary.Shape[1]], maps.Shape);
        Assert.Equal(primary.Data, maps.Data.Take(primary.Data.Length));
        Assert.NotEqual(primary.Data, maps.Data.Skip(primary.Data.Length).Take(primary.Data.Length));

        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(out_, "explanation.json")));
        var result = doc.RootElement.GetProperty("result");
        var targets = result.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("index").GetInt32()).ToList();
        Assert.Equal("top3", doc.RootElement.GetProperty("spec").GetProperty("target").GetString());
        Assert.Equal(result.GetProperty("top_classes").EnumerateArray().Take(3).Select(c => c.GetProperty("index").GetInt32()), targets);
        Assert.Equal(targets[0], result.GetProperty("target").GetInt32());
        foreach (int t in targets)
            Assert.True(File.Exists(Path.Combine(out_, $"overlay-{t}.png")), $"overlay-{t}.png");
        string html = File.ReadAllText(report);
        Assert.Contains("id=\"other-targets\"", html);
        Assert.Equal(2, html.Split("alt=\"heat map of class ").Length - 1);
    }

    [Fact]
    public void Explicit_positions_write_one_column_per_target()
    {
        string input = CliTests.GoldenImageNpy(_temp.Path), out_ = Path.Combine(_temp.Path, "out");
        var (code, _, stderr) = CliTests.Krypton("explain", "--model", TestFiles.TinyMixed, "--input", input, "--patch", "8",
            "--positions", "0,0;12,20", "--target", "4,2", "--fill", "tensor:0", "--out", out_, "--quiet");
        Assert.True(code == 0, stderr);
        var lines = File.ReadAllLines(Path.Combine(out_, "positions.csv"));
        Assert.Equal("y,x,value_4,value_2", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.All(lines.Skip(1), l => Assert.Equal(4, l.Split(',').Length));
    }
}
