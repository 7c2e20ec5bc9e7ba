using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Krypton.Jobs;
using Krypton.Model;
using Krypton.Output;
using SkiaSharp;
using Krypton.Quality;
using Krypton.Spec;

namespace Krypton.Tests;

/// <summary>The HTML report: its content (pure rendering), its files, and how a real browser shows it.</summary>
public sealed partial class ReportTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string SampleImage => Krypton.Jobs.ExplainJobRunner.SampleImagePath;

    private const string Nasty = "<script>alert(\"x\")</script> & 'quoted'";

    private static JobResult RunJob(string? report, bool faithfulness, string? commandLine = null, int patch = 8, int stride = 4)
    {
        var job = new ExplainJob(new OnnxFileSource(TestFiles.TinyMixed), SampleImage, new OcclusionSpec(Size2.Square(patch), Size2.Square(stride), Fill.Gray))
        {
            CommandLine = commandLine,
            ReportFile = report,
            Faithfulness = faithfulness ? new FaithfulnessOptions(Steps: 10, RandomOrders: 2) : null,
        };
        return ExplainJobRunner.Run(ExplainJobRunner.Prepare(job));
    }

    [Fact]
    public void Report_inlines_the_images_lists_the_regions_and_escapes_user_text()
    {
        var result = RunJob(null, faithfulness: true, commandLine: Nasty);
        var e = result.Explanation;
        var withNames = e with { Labels = new ClassLabels(["<b>zero</b>", "one & two", "two", "three", "four"], "test") };
        byte[] overlay = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        var content = ExplainJobRunner.ReportContentOf(new JobResult(result.Prepared, withNames) { Faithfulness = result.Faithfulness }, overlay);
        string html = HtmlReport.Render(content);

        // Images inline: the input as the model saw it and the overlay bytes, nothing fetched.
        Assert.Contains("id=\"input-image\" class=\"picture\" src=\"data:image/png;base64," + Convert.ToBase64String(content.InputPng!) + "\"", html);
        Assert.Contains("id=\"overlay\" src=\"data:image/png;base64," + Convert.ToBase64String(overlay) + "\"", html);
        using (var decoded = SKBitmap.Decode(content.InputPng))
        {
            Assert.Equal(64, decoded.Width);
            Assert.Equal(64, decoded.Height);
        }
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(new Regex("(src|href)=\"(?!data:)", RegexOptions.IgnoreCase), html);

        // User text escaped.
        Assert.Contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;", html);
        Assert.Contains("&lt;b&gt;zero&lt;/b&gt;", html);
        Assert.DoesNotContain("<b>zero</b>", html);
        Assert.Contains("one &amp; two", html);

        // The regions table: five rows, ranked by drop = unoccluded probability − occluded probability,
        // each a region of its own: a cell whose 8×8 patch overlaps a better one is left out.
        var table = RegionsTable().Match(html);
        Assert.True(table.Success, "no regions table");
        var rows = Regex.Matches(table.Value, "<tr><td>(\\d+)</td><td>\\((\\d+), (\\d+)\\)</td><td>\\((\\d+), (\\d+)\\)</td><td>8×8</td><td>([-0-9.]+)</td>");
        Assert.Equal(5, rows.Count);
        var expected = Enumerable.Range(0, e.HeatMap.Length).Select(i => (Cell: i, Drop: e.UnoccludedProbability - e.HeatMap[i]))
            .OrderByDescending(c => c.Drop).ThenBy(c => c.Cell)
            .Aggregate(new List<(int Cell, float Drop)>(), (chosen, c) =>
            {
                (int y, int x) = (c.Cell / e.Grid.Columns * 4, c.Cell % e.Grid.Columns * 4);
                if (!chosen.Any(q => Math.Abs(q.Cell / e.Grid.Columns * 4 - y) < 8 && Math.Abs(q.Cell % e.Grid.Columns * 4 - x) < 8))
                    chosen.Add(c);
                return chosen;
            }).Take(5).ToList();
        for (int i = 0; i < 5; i++)
        {
            var g = rows[i].Groups;
            Assert.Equal(i + 1, int.Parse(g[1].Value));
            int row = int.Parse(g[2].Value), col = int.Parse(g[3].Value);
            Assert.Equal(expected[i].Cell, row * e.Grid.Columns + col);
            Assert.Equal((row * 4, col * 4), (int.Parse(g[4].Value), int.Parse(g[5].Value)));
            Assert.Equal(expected[i].Drop, double.Parse(g[6].Value, System.Globalization.CultureInfo.InvariantCulture), 4);
        }
        Assert.Equal(5, Regex.Matches(html, "<g class=\"region\">").Count);

        // Prediction, provenance and the faithfulness chart.
        Assert.Contains("<table id=\"prediction\">", html);
        Assert.Contains(result.Prepared.Model.Sha256!, html);
        Assert.Contains("id=\"deletion-chart\"", html);
        Assert.Contains("id=\"insertion-chart\"", html);
        Assert.Equal(4, Regex.Matches(html, "<polyline").Count);
        Assert.Contains(System.Net.WebUtility.HtmlEncode(result.Faithfulness!.Verdict), html);
    }

    [Fact]
    public void Explain_job_writes_the_report_and_the_curve_atomically()
    {
        string report = _temp.File("sub/report.html");
        string outDir = _temp.File("out");
        var result = RunJob(report, faithfulness: true);
        ExplainJobRunner.Write(result, outDir);

        Assert.True(File.Exists(report));
        Assert.Empty(Directory.EnumerateFiles(Path.GetDirectoryName(report)!, "*.tmp"));
        Assert.StartsWith("<!DOCTYPE html>", File.ReadAllText(report));
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "explanation.json")));
        var f = doc.RootElement.GetProperty("faithfulness");
        Assert.Equal(10, f.GetProperty("steps").GetInt32());
        foreach (var kind in new[] { "deletion", "insertion" })
        {
            Assert.Equal(11, f.GetProperty(kind).GetProperty("curve").GetArrayLength());
            Assert.Equal(11, f.GetProperty(kind).GetProperty("random_curve").GetArrayLength());
            Assert.Equal(2, f.GetProperty(kind).GetProperty("random_aucs").GetArrayLength());
        }
        Assert.Equal(result.Faithfulness!.DeletionAuc, f.GetProperty("deletion").GetProperty("auc").GetDouble());
        Assert.Equal(result.Faithfulness.RandomDeletionAuc, f.GetProperty("deletion").GetProperty("random_auc").GetDouble(), 12);
        Assert.Equal(result.Faithfulness.InsertionAuc, f.GetProperty("insertion").GetProperty("auc").GetDouble());
        Assert.Equal(result.Faithfulness.Verdict, f.GetProperty("verdict").GetString());
    }

    [Fact]
    public void Report_with_explicit_positions_is_one_clear_error()
    {
        var (code, _, stderr) = CliTests.Krypton("explain", "--model", TestFiles.TinyMixed, "--input", SampleImage, "--positions", "3,4",
            "--report", _temp.File("r.html"), "--out", _temp.File("out"), "--quiet");
        Assert.Equal(2, code);
        Assert.Contains("krypton: error: --report needs a heat map", stderr);
        Assert.False(File.Exists(_temp.File("r.html")));
    }

    [Fact]
    public void Faithfulness_command_measures_a_folder_of_images()
    {
        string images = _temp.File("images");
        Directory.CreateDirectory(images);
        File.Copy(SampleImage, Path.Combine(images, "a.png"));
        using (var bitmap = SKBitmap.Decode(SampleImage))
        using (var data = bitmap.Resize(new SKImageInfo(48, 40), new SKSamplingOptions(SKFilterMode.Linear)).Encode(SKEncodedImageFormat.Jpeg, 90))
            File.WriteAllBytes(Path.Combine(images, "b.jpg"), data.ToArray());
        File.WriteAllText(Path.Combine(images, "notes.txt"), "not an image");
        string csv = _temp.File("areas.csv");

        var (code, stdout, stderr) = CliTests.Krypton("faithfulness", "--model", TestFiles.TinyMixed, "--images", images,
            "--patch", "16", "--stride", "8", "--steps", "8", "--random-orders", "2", "--csv", csv, "--quiet");
        Assert.True(code == 0, stderr);
        Assert.Matches(@"2 image\(s\): deletion area [0-9.]+ \(map order\) vs [0-9.]+ \(random maps\), lower is better; below the random mean on [0-2] of 2", stdout);
        Assert.Matches(@"2 image\(s\): insertion area [0-9.]+ \(map order\) vs [0-9.]+ \(random maps\), higher is better", stdout);
        Assert.Matches(@"faithful \(beats all 2 random maps on both curves; by chance 1 in 3 per curve\) on [0-2] of 2 image\(s\)", stdout);
        var lines = File.ReadAllLines(csv);
        Assert.Equal("image,target,probability,deletion_auc,random_deletion_auc,insertion_auc,random_insertion_auc,faithful", lines[0]);
        Assert.Equal(["a.png", "b.jpg"], lines.Skip(1).Select(l => l.Split(',')[0]));
    }

    // ---- headless Chromium ----

    [ChromiumFact]
    public void Chromium_renders_the_image_the_colour_bar_and_the_tables()
    {
        string report = _temp.File("report.html");
        var (code, _, stderr) = CliTests.Krypton("explain", "--model", TestFiles.TinyMixed, "--input", SampleImage, "--patch", "8", "--stride", "4",
            "--report", report, "--faithfulness", "--out", _temp.File("out"), "--quiet");
        Assert.True(code == 0, stderr);

        string shot = _temp.File("shot.png");
        var (shotCode, _, shotErr) = Chromium.Run($"--screenshot={shot}", "--window-size=1200,1600", new Uri(report).AbsoluteUri);
        Assert.True(shotCode == 0 && File.Exists(shot), $"chromium failed to take a screenshot: {shotErr}");
        using (var bitmap = SKBitmap.Decode(shot))
        {
            Assert.Equal(1200, bitmap.Width);
            var colours = new HashSet<uint>();
            int coloured = 0, nonWhite = 0;
            foreach (var p in bitmap.Pixels)
            {
                colours.Add((uint)p);
                if (p.Red < 250 || p.Green < 250 || p.Blue < 250) nonWhite++;
                if (Math.Max(p.Red, Math.Max(p.Green, p.Blue)) - Math.Min(p.Red, Math.Min(p.Green, p.Blue)) > 60) coloured++;
            }
            // The overlay's colour bar and map (and, for a colour input, the two pictures) are colourful;
            // text and tables alone are a few hundred grays (the colour bar alone gives some 15,000 colourful pixels).
            Assert.True(colours.Count > 2000, $"only {colours.Count} distinct colours: the images did not render");
            Assert.True(coloured > 8000, $"only {coloured} colourful pixels: the images did not render");
            Assert.True(nonWhite > 200_000, $"only {nonWhite} non-white pixels");
        }

        var (domCode, dom, domErr) = Chromium.Run("--dump-dom", new Uri(report).AbsoluteUri);
        Assert.True(domCode == 0, $"chromium failed to dump the DOM: {domErr}");
        Assert.Matches("<img id=\"input-image\"[^>]*src=\"data:image/png;base64,", dom);
        Assert.Matches("<img id=\"overlay\"[^>]*src=\"data:image/png;base64,", dom);
        Assert.Contains("<table id=\"regions\">", dom);
        Assert.Contains("<table id=\"prediction\">", dom);
        Assert.Contains("id=\"regions-overlay\"", dom);
        Assert.Contains("id=\"deletion-chart\"", dom);
    }

    [GeneratedRegex("<table id=\"regions\">.*?</table>", RegexOptions.Singleline)]
    private static partial Regex RegionsTable();
}

