using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Krypton.IO;
using Krypton.Web;

namespace Krypton.Tests;

/// <summary>
/// krypton serve's JSON API, in-process: what it lists, plans, streams, probes, compares and serves,
/// and how it answers mistakes (one line of JSON, the right status, the server still up).
/// </summary>
public class WebApiTests : IClassFixture<KryptonApp>
{
    private readonly KryptonApp _app;
    private readonly HttpClient _client;

    public WebApiTests(KryptonApp app)
    {
        _app = app;
        _client = app.CreateClient();
    }

    [Fact]
    public async Task Lists_the_demo_the_builtins_and_the_samples()
    {
        var models = (await WebApi.ReadJson(await _client.GetAsync("/api/models"))).AsArray().Select(m => m!["id"]!.GetValue<string>()).ToList();
        Assert.Equal(["demo", "arch:vgg16", "arch:resnet18", "arch:inception_v3"], models.Take(4));
        var samples = (await WebApi.ReadJson(await _client.GetAsync("/api/samples"))).AsArray();
        Assert.Equal(10, samples.Count);
        Assert.Equal(ImageCatalog.DefaultId, samples[0]!["id"]!.GetValue<string>());
        var page = await _client.GetStringAsync("/");
        Assert.Contains("<script src=\"/app.js\">", page);
        Assert.DoesNotContain("http", page.Replace("http-equiv", ""), StringComparison.OrdinalIgnoreCase);   // nothing from elsewhere
        Assert.Contains("EventSource", await _client.GetStringAsync("/app.js"));
    }

