using System.Diagnostics;
using System.Net;
using Krypton.Web;

namespace Krypton.Tests;

/// <summary>
/// Many clients at once against a real loopback server: each request is answered (a job queued and
/// finished, a probe answered, or a full queue said so), nothing crashes, memory stays bounded, and
/// the server answers afterwards. Bounded: 20 clients, small jobs, minutes at most.
/// </summary>
public class WebLoadTests
{
    [Fact]
    public async Task Twenty_clients_at_once_are_answered_or_queued_and_memory_stays_bounded()
    {
        // The server in a process of its own (krypton serve), so that its memory is its own, not
        // that of the tests running beside this one.
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "Krypton.Cli.dll"), "serve", "--port", "0", "--threads", "2", "--queue", "8" })
            psi.ArgumentList.Add(a);
        using var server = Process.Start(psi)!;
        try
        {
            string? first = await server.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.StartsWith("krypton serve: listening on ", first);
            using var http = new HttpClient { BaseAddress = new Uri(first!["krypton serve: listening on ".Length..]), Timeout = TimeSpan.FromMinutes(4) };
            // Warm up (the demo model loaded, its program compiled), then measure from there.
            Assert.Equal("done", (await WebApi.RunJob(http, new { stride = "56" }))[^1].Name);
            long baseline = ResidentBytes(server.Id);

            var clients = Enumerable.Range(0, 20).Select(async Task<(string Kind, HttpStatusCode Status, string Outcome, List<int> Places)> (i) =>
            {
                if (i % 4 == 3)
                {
                    var probe = await http.PostAsync("/api/probe", WebApi.Json(new { settings = new { stride = "32" }, y = 8 * i, x = 100 }));
                    return ("probe", probe.StatusCode, probe.StatusCode == HttpStatusCode.OK ? "answered" : await probe.Content.ReadAsStringAsync(), []);
                }
                var submitted = await http.PostAsync("/api/jobs", WebApi.Json(new { stride = i % 2 == 0 ? "32" : "28", value = i % 3 == 0 ? "drop" : "prob" }));
                if (submitted.StatusCode != HttpStatusCode.Accepted)
                    return ("job", submitted.StatusCode, (await WebApi.ReadJson(submitted))["error"]!.GetValue<string>(), []);
                string id = (await WebApi.ReadJson(submitted))["id"]!.GetValue<string>();
                var events = await WebApi.Events(http, id, TimeSpan.FromMinutes(4));
                var places = events.Where(e => e.Name == "queued").Select(e => e.Data["place"]!.GetValue<int>()).ToList();
                return ("job", submitted.StatusCode, events[^1].Name, places);
            }).ToList();
            var results = await Task.WhenAll(clients).WaitAsync(TimeSpan.FromMinutes(5));

            var probes = results.Where(r => r.Kind == "probe").ToList();
            Assert.All(probes, p => Assert.Equal(HttpStatusCode.OK, p.Status));
            var accepted = results.Where(r => r.Kind == "job" && r.Status == HttpStatusCode.Accepted).ToList();
            var refused = results.Where(r => r.Kind == "job" && r.Status != HttpStatusCode.Accepted).ToList();
            Assert.Equal(15, accepted.Count + refused.Count);
            Assert.All(accepted, a => Assert.Equal("done", a.Outcome));
            Assert.All(refused, r =>
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, r.Status);
                Assert.Contains("the queue is full", r.Outcome);
            });
            Assert.InRange(accepted.Count, 8, 15);   // the queue holds 8, one or more may have started meanwhile
            // Some job waited behind others and was told its place as the queue moved.
            Assert.Contains(accepted, a => a.Places.Count > 1 && a.Places[0] > 1 && a.Places[^1] < a.Places[0]);
            // The server's peak resident memory (VmHWM) under load, against its size after the warm-up.
            long peak = PeakResidentBytes(server.Id);
            Assert.True(peak - baseline < 1L << 30, $"the server's peak resident memory grew by {(peak - baseline) >> 20} MB under load (after warm-up {baseline >> 20} MB)");
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/models")).StatusCode);
        }
        finally
        {
            if (!server.HasExited) server.Kill(entireProcessTree: true);
        }
    }

    private static long ResidentBytes(int pid) => StatusKilobytes(pid, "VmRSS:") * 1024;

    private static long PeakResidentBytes(int pid) => StatusKilobytes(pid, "VmHWM:") * 1024;

    private static long StatusKilobytes(int pid, string field) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field, StringComparison.Ordinal))[field.Length..].Trim().Split(' ')[0],
            System.Globalization.CultureInfo.InvariantCulture);
}
