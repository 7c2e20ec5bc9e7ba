using System.Text.Json;
using Krypton.Explain;
using Krypton.Jobs;
using Krypton.Output;
using Krypton.Spec;
using SkiaSharp;

namespace Krypton.Tests;

/// <summary>What the overlays' colours span: absolute or relative, shared across targets and a folder, and flat maps said to be flat.</summary>
public class OverlayScaleTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string SampleImage => Path.Combine(AppContext.BaseDirectory, "samples", "fashion-mnist", "t10k-00000-ankle-boot.png");

    private static ExplainJob Job(ValueKind value = ValueKind.Probability, TargetSelection? target = null) =>
        new(new OnnxFileSource(TestFiles.TinyMixed), SampleImage, new OcclusionSpec(Size2.Square(8), Size2.Square(8), Fill.Gray, Value: value) { Target = target });

    private static JsonElement Overlay(string folder) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "explanation.json"))).RootElement.GetProperty("result").GetProperty("overlay").Clone();

    private static int HeightOf(string png)
    {
        using var bitmap = SKBitmap.Decode(png);
        return bitmap.Height;
    }

    [Fact]
    public void The_absolute_scale_runs_to_the_unoccluded_probability_and_the_relative_one_to_the_largest_change()
    {
        var result = ExplainJobRunner.Run(ExplainJobRunner.Prepare(Job()));
        var e = result.Explanation;
        var changes = Importance.Changes(e, e.Primary);
        for (int i = 0; i < changes.Length; i++)
            Assert.Equal(e.UnoccludedProbability - e.HeatMap[i], changes[i], 6);

        string absolute = _temp.File("absolute"), relative = _temp.File("relative");
        ExplainJobRunner.Write(result, absolute);
        ExplainJobRunner.Write(result with { Prepared = result.Prepared with { Job = Job() with { Overlay = new OverlayOptions(ScaleKind.Relative) } } }, relative);

        var a = Overlay(absolute);
        Assert.Equal("absolute", a.GetProperty("scale").GetString());
        Assert.Equal(e.UnoccludedProbability, a.GetProperty("scale_max").GetDouble(), 6);
        var r = Overlay(relative);
        Assert.Equal("relative", r.GetProperty("scale").GetString());
        Assert.Equal(changes.Max(v => Math.Abs(v)), r.GetProperty("scale_max").GetDouble(), 6);
        // The relative picture says so: one more line above it.
        Assert.Equal(HeightOf(Path.Combine(absolute, "overlay.png")) + 20, HeightOf(Path.Combine(relative, "overlay.png")));
        Assert.Contains("relative scale", ExplanationFiles.TextOf(e, e.Primary, ExplanationFiles.ScaleOf(e, e.Primary, new OverlayOptions(ScaleKind.Relative)), new OverlayOptions(ScaleKind.Relative)).Notes!.Single());
    }

    [Fact]
    public void Several_targets_share_the_scale_of_the_most_likely()
    {
        var result = ExplainJobRunner.Run(ExplainJobRunner.Prepare(Job(target: TargetSelection.Top(3))));
        var e = result.Explanation;
        string outDir = _temp.File("top3");
        ExplainJobRunner.Write(result, outDir);
        double top = e.Maps.Max(m => m.UnoccludedProbability);
        Assert.Equal(top, Overlay(outDir).GetProperty("scale_max").GetDouble(), 6);
        var output = ExplainJobRunner.OutputOf(result);
        foreach (var m in e.Maps)
            Assert.Equal(top, ExplanationFiles.ScaleOf(e, m, output.Overlay, ExplanationFiles.SharedScale(output)).Max, 6);
        // Relative: each its own.
        var least = e.Maps.MinBy(m => m.UnoccludedProbability)!;
        Assert.Equal(Importance.LargestChange(Importance.Changes(e, least)),
            ExplanationFiles.ScaleOf(e, least, new OverlayOptions(ScaleKind.Relative)).Max, 6);
    }

    [Fact]
    public void A_folder_of_probability_maps_shares_the_scale_0_to_1()
    {
        Assert.Equal(1, ExplainFolder.SharedScale(Job()).SharedMax);
        Assert.Equal(1, ExplainFolder.SharedScale(Job(ValueKind.Drop)).SharedMax);
        Assert.Null(ExplainFolder.SharedScale(Job(ValueKind.Logit)).SharedMax);
        Assert.Null(ExplainFolder.SharedScale(Job() with { Overlay = new OverlayOptions(ScaleKind.Relative) }).SharedMax);
    }

    [Fact]
    public void A_flat_map_says_so_in_the_overlay_the_json_the_report_and_the_summary()
    {
        var result = ExplainJobRunner.Run(ExplainJobRunner.Prepare(Job()));
        var e = result.Explanation;
        var p = e.Primary;
        // Every patch lowers the probability by 0.3 % of it, give or take 0.1 %: flat.
        var nearlyFlat = p.HeatMap.Select((_, i) => p.UnoccludedProbability * (1 - 0.003f - 0.001f * (i % 3) / 2)).ToArray();
        var flat = result with { Explanation = e with { Maps = [p with { HeatMap = nearlyFlat }] } };
        Assert.True(Importance.IsFlat(flat.Explanation, flat.Explanation.Primary));

        string outDir = _temp.File("flat");
        ExplainJobRunner.Write(flat with { Prepared = flat.Prepared with { Job = flat.Prepared.Job with { ReportFile = _temp.File("flat.html") } } }, outDir);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "explanation.json")));
        Assert.True(doc.RootElement.GetProperty("result").GetProperty("flat_map").GetBoolean());
        Assert.Contains("id=\"flat-map\"", File.ReadAllText(_temp.File("flat.html")));
        var text = ExplanationFiles.TextOf(flat.Explanation, flat.Explanation.Primary, ExplanationFiles.ScaleOf(flat.Explanation, flat.Explanation.Primary, OverlayOptions.Default), OverlayOptions.Default);
        Assert.StartsWith("flat map: no region matters", text.Notes!.Single());
        // The note is drawn: a line above the picture.
        string normal = _temp.File("normal");
        ExplainJobRunner.Write(result, normal);
        Assert.Equal(HeightOf(Path.Combine(normal, "overlay.png")) + (Importance.IsFlat(e, p) ? 0 : 20), HeightOf(Path.Combine(outDir, "overlay.png")));

        var summary = ImageSummary.Of(flat, TimeSpan.FromSeconds(1));
        Assert.True(summary.Flat);
        Assert.True(ImageSummary.Read(doc.RootElement).Flat);
    }
}
