using System.Text.Json;
using Krypton.IO;
using Krypton.Web;
using Microsoft.Playwright;

namespace Krypton.Tests;

/// <summary>
/// The page in a real browser (Debian's headless chromium, driven by Playwright, nothing
/// downloaded) against a real server: upload, a map that sharpens while it is computed and ends as
/// explain's, a probe, a screenshot.
/// </summary>
public class WebBrowserTests
{
    /// <summary>Where the screenshot goes: $KRYPTON_SCREENSHOT (tools/serve-screenshot.sh sets it to docs/images/serve.png), else a temporary file.</summary>
    private static string ScreenshotPath => Environment.GetEnvironmentVariable("KRYPTON_SCREENSHOT") is { Length: > 0 } path
        ? Path.GetFullPath(path) : Path.Combine(Path.GetTempPath(), "krypton-serve-page.png");

    [ChromiumFact]
    public async Task The_page_uploads_an_image_draws_the_growing_map_ends_with_explains_and_probes()
    {
        await using var server = await LiveServer.StartAsync(new ServeOptions { Execution = new(2) });
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium.Path, Headless = true, Args = ["--no-sandbox"] });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 980 } });
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await page.GotoAsync(server.Url);
        await page.WaitForFunctionAsync("() => document.getElementById('server-status').textContent === 'ready'");

        // Upload a shipped sample as a user would, from a file chooser.
        string sample = Path.Combine(Path.GetDirectoryName(Krypton.Jobs.ExplainJobRunner.SampleImagePath)!, "t10k-00004-shirt.png");
        await page.SetInputFilesAsync("#upload-image", sample);
        await page.WaitForFunctionAsync("() => document.getElementById('image').value.startsWith('upload-')");
        await page.FillAsync("#stride", "8");
        await page.SelectOptionAsync("#value", "drop");
        await page.WaitForFunctionAsync("() => document.getElementById('plan').textContent.includes('729')");
        await page.ClickAsync("#run");
        await page.WaitForFunctionAsync("() => window.krypton.final !== null", null, new() { Timeout = 180_000 });
        Assert.Empty(errors);

        // The map grew in steps before it was done.
        Assert.True(await page.EvaluateAsync<int>("() => window.krypton.valueEvents") > 1);
        // The overlay is drawn: gray picture plus colour where the map is (a gray pixel has R = G = B).
        double coloured = await page.EvaluateAsync<double>(@"() => {
            const c = document.getElementById('map'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0; for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - d[i + 1]) > 8) n++;
            return n / (d.length / 4); }");
        Assert.True(coloured > 0.05, $"only {coloured:P1} of the canvas is coloured");

        // Its values are the CLI's for the same settings.
        var served = JsonSerializer.Deserialize<float?[]>(await page.EvaluateAsync<string>("() => JSON.stringify(window.krypton.final.map)"))!;
        using var folder = new TempFolder();
        var (code, _, stderr) = CliTests.Krypton("explain", "--input", sample, "--stride", "8", "--value", "drop", "--threads", "2", "--out", folder.Path, "--quiet");
        Assert.True(code == 0, stderr);
        var cli = NpyFile.ReadHeatmap(folder.File("heatmap.npy")).Data;
        Assert.Equal(cli.Length, served.Length);
        for (int i = 0; i < cli.Length; i++)
            Assert.True(served[i] is { } v && Math.Abs(v - cli[i]) <= 1e-6, $"cell {i}: page {served[i]}, explain {cli[i]}");

        // Click a cell's patch centre: the probe puts the patch at that cell and reads the map's value.
        var box = (await page.Locator("#map").BoundingBoxAsync())!;
        double k = box.Width / 224;
        int row = 13, column = 12;
        await page.Mouse.ClickAsync((float)(box.X + (column * 8 + 8) * k), (float)(box.Y + (row * 8 + 8) * k));
        await page.WaitForFunctionAsync("() => document.getElementById('probe-value').dataset.value !== undefined");
        var probe = page.Locator("#probe-value");
        Assert.Equal(row * 8, int.Parse((await probe.GetAttributeAsync("data-y"))!));
        Assert.Equal(column * 8, int.Parse((await probe.GetAttributeAsync("data-x"))!));
        float probed = float.Parse((await probe.GetAttributeAsync("data-value"))!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Math.Abs(probed - cli[row * 27 + column]) <= 1e-5, $"probe {probed}, map {cli[row * 27 + column]}");

        // The files explain writes, linked from the page.
        var links = await page.Locator("#downloads a").AllTextContentsAsync();
        Assert.Equal(["heatmap.npy", "heatmap.csv", "overlay.png", "explanation.json", "report.html"], links);

        await page.Mouse.MoveAsync((float)(box.X + 60 * k), (float)(box.Y + 120 * k));
        await page.ScreenshotAsync(new() { Path = ScreenshotPath, FullPage = false });
        Assert.True(new FileInfo(ScreenshotPath).Length > 20_000, "the screenshot is suspiciously small");

        // A corrupt upload is one line on the page; the page goes on working.
        await page.SetInputFilesAsync("#upload-image", new FilePayload { Name = "broken.png", MimeType = "image/png", Buffer = [0x89, 0x50, 0x4E, 0x47, 1, 2, 3] });
        await page.WaitForFunctionAsync("() => !document.getElementById('error').hidden");
        string message = (await page.Locator("#error").TextContentAsync())!;
        Assert.Contains("'broken.png' cannot be used", message);
        Assert.DoesNotContain("\n", message.Trim());
        await page.SelectOptionAsync("#value", "prob");
        await page.WaitForFunctionAsync("() => document.getElementById('plan').textContent.includes('729')");

        // Cancel stops a long sweep (naive, stride 1: 43,681 positions) once it has begun.
        await page.FillAsync("#stride", "1");
        await page.SelectOptionAsync("#mode", "naive");
        await page.WaitForFunctionAsync("() => document.getElementById('plan').textContent.includes('43681')");
        await page.ClickAsync("#run");
        await page.WaitForFunctionAsync("() => window.krypton.valueEvents > 0", null, new() { Timeout = 60_000 });
        await page.ClickAsync("#cancel");
        await page.WaitForFunctionAsync("() => document.getElementById('status').textContent.startsWith('cancelled')", null, new() { Timeout = 30_000 });
        Assert.False(await page.Locator("#run").IsDisabledAsync());
        Assert.Empty(errors);
    }
}