    [Fact]
    public async Task Plan_is_the_dry_runs_with_the_top_classes_named()
    {
        var answer = await _client.PostAsync("/api/plan", WebApi.Json(new { stride = "8" }));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var r = await WebApi.ReadJson(answer);
        var planned = r["planned"]!;
        Assert.Equal(27, planned["grid"]!["rows"]!.GetValue<int>());
        Assert.Equal(729, planned["plan"]!["positions"]!.GetValue<int>());
        Assert.Equal("exact", planned["plan"]!["method"]!.GetValue<string>());
        Assert.Contains("estimated time", planned["text"]!.GetValue<string>());
        Assert.Equal("Ankle boot", r["top"]![0]!["name"]!.GetValue<string>());
        Assert.Equal(10, r["top"]!.AsArray().Count);
        Assert.False(r["profile"]!.GetValue<bool>());   // the demo's profile is for stride 4
        var withProfile = await WebApi.ReadJson(await _client.PostAsync("/api/plan", WebApi.Json(new { quality = 0.9 })));
        Assert.True(withProfile["profile"]!.GetValue<bool>());
        Assert.StartsWith("approximate", withProfile["planned"]!["plan"]!["mode"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("{\"patch\": \"300\"}", "patch")]
    [InlineData("{\"model\": \"../../etc/passwd\"}", "no model '../../etc/passwd'")]
    [InlineData("{\"image\": \"/etc/passwd\"}", "no image '/etc/passwd'")]
    [InlineData("{\"fill\": \"baseline:/etc/passwd\"}", "not offered here")]
    [InlineData("{\"value\": \"odds\"}", "'odds' is not prob, logit, drop or delta")]
    [InlineData("{\"stride\": 4", "")]
    public async Task Bad_settings_get_one_line_and_a_400_or_404(string body, string expected)
    {
        var answer = await _client.PostAsync("/api/jobs", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.True(answer.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"{answer.StatusCode}: {await answer.Content.ReadAsStringAsync()}");
        string error = (await WebApi.ReadJson(answer))["error"]!.GetValue<string>();
        Assert.Contains(expected, error);
        Assert.DoesNotContain("\n", error);
        Assert.DoesNotContain("   at ", error);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/api/models")).StatusCode);
    }

    [Fact]
    public async Task A_job_streams_coarse_cells_first_and_ends_with_the_map_explain_writes()
    {
        var settings = new { stride = "16", value = "drop" };
        var events = await WebApi.RunJob(_client, settings);
        Assert.Equal("done", events[^1].Name);
        Assert.Equal("queued", events[0].Name);
        Assert.Contains(events, e => e.Name == "started");
        var done = events[^1].Data;
        int rows = done["rows"]!.GetValue<int>(), columns = done["columns"]!.GetValue<int>();
        Assert.Equal((14, 14), (rows, columns));
        var streamed = events.Where(e => e.Name == "values").ToList();
        var cells = streamed.SelectMany(e => e.Data["cells"]!.AsArray().Select(c => c!.GetValue<int>())).ToList();
        Assert.Equal(rows * columns, cells.Count);
        // The first batch holds the coarse cells (every 8th row and column: 2x2 of them), before any other.
        Assert.All(cells.Take(4), c => Assert.Equal(8, Krypton.Explain.SweepOrders.Level(c / columns, c % columns)));
        var map = WebApi.MapOf(done);
        foreach (var e in streamed)
        {
            var values = e.Data["values"]!.AsArray();
            var batch = e.Data["cells"]!.AsArray();
            for (int i = 0; i < batch.Count; i++)
                Assert.Equal(map[batch[i]!.GetValue<int>()], values[i]!.GetValue<float>());
        }

        using var folder = new TempFolder();
        var (code, _, stderr) = CliTests.Krypton("explain", "--stride", "16", "--value", "drop", "--threads", "2", "--out", folder.Path, "--quiet");
        Assert.True(code == 0, stderr);
        var cli = NpyFile.ReadHeatmap(folder.File("heatmap.npy"));
        Assert.Equal(map.Length, cli.Data.Length);
        for (int i = 0; i < map.Length; i++)
            Assert.True(Math.Abs(map[i] - cli.Data[i]) <= 1e-6, $"cell {i}: served {map[i]}, explain {cli.Data[i]}");

        var files = done["files"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(["heatmap.npy", "heatmap.csv", "overlay.png", "explanation.json", "report.html"], files);
        string id = done["files"]![0]!["url"]!.GetValue<string>().Split('/')[3];
        var npy = await _client.GetByteArrayAsync($"/api/jobs/{id}/files/heatmap.npy");
        Assert.Equal(cli.Data, NpyFile.Read(new MemoryStream(npy), "served").Data, new ToleranceComparer(1e-6f));
        Assert.StartsWith("<!doctype html>", (await _client.GetStringAsync($"/api/jobs/{id}/files/report.html")).TrimStart(), StringComparison.OrdinalIgnoreCase);
        foreach (var name in new[] { "..%2F..%2Fetc%2Fpasswd", "heatmaps.npy", "Krypton.Web.dll" })
            Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"/api/jobs/{id}/files/{name}")).StatusCode);

        // The same job twice: SSIM 1 between them.
        var again = (await WebApi.RunJob(_client, settings))[^1].Data;
        string other = again["files"]![0]!["url"]!.GetValue<string>().Split('/')[3];
        var compared = await WebApi.ReadJson(await _client.GetAsync($"/api/compare?a={id}&b={other}"));
        Assert.Equal(1.0, compared["ssim"]!.GetValue<double>(), 6);
    }

    [Fact]
    public async Task A_probe_is_the_maps_value_at_its_cell()
    {
        var settings = new { stride = "32", value = "prob" };
        var done = (await WebApi.RunJob(_client, settings))[^1].Data;
        var map = WebApi.MapOf(done);
        int columns = done["columns"]!.GetValue<int>();
        foreach (int cell in new[] { 0, 24, 30 })
        {
            var (y, x) = (cell / columns * 32, cell % columns * 32);
            var probe = await WebApi.ReadJson(await _client.PostAsync("/api/probe", WebApi.Json(new { settings, y, x })));
            Assert.True(Math.Abs(probe["value"]!.GetValue<float>() - map[cell]) <= 1e-5, $"cell {cell}: probe {probe["value"]}, map {map[cell]}");
            Assert.Equal("Ankle boot", probe["target_name"]!.GetValue<string>());
        }
        var outside = await _client.PostAsync("/api/probe", WebApi.Json(new { settings, y = 220, x = 0 }));
        Assert.Equal(HttpStatusCode.BadRequest, outside.StatusCode);
    }

    [Fact]
    public async Task Several_targets_bring_each_map_with_its_scale_the_primary_first()
    {
        var done = (await WebApi.RunJob(_client, new { stride = "56", target = "top3", value = "drop" }))[^1].Data;
        var maps = done["maps"]!.AsArray();
        Assert.Equal(3, maps.Count);
        Assert.Equal(done["target"]!.GetValue<int>(), maps[0]!["target"]!.GetValue<int>());
        Assert.Equal(WebApi.MapOf(done), WebApi.MapOf(maps[0]!));
        Assert.Equal(["Ankle boot", "Sneaker", "Sandal"], maps.Select(m => m!["target_name"]!.GetValue<string>()));
        Assert.NotEqual(WebApi.MapOf(maps[0]!), WebApi.MapOf(maps[1]!));
        Assert.All(maps, m => Assert.True(m!["scale"]!["max"]!.GetValue<double>() > 0));
        Assert.Null((await WebApi.RunJob(_client, new { stride = "56" }))[^1].Data["maps"]);
    }

    [Fact]
    public async Task Cancel_stops_a_running_sweep_within_a_batch()
    {
        var submitted = await WebApi.ReadJson(await _client.PostAsync("/api/jobs", WebApi.Json(new { stride = "1", mode = "naive" })));
        string id = submitted["id"]!.GetValue<string>();
        var events = WebApi.Events(_client, id);
        // Wait until it runs, then cancel.
        for (int i = 0; i < 200 && (await WebApi.ReadJson(await _client.GetAsync($"/api/jobs/{id}")))["state"]!.GetValue<string>() != "running"; i++)
            await Task.Delay(50);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.Accepted, (await _client.DeleteAsync($"/api/jobs/{id}")).StatusCode);
        var all = await events;
        Assert.Equal("cancelled", all[^1].Name);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"cancelling took {clock.Elapsed}");
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"/api/jobs/{id}/files/heatmap.npy")).StatusCode);
    }

    [Fact]
    public async Task Uploads_are_checked_named_by_id_and_bad_ones_refused_in_one_line()
    {
        async Task<HttpResponseMessage> Upload(string name, byte[] bytes)
        {
            var form = new MultipartFormDataContent { { new ByteArrayContent(bytes), "file", name } };
            return await _client.PostAsync("/api/uploads", form);
        }
        var png = File.ReadAllBytes(Krypton.Jobs.ExplainJobRunner.SampleImagePath);
        var good = await Upload("my boot.png", png);
        Assert.Equal(HttpStatusCode.Created, good.StatusCode);
        var upload = await WebApi.ReadJson(good);
        string id = upload["id"]!.GetValue<string>();
        Assert.StartsWith("upload-", id);
        Assert.Equal("my boot.png", upload["name"]!.GetValue<string>());
        var images = (await WebApi.ReadJson(await _client.GetAsync("/api/samples"))).AsArray().Select(i => i!["id"]!.GetValue<string>());
        Assert.Contains(id, images);
        Assert.Equal("image/png", (await _client.GetAsync($"/api/input?image={id}")).Content.Headers.ContentType!.MediaType);

        foreach (var (name, bytes, status, expected) in new (string, byte[], HttpStatusCode, string)[]
        {
            ("broken.png", png[..(png.Length / 2)], HttpStatusCode.BadRequest, "'broken.png' cannot be used"),
            ("noise.png", [1, 2, 3, 4, 5, 6, 7, 8], HttpStatusCode.BadRequest, "'noise.png' cannot be used"),
            ("model.onnx", png, HttpStatusCode.BadRequest, "'model.onnx' cannot be used"),
            ("empty.jpg", [], HttpStatusCode.BadRequest, "empty"),
            ("script.sh", png, HttpStatusCode.BadRequest, "not a file this server takes"),
            ("../../escape.png", [1, 2, 3], HttpStatusCode.BadRequest, "'escape.png' cannot be used"),
        })
        {
            var answer = await Upload(name, bytes);
            Assert.Equal(status, answer.StatusCode);
            string error = (await WebApi.ReadJson(answer))["error"]!.GetValue<string>();
            Assert.Contains(expected, error);
            Assert.DoesNotContain("\n", error);
            Assert.DoesNotContain(Path.GetTempPath(), error);
        }
        var store = (UploadStore)_app.Services.GetService(typeof(UploadStore))!;
        // Only good uploads were kept (this one, and any another test of the class made).
        var kept = store.All(UploadKind.Image).Concat(store.All(UploadKind.Model)).Select(u => u.Id).ToList();
        Assert.Contains(id, kept);
        Assert.All(Directory.EnumerateFiles(store.Folder), f => Assert.Contains(Path.GetFileNameWithoutExtension(f), kept));
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/api/models")).StatusCode);
    }

    [Fact]
    public async Task An_upload_over_the_limit_is_refused_with_413()
    {
        using var small = new KryptonApp(new ServeOptions { MaxUploadBytes = 1000, Execution = new(2), WarmUp = false });
        var client = small.CreateClient();
        var form = new MultipartFormDataContent { { new ByteArrayContent(new byte[5000]), "file", "big.png" } };
        var answer = await client.PostAsync("/api/uploads", form);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, answer.StatusCode);
        Assert.Contains("larger than this server takes", (await WebApi.ReadJson(answer))["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_uploaded_onnx_model_is_offered_and_explained()
    {
        var onnx = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TestData", "ResNet18.onnx"));
        var form = new MultipartFormDataContent { { new ByteArrayContent(onnx), "file", "resnet18.onnx" } };
        var answer = await _client.PostAsync("/api/uploads", form);
        Assert.Equal(HttpStatusCode.Created, answer.StatusCode);
        string id = (await WebApi.ReadJson(answer))["id"]!.GetValue<string>();
        var models = (await WebApi.ReadJson(await _client.GetAsync("/api/models"))).AsArray();
        Assert.Contains(models, m => m!["id"]!.GetValue<string>() == id && m["name"]!.GetValue<string>() == "resnet18.onnx (uploaded)");
        var plan = await WebApi.ReadJson(await _client.PostAsync("/api/plan", WebApi.Json(new { model = id, stride = "56" })));
        Assert.Equal(4, plan["planned"]!["grid"]!["rows"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_server_with_a_token_refuses_requests_without_it()
    {
        using var guarded = new KryptonApp(new ServeOptions { Token = "s3cret-token", Execution = new(2), WarmUp = false });
        var client = guarded.CreateClient();
        var refused = await client.GetAsync("/api/models");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("token", (await WebApi.ReadJson(refused))["error"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/?token=wrong-token")).StatusCode);
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/models");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret-token");
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(request)).StatusCode);
        // The page opened from the printed URL gets the token as a cookie for its own requests.
        var page = await client.GetAsync("/?token=s3cret-token");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains(page.Headers.GetValues("Set-Cookie"), c => c.StartsWith(Api.TokenCookie + "=", StringComparison.Ordinal) && c.Contains("httponly"));
    }

    [Theory]
    [InlineData("0.0.0.0", null, "reachable from other machines")]
    [InlineData("127.0.0.1", "short", "at least 8 characters")]
    public void Options_are_checked_before_the_server_starts(string host, string? token, string expected)
    {
        var e = Assert.Throws<KryptonException>(() => new ServeOptions { Host = host, Token = token }.Check());
        Assert.Contains(expected, e.Message);
        new ServeOptions { Host = "::1" }.Check();
        new ServeOptions { Host = "0.0.0.0", Token = "long-enough" }.Check();
    }
}

internal sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
{
    public bool Equals(float a, float b) => Math.Abs(a - b) <= tolerance;

    public int GetHashCode(float value) => 0;
}
