using Krypton.Imaging;
using Krypton.Model;
using Krypton.Onnx;
using Krypton.Planning;
using Krypton.Quality;
using Krypton.Explain;
using Krypton.Spec;
using Krypton.Tuning;

namespace Krypton.Tests;

/// <summary>The declarative side: plans, quality profiles, tuning.</summary>
public class PlanningTests
{
    private static readonly ModelGraph Tiny = OnnxImporter.Load(TestFiles.TinyMixed);
    private static readonly OcclusionSpec Spec = new(Size2.Square(8), Size2.Square(4), new TensorFill(0f));

    private static float[] Image(int seed)
    {
        var random = new Random(seed);
        var image = new float[3 * 64 * 64];
        // Smooth blobs plus noise, so that heat maps have structure.
        double cy = random.Next(16, 48), cx = random.Next(16, 48);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 64; y++)
                for (int x = 0; x < 64; x++)
                    image[(c * 64 + y) * 64 + x] = (float)(2 * Math.Exp(-((y - cy) * (y - cy) + (x - cx) * (x - cx)) / 120.0) + 0.3 * (random.NextDouble() - 0.5));
        return image;
    }

    private static ExplainRequest Request(float[] image, OcclusionMode mode = OcclusionMode.Exact, double tau = 1, DrillDown? drill = null,
        double? quality = null, QualityProfile? profile = null, int? batch = 16) =>
        new(Tiny, image, Spec, Preprocessing.None) { Method = new(mode, tau, drill, quality, profile), Resources = new() { BatchSize = batch } };

    [Fact]
    public void Plan_counts_positions_calls_and_multiply_adds()
    {
        using var engine = new OcclusionEngine();
        var grid = new OcclusionGrid(64, 64, Spec.Patch, Spec.Stride);

        var naive = engine.Plan(Request(Image(1), OcclusionMode.Naive));
        Assert.Equal("naive", naive.Method);
        Assert.Equal(grid.Count, naive.EvaluatedPositions);
        Assert.Equal((grid.Count + 15) / 16, naive.InferenceCalls);
        Assert.Equal(Tiny.Nodes.Count, naive.LayersPerCall);
        Assert.Equal(Tiny.MultiplyAdds, naive.MultiplyAddsPerPosition);
        Assert.Equal((double)grid.Count / (grid.Count + 1), naive.SpeedupInMultiplyAdds, 9);   // the unoccluded image costs one more inference
        Assert.True(naive.EstimatedTime > TimeSpan.Zero);

        var exact = engine.Plan(Request(Image(1)));
        var incremental = Incremental.IncrementalPlan.Build(Compilation.ScoreHead.Logits(Tiny), 8, 8);
        Assert.Equal("exact", exact.Method);
        Assert.Equal(incremental.MultiplyAdds(), exact.MultiplyAddsPerPosition);
        Assert.Equal(incremental.ComputedLayers, exact.LayersPerCall);
        Assert.True(exact.SpeedupInMultiplyAdds > 1);
        Assert.Equal(exact.LayersPerCall * (long)exact.InferenceCalls, exact.LayerCalls);

        var drill = new DrillDown(3, 0.25);
        var approximate = engine.Plan(Request(Image(1), tau: 0.6, drill: drill));
        var (coarse, refined) = drill.Counts(grid);
        Assert.Equal("approximate", approximate.Method);
        Assert.Equal(coarse, approximate.CoarsePositions);
        Assert.Equal(refined, approximate.RefinedPositions);
        Assert.Equal(coarse + refined, approximate.EvaluatedPositions);
        Assert.Equal((coarse + 15) / 16 + (refined + 15) / 16, approximate.InferenceCalls);
        Assert.True(approximate.MultiplyAddsPerPosition <= exact.MultiplyAddsPerPosition);
        Assert.Contains("tau 0.6", approximate.Describe());
        Assert.Contains("layer calls", approximate.Describe());
    }

    [Fact]
    public void Explain_runs_the_plan_it_reports()
    {
        using var engine = new OcclusionEngine();
        var request = Request(Image(2), tau: 0.7, drill: new DrillDown(3, 0.25));
        var plan = engine.Plan(request);
        var e = engine.Explain(request);
        Assert.Equal(plan, e.Plan);
        Assert.Equal(plan.EvaluatedPositions, e.Positions);
        Assert.Equal(plan.BatchSize, e.BatchSize);
        Assert.Equal("approximate+drill-down", e.Mode);
    }

    [Fact]
    public void Drill_down_on_a_computed_map_equals_running_it()
    {
        // What tuning relies on: drill-down's map is a function of the full map at the same tau.
        using var engine = new OcclusionEngine();
        var image = Image(3);
        var grid = new OcclusionGrid(64, 64, Spec.Patch, Spec.Stride);
        foreach (var drill in new[] { new DrillDown(2, 0.25), new DrillDown(6, 0.1) })
        {
            var full = engine.Explain(Request(image, tau: 0.7));
            var run = engine.Explain(Request(image, tau: 0.7, drill: drill));
            var simulated = drill.Run(grid, ValueKind.Probability, cells => cells.Select(c => full.HeatMap[c]).ToArray());
            Assert.Equal(run.Positions, simulated.Coarse + simulated.Refined);
            for (int i = 0; i < grid.Count; i++)
                Assert.Equal(run.HeatMap[i], simulated.Map[i], 5);
        }
    }

    [Fact]
    public void Quality_without_a_profile_stays_exact_and_conflicting_settings_are_refused()
    {
        using var engine = new OcclusionEngine();
        var plan = engine.Plan(Request(Image(1), quality: 0.9));
        Assert.Equal("exact", plan.Method);
        Assert.Contains("no tuning profile", plan.Reason);
        Assert.Contains("not both", Assert.Throws<KryptonException>(() => engine.Plan(Request(Image(1), tau: 0.8, quality: 0.9))).Message);
        Assert.Contains("naive", Assert.Throws<KryptonException>(() => engine.Plan(Request(Image(1), OcclusionMode.Naive, quality: 0.9))).Message);
        Assert.Contains("(0, 1]", Assert.Throws<KryptonException>(() => engine.Plan(Request(Image(1), quality: 1.5))).Message);
    }

    [Fact]
    public void Polynomial_fit_recovers_a_quadratic_and_quantiles_are_right()
    {
        var points = new[] { 0.4, 0.5, 0.6, 0.8, 1.0 }.Select(t => (t, 0.2 + 0.5 * t + 0.3 * t * t)).ToList();
        var c = SsimFit.FitPolynomial(points);
        Assert.Equal(0.2, c[0], 9);
        Assert.Equal(0.5, c[1], 9);
        Assert.Equal(0.3, c[2], 9);
        Assert.Equal(2, SsimFit.FitPolynomial([(0.5, 0.7), (1.0, 0.9)]).Length);     // two tau values: a line
        Assert.Equal(0, QualityProfile.Quantile(0.5), 9);
        Assert.Equal(1.2815515655, QualityProfile.Quantile(0.9), 6);
        Assert.Equal(-1.6448536270, QualityProfile.Quantile(0.05), 6);
        Assert.Equal(2.3263478740, QualityProfile.Quantile(0.99), 6);
    }

    /// <summary>A profile with known fits: SSIM = τ (no drill-down), τ − 0.05 (drill-down), spread 0.02 everywhere.</summary>
    private static QualityProfile Synthetic()
    {
        var spread = new[] { new TauValue(0.4, 0.02), new TauValue(1.0, 0.02) };
        var drill = new DrillDown(3, 0.2);
        return new QualityProfile(ProfileModel.Of(Tiny, "tiny", null), [8, 8], [4, 4], "tensor:0", "probability", "cpu", 2, 0.9,
            [1.0, 0.7, 0.4], [new SsimFit(null, [0, 1], spread, 3), new SsimFit(drill, [-0.05, 1], spread, 3)],
            [new TauValue(0.4, 1.0), new TauValue(1.0, 4.0)], 10.0, ["a.png"]) { GridKind = "full" };
    }

    [Fact]
    public void Profile_chooses_the_fastest_settings_that_reach_the_quality()
    {
        var p = Synthetic();
        double z = QualityProfile.Quantile(0.9);
        // τ alone: lowest τ with τ − z·0.02 ≥ 0.8 is 0.83 (0.8256); with drill-down τ − 0.05 − z·0.02 ≥ 0.8 gives 0.88.
        var choice = p.Choose(0.8);
        var grid = p.Grid;
        var (coarse, refined) = new DrillDown(3, 0.2).Counts(grid);
        double msAt(double t) => 1.0 + (t - 0.4) / 0.6 * 3.0;
        double tauOnly = msAt(0.83) * grid.Count, withDrill = msAt(0.88) * (coarse + refined);
        Assert.Equal(withDrill < tauOnly ? 0.88 : 0.83, choice.Tau, 9);
        Assert.Equal(withDrill < tauOnly, choice.DrillDown is not null);
        Assert.True(choice.PredictedLowerSsim >= 0.8);
        Assert.Equal(10.0 * grid.Count / 1000 / choice.PredictedSeconds, choice.PredictedSpeedupVsNaive, 9);
        // Without drill-down, and the paper's mean criterion.
        Assert.Equal(0.83, p.Choose(0.8, allowDrillDown: false).Tau, 9);
        Assert.Equal(0.8, p.ChoosePaperBaseline(0.8).Tau, 9);
        // Unreachable below the lowest τ swept: never extrapolates past 0.4.
        Assert.Equal(0.4, p.ChoosePaperBaseline(0.1).Tau, 9);
        // Quality 0.999: nothing but exact.
        var exact = p.Choose(0.999);
        Assert.True(exact.Approximation.IsExact);
    }

    [Fact]
    public void Profile_round_trips_through_json_and_rejects_other_models_and_bad_files()
    {
        string dir = Directory.CreateTempSubdirectory("krypton-profile-").FullName;
        try
        {
            var p = Synthetic() with { TunedQuality = 0.9, Chosen = Synthetic().Choose(0.9), CreatedUtc = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc) };
            string path = Path.Combine(dir, "p.json");
            p.Save(path);
            var back = QualityProfile.Load(path);
            Assert.Equal(p.ToJson(), back.ToJson());
            Assert.Equal(p.Choose(0.85), back.Choose(0.85));
            Assert.Contains("\"ms_per_position\"", File.ReadAllText(path));

            back.CheckApplies(Tiny, Spec);
            Assert.Contains("patch 8", Assert.Throws<KryptonException>(() => back.CheckApplies(Tiny, Spec with { Patch = Size2.Square(12) })).Message);
            Assert.Contains("stride 4", Assert.Throws<KryptonException>(() => back.CheckApplies(Tiny, Spec with { Stride = Size2.Square(2) })).Message);
            Assert.Contains("tuned on the full grid, not the krypton grid", Assert.Throws<KryptonException>(() => back.CheckApplies(Tiny, Spec with { GridKind = GridKind.Krypton })).Message);
            // A profile written before the grid could be chosen was tuned on KRYPTON's grid.
            File.WriteAllText(path, System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(path), ",\\s*\"grid_kind\": \"full\"", ""));
            Assert.Equal(GridKind.Krypton, QualityProfile.Load(path).Grid.Kind);
            var other = Architectures.BuiltinModels.Create("resnet18", Architectures.WeightSource.Random(0), 64);
            Assert.Contains("another model", Assert.Throws<KryptonException>(() => back.CheckApplies(other, Spec)).Message);

            File.WriteAllText(path, "{ not json");
            Assert.Contains("not a Krypton tuning profile", Assert.Throws<KryptonException>(() => QualityProfile.Load(path)).Message);
            File.WriteAllText(path, "{\"version\": 1}");
            Assert.Contains("fields are missing", Assert.Throws<KryptonException>(() => QualityProfile.Load(path)).Message);
            Assert.Contains("not found", Assert.Throws<KryptonException>(() => QualityProfile.Load(Path.Combine(dir, "none.json"))).Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Tuning_sweeps_fits_chooses_and_checks_on_held_out_images()
    {
        var images = Enumerable.Range(10, 5).Select(i => ($"img{i}", new Lazy<float[]>(() => Image(i)))).ToList();
        var options = new TuneOptions(0.8, [1.0, 0.7, 0.4], [new DrillDown(2, 0.25), new DrillDown(3, 0.2)], HoldOut: 2, NaivePositions: 32, BatchSize: 16);
        var p = Tuner.Run(Tiny, ProfileModel.Of(Tiny, "tiny", null), images, Spec, Preprocessing.None, options);

        Assert.Equal(3, p.Fits.Count);
        Assert.All(p.Fits, f => Assert.Equal(3 * 3, f.Samples));
        Assert.Equal(3 * 3, p.Sweep.Count);
        Assert.All(p.Sweep.Where(s => s.Tau == 1.0 && s.DrillDown is null), s => Assert.Equal(1.0, s.MeanSsim, 9));
        Assert.Equal(["img10", "img11", "img12"], p.TuningImages);
        Assert.Equal(2, p.HoldOut.Count);
        Assert.True(p.NaiveMsPerPosition > 0);
        Assert.Equal(p.Choose(0.8), p.Chosen);
        Assert.Equal(p.ChoosePaperBaseline(0.8), p.PaperBaseline);
        // What the choices promise, independently of the code that made them.
        Assert.True(p.Chosen!.Approximation.IsExact || p.Chosen.PredictedLowerSsim >= 0.8, $"chosen {p.Chosen.Approximation}: {p.Chosen.PredictedLowerSsim}");
        Assert.True(p.Chosen.PredictedLowerSsim <= p.Chosen.PredictedSsim + 1e-12);
        Assert.True(p.PaperBaseline!.DrillDown is null && (p.PaperBaseline.PredictedSsim >= 0.8 - 1e-9 || p.PaperBaseline.Tau == 0.4));

        // The held-out SSIMs are real: recompute one.
        using var engine = new OcclusionEngine();
        var held = Image(14);
        var exact = engine.Explain(Request(held));
        var chosen = engine.Explain(Request(held, tau: p.Chosen!.Tau, drill: p.Chosen.DrillDown));
        var grid = exact.Grid;
        Assert.Equal(Ssim.Compute(exact.HeatMap, chosen.HeatMap, grid.Rows, grid.Columns), p.HoldOut[1].ChosenSsim, 5);

        // The profile plans for a quality target.
        var plan = engine.Plan(Request(held, quality: 0.8, profile: p));
        Assert.Equal(p.Chosen.Approximation, plan.Approximation);
        Assert.Equal(p.Chosen.PredictedSsim, plan.PredictedSsim);
        Assert.Contains("krypton tune measured", plan.TimeBasis);

        // The profile timed float32: an int8 plan is costed at the int8 convolution rate instead.
        var int8 = engine.Plan(Request(held, tau: p.Chosen.Tau, drill: p.Chosen.DrillDown, profile: p) with
            { Method = new(Tau: p.Chosen.Tau, DrillDown: p.Chosen.DrillDown, Profile: p, Precision: Precision.Int8) });
        Assert.Contains("int8 convolution rate", int8.TimeBasis);
        Assert.True(int8.EstimatedTime > TimeSpan.Zero);
        Assert.Contains("int8", int8.Describe());

        Assert.Contains("at least 2 images", Assert.Throws<KryptonException>(() =>
            Tuner.Run(Tiny, ProfileModel.Of(Tiny, "tiny", null), images.Take(1).ToList(), Spec, Preprocessing.None, options)).Message);
        Assert.Contains("held-out", Assert.Throws<KryptonException>(() =>
            Tuner.Run(Tiny, ProfileModel.Of(Tiny, "tiny", null), images, Spec, Preprocessing.None, options with { HoldOut = 5 })).Message);
    }
}
