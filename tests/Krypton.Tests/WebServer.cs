using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Krypton.Web;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Hosting;

namespace Krypton.Tests;

/// <summary>
/// The whole app in-process, on ASP.NET Core's in-memory test server. The factory's entry-point
/// type is this test assembly's own (it has the test SDK's entry point, which the factory asks
/// for; the app comes from <see cref="KryptonServer.CreateHostBuilder"/>, not from running it).
/// </summary>
public sealed class KryptonApp : WebApplicationFactory<KryptonApp>
{
    private readonly ServeOptions _options;

    /// <summary>The default options, two threads.</summary>
    public KryptonApp() : this(new ServeOptions { Execution = new(2), WarmUp = false }) { }

    internal KryptonApp(ServeOptions options) => _options = options;

    protected override IHostBuilder CreateHostBuilder() => KryptonServer.CreateHostBuilder(_options);

    // The factory guesses a content root beside the solution; the app serves nothing from disk.
    protected override IHost CreateHost(IHostBuilder builder) => base.CreateHost(builder.UseContentRoot(AppContext.BaseDirectory));
}

/// <summary>Reading the API's answers and streams.</summary>
internal static class WebApi
{
    public static StringContent Json(object body) =>
        new(JsonSerializer.Serialize(body, Api.Json), System.Text.Encoding.UTF8, "application/json");

    public static async Task<JsonNode> ReadJson(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new InvalidOperationException("empty answer");

    /// <summary>POSTs the settings as a job and reads its event stream to the end: (name, data) in order.</summary>
    public static async Task<List<(string Name, JsonNode Data)>> RunJob(HttpClient client, object settings, TimeSpan? limit = null)
    {
        var submitted = await client.PostAsync("/api/jobs", Json(settings));
        Assert.True(submitted.StatusCode == System.Net.HttpStatusCode.Accepted, await submitted.Content.ReadAsStringAsync());
        string id = (await ReadJson(submitted))["id"]!.GetValue<string>();
        return await Events(client, id, limit);
    }

    /// <summary>Reads a job's server-sent events until it finishes.</summary>
    public static async Task<List<(string Name, JsonNode Data)>> Events(HttpClient client, string id, TimeSpan? limit = null)
    {
        using var timeout = new CancellationTokenSource(limit ?? TimeSpan.FromMinutes(2));
        using var stream = await client.GetStreamAsync($"/api/jobs/{id}/events", timeout.Token);
        using var reader = new StreamReader(stream);
        var events = new List<(string, JsonNode)>();
        string? name = null;
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line[7..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add((name!, JsonNode.Parse(line[6..])!));
                if (name is "done" or "failed" or "cancelled") break;
            }
        }
        return events;
    }

    /// <summary>The primary map of a done event, NaN for null.</summary>
    public static float[] MapOf(JsonNode done) => done["map"]!.AsArray().Select(v => v is null ? float.NaN : v.GetValue<float>()).ToArray();
}

/// <summary>A real server (Kestrel on a free loopback port) in this process, stopped on dispose.</summary>
internal sealed class LiveServer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task _running = Task.CompletedTask;

    public string Url { get; private set; } = "";

    public static async Task<LiveServer> StartAsync(ServeOptions options)
    {
        var server = new LiveServer();
        var started = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        server._running = Task.Run(() => KryptonServer.RunAsync(options with { Host = "127.0.0.1", Port = 0 }, url => started.TrySetResult(url), server._stop.Token));
        var first = await Task.WhenAny(started.Task, server._running).WaitAsync(TimeSpan.FromSeconds(60));
        if (first == server._running)
            await server._running;   // throws what stopped it
        server.Url = await started.Task;
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _running.WaitAsync(TimeSpan.FromSeconds(30));
        _stop.Dispose();
    }
}