/// <summary>`krypton serve` as a process: it prints its URL, answers, stops cleanly on Ctrl+C, and refuses bad options in one line.</summary>
public class ServeCommandTests
{
    [Fact]
    public async Task Serve_prints_its_url_answers_and_stops_cleanly_on_ctrl_c()
    {
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "Krypton.Cli.dll"), "serve", "--port", "0", "--threads", "1" })
            psi.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(psi)!;
        try
        {
            var first = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.NotNull(first);
            Assert.Matches(@"^krypton serve: listening on http://127\.0\.0\.1:\d+/$", first);
            string url = first!["krypton serve: listening on ".Length..];
            using var http = new HttpClient();
            Assert.Contains("\"demo\"", await http.GetStringAsync(url + "api/models"));
            // Ctrl+C: SIGINT to the process.
            using (var kill = System.Diagnostics.Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                await kill.WaitForExitAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            string rest = await process.StandardOutput.ReadToEndAsync();
            Assert.Equal(0, process.ExitCode);
            Assert.Contains("krypton serve: stopped", rest);
            Assert.Equal("", (await process.StandardError.ReadToEndAsync()).Trim());
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    [Theory]
    [InlineData("--host 0.0.0.0", "reachable from other machines: give --token")]
    [InlineData("--port 70000", "--port 70000 is not a port number")]
    [InlineData("--max-upload lots", "--max-upload 'lots' is not a size")]
    [InlineData("--models /no/such/folder", "--models /no/such/folder: no such folder")]
    [InlineData("--host example.org --token long-enough-token", "--host example.org is not an IP address or localhost")]
    public void Bad_options_are_one_line_and_exit_2(string options, string expected)
    {
        var (code, stdout, stderr) = CliTests.Krypton(["serve", .. options.Split(' ')]);
        Assert.Equal(2, code);
        Assert.Equal($"krypton: error: ", stderr.Trim()[..16]);
        Assert.Contains(expected, stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Equal("", stdout);
    }
}
