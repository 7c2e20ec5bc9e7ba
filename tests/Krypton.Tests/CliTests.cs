using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Krypton.IO;

namespace Krypton.Tests;

/// <summary>The `krypton` command as a user runs it: a separate process, its exit code, its output folder.</summary>
public class CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("krypton-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Out => Path.Combine(_dir, "out");

    internal static (int Code, string StdOut, string StdErr) Krypton(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Krypton.Cli.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(120_000), "krypton did not finish in time");
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private string GoldenImageNpy() => GoldenImageNpy(_dir);

    /// <summary>Writes the golden test's input image as image.npy in the folder and returns its path.</summary>
    internal static string GoldenImageNpy(string dir)
    {
        var image = TestFiles.Golden("image");
        string path = Path.Combine(dir, "image.npy");
        NpyFile.Write(path, image, [1, 3, 64, 64]);
        return path;
    }

    private void AssertOneLineError(string[] args, string expected)
    {
        var (code, _, stderr) = Krypton(["explain", .. args, "--out", Out, "--quiet"]);
        Assert.Equal(2, code);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("krypton:", StringComparison.Ordinal)).ToList();
        Assert.Single(lines);
        Assert.StartsWith("krypton: error: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.DoesNotContain("   at ", stderr);
        Assert.False(Directory.Exists(Out) && Directory.EnumerateFileSystemEntries(Out).Any(), "an output file was written");
    }

    [Fact]
    public void Missing_input_file() =>
        AssertOneLineError(["--model", TestFiles.TinyMixed, "--input", Path.Combine(_dir, "nope.png")], "input file not found");

    [Fact]
    public void Input_that_is_not_an_image() =>
        AssertOneLineError(["--model", TestFiles.TinyMixed, "--input", Write("notes.png", "just text"u8.ToArray())], "is not a PNG, JPEG, BMP, WebP or TIFF image");

    [Fact]
    public void Missing_model_file() =>
        AssertOneLineError(["--model", Path.Combine(_dir, "nope.onnx"), "--input", GoldenImageNpy()], "model file not found");

    [Fact]
    public void Corrupt_onnx_file()
    {
        var garbage = new byte[4096];
        new Random(7).NextBytes(garbage);
        AssertOneLineError(["--model", Write("corrupt.onnx", garbage), "--input", GoldenImageNpy()], "not a valid ONNX file");
    }

    [Fact]
    public void Truncated_onnx_file()
    {
        var bytes = File.ReadAllBytes(TestFiles.TinyMixed);
        AssertOneLineError(["--model", Write("truncated.onnx", bytes[..(bytes.Length / 2)]), "--input", GoldenImageNpy()], "not a valid ONNX file");
    }

    [Fact]
    public void Unsupported_operator_names_op_and_node()
    {
        var model = new OnnxTestModel(13, [1, 3, 8, 8])
            .Node("Relu", ["x"], ["r"], "relu0")
            .Node("LSTM", ["r"], ["y"], "lstm_layer")
            .Output("y").Bytes();
        // Neither Krypton's op set nor ONNX Runtime (an LSTM without its weights) can run it.
        AssertOneLineError(["--model", Write("lstm.onnx", model), "--input", GoldenImageNpy()], "unsupported operator 'LSTM' at node 'lstm_layer', and ONNX Runtime cannot run");
    }

    [Fact]
    public void Model_without_spatial_input()
    {
        var model = new OnnxTestModel(13, [1, 16]).Node("Relu", ["x"], ["y"], "relu0").Output("y").Bytes();
        AssertOneLineError(["--model", Write("flat.onnx", model), "--input", GoldenImageNpy()], "spatial input");
    }

    [Fact]
    public void Patch_larger_than_image() =>
        AssertOneLineError(["--model", TestFiles.TinyMixed, "--input", GoldenImageNpy(), "--patch", "65"], "larger than the 64x64 input");

    [Theory]
    [InlineData("0")]
    [InlineData("-4")]
    [InlineData("4x0")]
    public void Zero_or_negative_stride(string stride) =>
        AssertOneLineError(["--model", TestFiles.TinyMixed, "--input", GoldenImageNpy(), "--stride", stride], "must be positive");

    [Fact]
    public void Target_out_of_range() =>
        AssertOneLineError(["--model", TestFiles.TinyMixed, "--input", GoldenImageNpy(), "--target", "5"], "target 5 is out of range");

    [Fact]
    public void Input_tensor_of_the_wrong_size()
    {
        string path = Path.Combine(_dir, "small.npy");
        NpyFile.Write(path, new float[3 * 32 * 32], [3, 32, 32]);
        AssertOneLineError(["--model", TestFiles.TinyMixed, "--input", path, "--fill", "tensor:0"], "the model expects 3x64x64");
    }

    [Fact]
    public void Unknown_option_is_one_line()
    {
        var (code, _, stderr) = Krypton("explain", "--patchsize", "3");
        Assert.Equal(2, code);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Help_teaches_with_examples()
    {
        var (code, stdout, _) = Krypton("explain", "--help");
        Assert.Equal(0, code);
        Assert.Contains("Examples:", stdout);
        Assert.Contains("--patch", stdout);
        Assert.Contains("--fill", stdout);
    }

    [Fact]
    public void Explain_writes_the_golden_heatmap_and_its_provenance()
    {
        var (code, stdout, stderr) = Krypton("explain", "--model", TestFiles.TinyMixed, "--input", GoldenImageNpy(),
            "--patch", "8", "--stride", "4", "--grid", "krypton", "--fill", "tensor:0", "--out", Out, "--batch", "5");
        Assert.True(code == 0, stderr);
        Assert.Contains("wrote", stdout);
        foreach (var f in new[] { "heatmap.npy", "heatmap.csv", "overlay.png", "explanation.json" })
            Assert.True(File.Exists(Path.Combine(Out, f)), f);
        Assert.Empty(Directory.GetFiles(Out, "*.tmp*"));

        var expected = TestFiles.Golden("heatmap");
        var map = NpyFile.Read(Path.Combine(Out, "heatmap.npy"));
        Assert.Equal([14, 14], map.Shape);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(map.Data[i] - expected[i]) <= 1e-5, $"cell {i}");

        var csvRows = File.ReadAllLines(Path.Combine(Out, "heatmap.csv")).Where(l => l.Length > 0).ToList();
        Assert.Equal(14, csvRows.Count);
        Assert.True(Math.Abs(float.Parse(csvRows[0].Split(',')[1], System.Globalization.CultureInfo.InvariantCulture) - expected[1]) <= 1e-5);

        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Out, "explanation.json")));
        var root = doc.RootElement;
        string sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(TestFiles.TinyMixed)));
        Assert.Equal(sha, root.GetProperty("model").GetProperty("sha256").GetString());
        Assert.Equal(8, root.GetProperty("spec").GetProperty("patch")[0].GetInt32());
        Assert.Equal("krypton", root.GetProperty("spec").GetProperty("grid").GetString());
        using var golden = JsonDocument.Parse(File.ReadAllText(TestFiles.TinyMixedGolden));
        Assert.Equal(golden.RootElement.GetProperty("target").GetInt32(), root.GetProperty("result").GetProperty("target").GetInt32());
        Assert.Equal("exact", root.GetProperty("plan").GetProperty("mode").GetString());
        Assert.Equal(5, root.GetProperty("plan").GetProperty("batch_size").GetInt32());
        Assert.True(root.GetProperty("timings_seconds").GetProperty("sweep").GetDouble() > 0);
        // The whole command is accounted for: its steps and what none of them holds add up to it.
        var t = root.GetProperty("timings_seconds");
        double Step(string name) => t.GetProperty(name).GetDouble();
        string[] steps = ["startup", "load", "plan", "compile", "unoccluded", "sweep", "engine_other", "faithfulness", "render_outputs", "unaccounted"];
        Assert.All(steps.Where(s => s != "unaccounted"), s => Assert.True(Step(s) >= 0, s));
        Assert.True(Step("startup") > 0 && Step("render_outputs") > 0);
        Assert.Equal(Step("command"), steps.Sum(Step), 6);
        Assert.True(Math.Abs(Step("unaccounted")) < 0.5 * Step("command"), $"unaccounted {Step("unaccounted")} of {Step("command")} s");
        Assert.True(root.GetProperty("peak_memory_bytes").GetInt64() > 0);
        Assert.Equal("cpu", root.GetProperty("device").GetProperty("device").GetString());
    }

    [Fact]
    public void The_default_grid_adds_the_windows_krypton_drops_and_keeps_the_others()
    {
        // 64 pixels, patch 8, stride 4: KRYPTON's count is floor(57 / 4) = 14 positions per axis (the
        // window flush with the border, at 56, is dropped); the full grid has ceil(56 / 4) + 1 = 15.
        var (code, _, stderr) = Krypton("explain", "--model", TestFiles.TinyMixed, "--input", GoldenImageNpy(),
            "--patch", "8", "--stride", "4", "--fill", "tensor:0", "--out", Out);
        Assert.True(code == 0, stderr);
        var expected = TestFiles.Golden("heatmap");
        var map = NpyFile.Read(Path.Combine(Out, "heatmap.npy"));
        Assert.Equal([15, 15], map.Shape);
        for (int i = 0; i < 14; i++)
            for (int j = 0; j < 14; j++)
                Assert.True(Math.Abs(map.Data[i * 15 + j] - expected[i * 14 + j]) <= 1e-5, $"cell ({i}, {j})");
        Assert.All(Enumerable.Range(0, 15).SelectMany(k => new[] { map.Data[14 * 15 + k], map.Data[k * 15 + 14] }), v => Assert.True(float.IsFinite(v)));
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Out, "explanation.json")));
        Assert.Equal("full", doc.RootElement.GetProperty("spec").GetProperty("grid").GetString());
        Assert.Equal([64, 64], doc.RootElement.GetProperty("result").GetProperty("covered_pixels").EnumerateArray().Select(v => v.GetInt32()));
    }

    [Fact]
    public void Positions_give_the_golden_values_at_those_positions()
    {
        var (code, _, stderr) = Krypton("explain", "--model", TestFiles.TinyMixed, "--input", GoldenImageNpy(),
            "--patch", "8", "--fill", "tensor:0", "--positions", "0,0;20,24;52,52", "--out", Out);
        Assert.True(code == 0, stderr);
        var expected = TestFiles.Golden("heatmap");
        var lines = File.ReadAllLines(Path.Combine(Out, "positions.csv")).Skip(1).Where(l => l.Length > 0).ToList();
        Assert.Equal(3, lines.Count);
        int[][] cells = [[0, 0], [5, 6], [13, 13]];
        for (int i = 0; i < 3; i++)
        {
            var parts = lines[i].Split(',');
            float value = float.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(Math.Abs(value - expected[cells[i][0] * 14 + cells[i][1]]) <= 1e-5, lines[i]);
        }
        Assert.False(File.Exists(Path.Combine(Out, "heatmap.npy")));
    }

    [Fact]
    public void Analyze_prints_the_published_resnet18_speedup()
    {
        var (code, stdout, stderr) = Krypton("analyze", "--arch", "resnet18", "--patch", "16");
        Assert.True(code == 0, stderr);
        Assert.Contains("theoretical speedup R = 2.19", stdout);
        Assert.Contains("layer4.1.conv2", stdout);
        Assert.Contains("positions at stride 4: 53 x 53 = 2,809 on the full grid (krypton grid: 52 x 52 = 2,704)", stdout);

        Assert.DoesNotContain("changes whole feature maps", stdout);

        (code, stdout, _) = Krypton("analyze", "--arch", "resnet18", "--patch", "16", "--stride", "8", "--grid", "krypton");
        Assert.Equal(0, code);
        Assert.Contains("positions at stride 8: 26 x 26 = 676 on the krypton grid (full grid: 27 x 27 = 729)", stdout);

        (code, stdout, _) = Krypton("analyze", "--model", TestFiles.Path_("zoo_mobilenet_v3.onnx"), "--patch", "8");
        Assert.Equal(0, code);
        Assert.Matches(@"from /features/features\.1/block/block\.1/Mul \(Mul\) on, each patch changes whole feature maps .*: \d+ % of the multiply-adds run at full cost", stdout);

        (code, stdout, _) = Krypton("analyze", "--model", TestFiles.TinyMixed, "--patch", "8", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        Assert.True(doc.RootElement.GetProperty("theoretical_speedup").GetDouble() > 1);
        Assert.True(doc.RootElement.GetProperty("layers").GetArrayLength() > 10);
        Assert.Equal("full", doc.RootElement.GetProperty("grid").GetString());
        Assert.Equal(2, doc.RootElement.GetProperty("positions").GetArrayLength());
    }

    [Fact]
    public void Samples_copies_the_shipped_files_so_examples_work_anywhere()
    {
        string shipped = Path.Combine(AppContext.BaseDirectory, "samples");
        string target = Path.Combine(_dir, "krypton-samples");
        var (code, stdout, stderr) = Krypton("samples", "--out", target);
        Assert.True(code == 0, stderr);
        var files = Directory.GetFiles(shipped, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(shipped, f)).Order().ToList();
        Assert.Equal(files, Directory.GetFiles(target, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(target, f)).Order());
        Assert.All(files, f => Assert.Equal(File.ReadAllBytes(Path.Combine(shipped, f)), File.ReadAllBytes(Path.Combine(target, f))));
        Assert.Contains($"wrote {files.Count} files to {target}", stdout);
        Assert.Contains("fashion-mnist/ (10)", stdout);

        // The README's example: a sample image from there, explained by the demo model's dry run.
        (code, stdout, stderr) = Krypton("explain", "--input", Path.Combine(target, "fashion-mnist", "t10k-00001-pullover.png"), "--dry-run");
        Assert.True(code == 0, stderr);
        Assert.Contains("plan for t10k-00001-pullover.png", stdout);

        File.WriteAllText(Path.Combine(_dir, "a-file"), "x");
        (code, _, stderr) = Krypton("samples", "--out", Path.Combine(_dir, "a-file"));
        Assert.Equal(2, code);
        Assert.StartsWith("krypton: error: --out " + Path.Combine(_dir, "a-file"), stderr.Trim());
    }

    [Fact]
    public void Ctrl_c_cancels_cleanly_and_writes_nothing()
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "Krypton.Cli.dll"), "explain", "--arch", "resnet18", "--mode", "naive",
                     "--batch", "4", "--out", Out })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = new System.Text.StringBuilder();
        var started = new ManualResetEventSlim();
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stderr) stderr.AppendLine(e.Data);
            if (e.Data.Contains("positions", StringComparison.Ordinal)) started.Set();
        };
        p.BeginErrorReadLine();
        _ = p.StandardOutput.ReadToEndAsync();
        Assert.True(started.Wait(60_000), "the sweep did not start");
        using (var kill = Process.Start("kill", ["-INT", p.Id.ToString()])) kill.WaitForExit();
        Assert.True(p.WaitForExit(30_000), "krypton did not stop after Ctrl+C");
        p.WaitForExit();
        Assert.Equal(130, p.ExitCode);
        lock (stderr) Assert.True(stderr.ToString().Contains("cancelled"), stderr.ToString());
        Assert.False(Directory.Exists(Out) && Directory.EnumerateFileSystemEntries(Out).Any());
    }
}
