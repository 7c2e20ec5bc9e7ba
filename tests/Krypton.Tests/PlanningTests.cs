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

    /// <summary>
    /// <see cref="Synthetic"/> with int8 tuned: SSIM against float32 is τ − 0.03 with spread 0.02
    /// (so exact int8 reaches 0.944 for 90 % of images), at a quarter of float32's time.
    /// </summary>
    private static QualityProfile SyntheticWithInt8()
    {
        var p = Synthetic();
        var spread = new[] { new TauValue(0.4, 0.02), new TauValue(1.0, 0.02) };
        return p with
        {
            Fits = [.. p.Fits, new SsimFit(null, [-0.03, 1], spread, 3) { Precision = Precision.Int8 }],
            PrecisionTimes = [new PrecisionTimes(Precision.Int8, p.MsPerPosition.Select(t => t with { Value = t.Value / 4 }).ToList())],
        };
    }

    [Fact]
    public void Profile_chooses_int8_only_where_its_own_fit_reaches_the_quality()
    {
        var p = SyntheticWithInt8();
        double z = QualityProfile.Quantile(0.9);
        Assert.Equal([Precision.Fp32, Precision.Int8], p.Precisions);
        // 0.9: int8 at the lowest τ with τ − 0.03 − z·0.02 ≥ 0.9 (0.96), a quarter of the time: faster than any float32 setting.
        var c = p.Choose(0.9);
        Assert.Equal(Precision.Int8, c.Precision);
        Assert.Equal(0.96, c.Tau, 9);
        Assert.Null(c.DrillDown);
        Assert.True(c.PredictedLowerSsim >= 0.9 && Math.Abs(c.PredictedLowerSsim - (0.96 - 0.03 - z * 0.02)) < 1e-9);
        Assert.Equal(new Approximation(0.96, null, Precision.Int8), c.Approximation);
        Assert.Equal(TauValue.Interpolate(p.MsPerPositionIn(Precision.Int8)!, 0.96) * p.Grid.Count / 1000, c.PredictedSeconds, 9);
        // 0.95: even exact int8 is predicted below (0.944) for 90 % of images: float32 only, as without int8.
        Assert.Equal(Precision.Fp32, p.Choose(0.95).Precision);
        Assert.Equal(Synthetic().Choose(0.95), p.Choose(0.95));
        // A device that cannot run int8, and the paper's procedure: float32.
        Assert.Equal(Synthetic().Choose(0.9), p.Choose(0.9, allowPrecision: q => q == Precision.Fp32));
        Assert.Equal(Precision.Fp32, p.ChoosePaperBaseline(0.9).Precision);
    }

    [Fact]
    public void Profile_round_trips_through_json_and_rejects_other_models_and_bad_files()
    {
        string dir = Directory.CreateTempSubdirectory("krypton-profile-").FullName;
        try
        {
            var p = SyntheticWithInt8() with { TunedQuality = 0.9, Chosen = SyntheticWithInt8().Choose(0.9), CreatedUtc = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc) };
            string path = Path.Combine(dir, "p.json");
            p.Save(path);
            var back = QualityProfile.Load(path);
            Assert.Equal(p.ToJson(), back.ToJson());
            Assert.Equal(p.Choose(0.85), back.Choose(0.85));
            Assert.Equal(Precision.Int8, back.Chosen!.Precision);
            string json = File.ReadAllText(path);
            Assert.Contains("\"ms_per_position\"", json);
            Assert.Contains("\"precision\": \"int8\"", json);
            Assert.Contains("\"version\": 2", json);

            // Format 1, written before precision was tuned, reads as float32 alone.
            var old = Synthetic() with { Version = 1, TunedQuality = 0.9, Chosen = Synthetic().Choose(0.9) };
            old.Save(path);
            string oldJson = System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(path), ",\\s*\"(precision|precision_times)\": (\"fp32\"|\\[\\])", "");
            Assert.DoesNotContain("precision", oldJson);
            File.WriteAllText(path, oldJson);
            var read = QualityProfile.Load(path);
            Assert.Equal([Precision.Fp32], read.Precisions);
            Assert.All(read.Fits, f => Assert.Equal(Precision.Fp32, f.Precision));
            Assert.Equal(Synthetic().Choose(0.85), read.Choose(0.85));
            File.WriteAllText(path, oldJson.Replace("\"version\": 1", "\"version\": 3"));
            Assert.Contains("format version 3", Assert.Throws<KryptonException>(() => QualityProfile.Load(path)).Message);
            p.Save(path);

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

        // float32 and int8 (the default precisions), each with no drill-down and two settings.
        Assert.Equal([Precision.Fp32, Precision.Int8], p.Precisions);
        Assert.Equal(2 * 3, p.Fits.Count);
        Assert.All(p.Fits, f => Assert.Equal(3 * 3, f.Samples));
        Assert.Equal(2 * 3 * 3, p.Sweep.Count);
        Assert.All(p.Sweep.Where(s => s.Tau == 1.0 && s.DrillDown is null && s.Precision == Precision.Fp32), s => Assert.Equal(1.0, s.MeanSsim, 9));
        // int8 is measured against the float32 exact map, not against itself.
        var int8Exact = p.Sweep.Single(s => s.Tau == 1.0 && s.DrillDown is null && s.Precision == Precision.Int8);
        Assert.InRange(int8Exact.MeanSsim, 0.3, 0.99999);
        Assert.Equal(3, p.MsPerPositionIn(Precision.Int8)!.Count);
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
        // The choice may be int8 (where the tiny model's timings favour it): run it as chosen, precision included.
        var chosen = engine.Explain(Request(held) with { Method = new(Tau: p.Chosen!.Tau, DrillDown: p.Chosen.DrillDown, Precision: p.Chosen.Precision) });
        var grid = exact.Grid;
        Assert.Equal(Ssim.Compute(exact.HeatMap, chosen.HeatMap, grid.Rows, grid.Columns), p.HoldOut[1].ChosenSsim, 5);
        var heldInt8 = engine.Explain(Request(held) with { Method = new(Precision: Precision.Int8) });
        Assert.Equal(Precision.Int8, p.HoldOut[1].Precisions.Single().Precision);
        Assert.Equal(Ssim.Compute(exact.HeatMap, heldInt8.HeatMap, grid.Rows, grid.Columns), p.HoldOut[1].Precisions.Single().Ssim, 5);

        // The profile plans for a quality target.
        var plan = engine.Plan(Request(held, quality: 0.8, profile: p));
        Assert.Equal(p.Chosen.Approximation, plan.Approximation);
        Assert.Equal(p.Chosen.PredictedSsim, plan.PredictedSsim);
        Assert.Contains("krypton tune measured", plan.TimeBasis);

        // An int8 plan is costed with the int8 times the profile measured; with a profile that timed
        // float32 alone, at the int8 convolution rate instead.
        var int8Method = new MethodOptions(Tau: 0.7, Profile: p, Precision: Precision.Int8);
        var int8 = engine.Plan(Request(held) with { Method = int8Method });
        Assert.Contains("krypton tune measured", int8.TimeBasis);
        // Within a TimeSpan's tick (0.0001 ms): rounding to decimal places fails when the value sits on a boundary.
        Assert.Equal(TauValue.Interpolate(p.MsPerPositionIn(Precision.Int8)!, 0.7) * grid.Count, int8.EstimatedTime.TotalMilliseconds, 0.001);
        Assert.Contains("int8", int8.Describe());
        var fp32Only = p with { PrecisionTimes = [], Fits = p.Fits.Where(f => f.Precision == Precision.Fp32).ToList() };
        var probed = engine.Plan(Request(held) with { Method = int8Method with { Profile = fp32Only } });
        Assert.Contains("int8 convolution rate", probed.TimeBasis);
        Assert.True(probed.EstimatedTime > TimeSpan.Zero);

        Assert.Contains("at least 2 images", Assert.Throws<KryptonException>(() =>
            Tuner.Run(Tiny, ProfileModel.Of(Tiny, "tiny", null), images.Take(1).ToList(), Spec, Preprocessing.None, options)).Message);
        Assert.Contains("held-out", Assert.Throws<KryptonException>(() =>
            Tuner.Run(Tiny, ProfileModel.Of(Tiny, "tiny", null), images, Spec, Preprocessing.None, options with { HoldOut = 5 })).Message);
    }
}
