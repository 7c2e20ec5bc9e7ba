using System.Text.Json;
using Krypton.Quality;

namespace Krypton.Tests;

/// <summary>SSIM against scikit-image 0.19.3 (ssim_cases.json, made by the reference tool).</summary>
public class SsimTests
{
    public static TheoryData<string> Cases()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestFiles.Path_("ssim_cases.json")));
        var data = new TheoryData<string>();
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray()) data.Add(c.GetProperty("name").GetString()!);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_scikit_image(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestFiles.Path_("ssim_cases.json")));
        var c = doc.RootElement.GetProperty("cases").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        var shape = c.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var x = c.GetProperty("x").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var y = c.GetProperty("y").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var o = c.GetProperty("options");
        bool gaussian = o.TryGetProperty("gaussian_weights", out var g) && g.GetBoolean();
        Assert.Equal(gaussian, o.TryGetProperty("use_sample_covariance", out var u) && !u.GetBoolean());
        var options = new SsimOptions(gaussian, o.GetProperty("data_range").GetDouble());
        double ssim = Ssim.Compute(x, y, shape[0], shape[1], options);
        Assert.True(Math.Abs(ssim - c.GetProperty("ssim").GetDouble()) <= 1e-6, $"{name}: {ssim} vs {c.GetProperty("ssim").GetDouble()}");
    }

    [Fact]
    public void Identical_maps_have_ssim_one_and_bad_input_is_refused()
    {
        var a = Enumerable.Range(0, 100).Select(i => Math.Sin(i)).ToArray();
        Assert.Equal(1.0, Ssim.Compute(a, a, 10, 10), 12);
        Assert.Throws<KryptonException>(() => Ssim.Compute(a, a, 5, 20));           // narrower than the window
        Assert.Throws<KryptonException>(() => Ssim.Compute(a, a[..50], 10, 10));    // sizes differ
        Assert.Throws<KryptonException>(() => Ssim.Compute(new double[100], new double[100], 10, 10)); // constant reference, no range
    }

    [Fact]
    public void Command_line_prints_the_scikit_image_value()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestFiles.Path_("ssim_cases.json")));
        var c = doc.RootElement.GetProperty("cases").EnumerateArray().First(e => e.GetProperty("name").GetString()!.EndsWith("gaussian"));
        var shape = c.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        string dir = Directory.CreateTempSubdirectory("krypton-ssim-").FullName;
        try
        {
            // float32 files, as heat maps are written; the reference value is for float64 inputs, hence 1e-4.
            string a = Path.Combine(dir, "a.npy"), b = Path.Combine(dir, "b.npy");
            Krypton.IO.NpyFile.Write(a, c.GetProperty("x").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray(), shape);
            Krypton.IO.NpyFile.Write(b, c.GetProperty("y").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray(), shape);
            var (code, stdout, stderr) = CliTests.Krypton("ssim", a, b, "--gaussian", "--data-range", "1");
            Assert.True(code == 0, stderr);
            double printed = double.Parse(stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(Math.Abs(printed - c.GetProperty("ssim").GetDouble()) <= 1e-4, $"{printed}");
            (code, _, stderr) = CliTests.Krypton("ssim", a, Path.Combine(dir, "missing.npy"));
            Assert.Equal(2, code);
            Assert.StartsWith("krypton: error:", stderr.Trim());
        }
        finally { Directory.Delete(dir, true); }
    }
}