/// <summary>Debian's headless Chromium, when installed (.ci/run installs it).</summary>
internal static class Chromium
{
    public static string? Path { get; } = Find();

    private static string? Find()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            foreach (var name in new[] { "chromium", "chromium-browser" })
                if (File.Exists(System.IO.Path.Combine(dir, name)))
                    return System.IO.Path.Combine(dir, name);
        return null;
    }

    /// <summary>Runs headless Chromium with a fresh profile and no network services.</summary>
    public static (int Code, string StdOut, string StdErr) Run(params string[] args)
    {
        var profile = Directory.CreateTempSubdirectory("krypton-chromium-");
        try
        {
            var psi = new ProcessStartInfo(Path!) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--hide-scrollbars", $"--user-data-dir={profile.FullName}" })
                psi.ArgumentList.Add(a);
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(60_000))
            {
                p.Kill(entireProcessTree: true);
                throw new TimeoutException("chromium did not finish within 60 s");
            }
            return (p.ExitCode, stdout.Result, stderr.Result);
        }
        finally
        {
            try { profile.Delete(recursive: true); }
            catch (IOException) { }
        }
    }
}

/// <summary>A fact that needs headless Chromium: skipped, with the reason, when it is not installed.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (Chromium.Path is null)
            Skip = "chromium is not installed (apt-get install chromium; .ci/run installs it)";
    }
}
