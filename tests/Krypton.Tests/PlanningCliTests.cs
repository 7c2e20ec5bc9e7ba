using System.Text.Json;

namespace Krypton.Tests;

/// <summary>`krypton explain --dry-run / --spec / --quality` and `krypton tune`, run as a user runs them.</summary>
public class PlanningCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("krypton-plan-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Samples => Path.Combine(AppContext.BaseDirectory, "samples", "fashion-mnist");

    private string ImageNpy() => CliTests.GoldenImageNpy(_dir);

    private static int[] HeatmapShape(string outDir)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "explanation.json")));
        return doc.RootElement.GetProperty("result").GetProperty("heatmap_shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
    }

    [Fact]
    public void Dry_run_prints_the_plan_and_writes_nothing()
    {
        string outDir = Path.Combine(_dir, "out");
        var (code, stdout, stderr) = CliTests.Krypton("explain", "--model", TestFiles.TinyMixed, "--input", ImageNpy(), "--patch", "8", "--stride", "4",
            "--fill", "tensor:0", "--tau", "0.7", "--drill-down", "3", "--batch", "16", "--dry-run", "--out", outDir);
        Assert.True(code == 0, stderr);
        foreach (var expected in new[] { "method", "approximate (tau 0.7, drill-down 3x", "positions", "inference calls", "layer calls", "memory", "estimated time", "dry run" })
            Assert.Contains(expected, stdout);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void Precisions_run_exact_and_naive_are_recorded_and_tf32_needs_cuda()
    {
        string exactDir = Path.Combine(_dir, "int8-exact"), naiveDir = Path.Combine(_dir, "int8-naive");
        string[] common = ["--model", TestFiles.TinyMixed, "--input", ImageNpy(), "--patch", "8", "--stride", "4", "--fill", "tensor:0", "--value", "logit", "--precision", "int8", "-q"];
        var (code, _, stderr) = CliTests.Krypton(["explain", .. common, "--out", exactDir]);
        Assert.True(code == 0, stderr);
        (code, _, stderr) = CliTests.Krypton(["explain", .. common, "--mode", "naive", "--out", naiveDir]);
        Assert.True(code == 0, stderr);
        foreach (var (dir, mode) in new[] { (exactDir, "exact int8"), (naiveDir, "naive int8") })
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "explanation.json")));
            var plan = doc.RootElement.GetProperty("plan");
            Assert.Equal("int8", plan.GetProperty("precision").GetString());
            Assert.Equal(mode, plan.GetProperty("mode").GetString());
        }
        var exact = IO.NpyFile.ReadHeatmap(Path.Combine(exactDir, "heatmap.npy")).Data;
        var naive = IO.NpyFile.ReadHeatmap(Path.Combine(naiveDir, "heatmap.npy")).Data;
        float range = exact.Max() - exact.Min();
        Assert.True(range > 0, "the int8 map is flat");
        Assert.True(exact.Zip(naive).All(p => Math.Abs(p.First - p.Second) <= 1e-3f * range), "exact int8 differs from naive int8");

        (code, _, stderr) = CliTests.Krypton("explain", "--model", TestFiles.TinyMixed, "--input", ImageNpy(), "--precision", "int4");
        Assert.Equal(2, code);
        Assert.Equal("krypton: error: precision 'int4' is not fp32, int8, tf32 or fp16", stderr.Trim());

        // The GPU precisions: float16 runs anywhere (here through ONNX Runtime's casts); TF32 is CUDA's alone.
        string fp16Dir = Path.Combine(_dir, "fp16");
        (code, var stdout, stderr) = CliTests.Krypton(["explain", .. common[..^3], "--precision", "fp16", "--dry-run"]);
        Assert.True(code == 0, stderr);
        Assert.Contains("(fp16)", stdout);
        (code, _, stderr) = CliTests.Krypton(["explain", .. common[..^3], "--precision", "fp16", "-q", "--out", fp16Dir]);
        Assert.True(code == 0, stderr);
        using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(fp16Dir, "explanation.json"))))
            Assert.Equal("exact fp16", doc.RootElement.GetProperty("plan").GetProperty("mode").GetString());
        (code, _, stderr) = CliTests.Krypton(["explain", .. common[..^3], "--precision", "tf32"]);
        Assert.Equal(2, code);
        Assert.Equal("krypton: error: precision tf32 is TensorFloat-32, a CUDA GPU's arithmetic; this run is on cpu (use fp32, or int8 for a CPU's fast path)", stderr.Trim());
    }

    [Fact]
    public void Spec_file_states_the_experiment_and_the_command_line_overrides_it()
    {
        ImageNpy();
        string spec = Path.Combine(_dir, "experiment.json");
        File.WriteAllText(spec, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["model"] = TestFiles.TinyMixed, ["input"] = "image.npy", ["patch"] = 8, ["stride"] = new[] { 4, 4 }, ["fill"] = "tensor:0",
            ["value"] = "drop", ["quiet"] = true, ["out"] = "from-spec", ["grid"] = "krypton",
        }));
        var (code, _, stderr) = CliTests.Krypton("explain", "--spec", spec);
        Assert.True(code == 0, stderr);
        Assert.Equal([14, 14], HeatmapShape(Path.Combine(_dir, "from-spec")));   // KRYPTON's (64 − 8 + 1) / 4 = 14; "out" relative to the file

        string overridden = Path.Combine(_dir, "overridden");
        (code, _, stderr) = CliTests.Krypton("explain", "--spec", spec, "--stride", "8", "--out", overridden);
        Assert.True(code == 0, stderr);
        Assert.Equal([7, 7], HeatmapShape(overridden));

        File.WriteAllText(spec, "{\"input\": \"image.npy\", \"patchsize\": 8}");
        (code, _, stderr) = CliTests.Krypton("explain", "--spec", spec);
        Assert.Equal(2, code);
        Assert.Equal("krypton: error: spec file " + spec + ": unknown key 'patchsize'; keys are the options of krypton explain without '--' (for example \"patch\": 16)", stderr.Trim());

        File.WriteAllText(spec, "{\"input\": ");
        (code, _, stderr) = CliTests.Krypton("explain", "--spec", spec);
        Assert.Equal(2, code);
        Assert.Contains("is not valid JSON", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public void Tune_writes_a_profile_that_explain_quality_uses()
    {
        string profile = Path.Combine(_dir, "profile.json");
        var (code, stdout, stderr) = CliTests.Krypton("tune", "--model", TestFiles.TinyMixed, "--images", Samples, "--limit", "4", "--holdout", "1",
            "--taus", "1,0.6", "--drill-downs", "3:0.2", "--patch", "8", "--stride", "4", "--batch", "16", "--quality", "0.8", "--out", profile, "--quiet");
        Assert.True(code == 0, stderr);
        Assert.Contains("chosen for SSIM 0.8", stdout);
        Assert.Contains("paper procedure", stdout);
        Assert.Contains("held-out images", stdout);
        Assert.True(File.Exists(profile));

        var (code2, plan, stderr2) = CliTests.Krypton("explain", "--model", TestFiles.TinyMixed, "--input", Path.Combine(Samples, "t10k-00000-ankle-boot.png"),
            "--patch", "8", "--stride", "4", "--quality", "0.8", "--profile", profile, "--dry-run");
        Assert.True(code2 == 0, stderr2);
        Assert.Contains("quality target        SSIM >= 0.8", plan);
        Assert.Contains("krypton tune measured", plan);

        // Run for real: the report states the approximation and the quality asked.
        string report = Path.Combine(_dir, "r.html");
        (code2, _, stderr2) = CliTests.Krypton("explain", "--model", TestFiles.TinyMixed, "--input", Path.Combine(Samples, "t10k-00000-ankle-boot.png"),
            "--patch", "8", "--stride", "4", "--quality", "0.8", "--profile", profile, "--out", Path.Combine(_dir, "q"), "--report", report, "--quiet");
        Assert.True(code2 == 0, stderr2);
        Assert.Contains("quality asked: SSIM ≥ 0.8", File.ReadAllText(report));
        using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "q", "explanation.json"))))
            Assert.Equal(0.8, doc.RootElement.GetProperty("plan").GetProperty("quality_target").GetDouble());

        (code2, _, stderr2) = CliTests.Krypton("explain", "--model", TestFiles.TinyMixed, "--input", Path.Combine(Samples, "t10k-00000-ankle-boot.png"),
            "--patch", "12", "--stride", "4", "--quality", "0.8", "--profile", profile, "--dry-run");
        Assert.Equal(2, code2);
        Assert.Contains("tuned for patch 8, not 12", stderr2);

        (code2, _, stderr2) = CliTests.Krypton("explain", "--model", TestFiles.TinyMixed, "--input", Path.Combine(Samples, "t10k-00000-ankle-boot.png"),
            "--patch", "8", "--stride", "4", "--profile", profile, "--dry-run");
        Assert.Equal(2, code2);
        Assert.Contains("--profile goes with --quality", stderr2);

        (code2, _, stderr2) = CliTests.Krypton("tune", "--model", TestFiles.TinyMixed, "--images", Samples, "--limit", "1", "--out", profile);
        Assert.Equal(2, code2);
        Assert.Contains("at least 2 images", stderr2);
    }

    [Fact]
    public void The_demo_ships_a_profile_per_grid_that_quality_uses_by_itself()
    {
        var (code, stdout, stderr) = CliTests.Krypton("explain", "--quality", "0.9", "--dry-run");
        Assert.True(code == 0, stderr);
        Assert.Contains("demo-patch16-stride4-full.json", stdout);
        Assert.Contains("53x53 grid", stdout);
        Assert.Matches(@"method +approximate \((int8, )?tau 0\.\d+", stdout);
        Assert.Contains("quality target        SSIM >= 0.9 (predicted", stdout);
        // The default grid's profile was tuned with precision (format 2): float32 and int8.
        var shipped = Planning.QualityProfile.Load(Path.Combine(AppContext.BaseDirectory, "samples", "profiles", "demo-patch16-stride4-full.json"));
        Assert.Equal([Spec.Precision.Fp32, Spec.Precision.Int8], shipped.Precisions);
        Assert.All(shipped.HoldOut, h => Assert.Equal(Spec.Precision.Int8, Assert.Single(h.Precisions).Precision));

        (code, stdout, stderr) = CliTests.Krypton("explain", "--quality", "0.9", "--grid", "krypton", "--dry-run");
        Assert.True(code == 0, stderr);
        Assert.Contains("demo-patch16-stride4-krypton.json", stdout);
        Assert.Contains("52x52 grid", stdout);
        Assert.Contains("quality target        SSIM >= 0.9 (predicted", stdout);
    }
}
