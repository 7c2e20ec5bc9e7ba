using System.Diagnostics;
using Krypton.IO;
using Krypton.Jobs;

namespace Krypton.Tests;

/// <summary>
/// deploy/slurm/explain-array.sbatch on a real Slurm: Debian's slurm-wlm and munge as a single-node
/// cluster (deploy/slurm/single-node.sh, which .ci/run runs). An array of 4 tasks over 24 images,
/// the merge job after it; then a task cancelled mid-run and submitted again.
/// </summary>
[Collection(nameof(SlurmTests))]
public class SlurmTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string Repository => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));

    private static string Sbatch => Path.Combine(Repository, "deploy", "slurm", "explain-array.sbatch");

    /// <summary>24 of the shipped tuning images, in a folder and a subfolder.</summary>
    private string Images()
    {
        string input = _temp.File("in");
        Directory.CreateDirectory(Path.Combine(input, "more"));
        var files = Directory.GetFiles(Path.Combine(Repository, "samples", "fashion-mnist-tuning"), "*.png").Order(StringComparer.Ordinal).Take(24).ToList();
        Assert.Equal(24, files.Count);
        foreach (var (file, i) in files.Select((f, i) => (f, i)))
            File.Copy(file, Path.Combine(input, i < 12 ? "" : "more", Path.GetFileName(file)));
        return input;
    }

    private static (int Code, string Out, string Err) Run(string file, IEnumerable<string> args, IDictionary<string, string>? environment = null, int timeoutSeconds = 120)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(timeoutSeconds * 1000), $"{file} did not finish in {timeoutSeconds} s");
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    private static Dictionary<string, string> Environment => new()
    {
        ["KRYPTON"] = $"dotnet {Path.Combine(AppContext.BaseDirectory, "Krypton.Cli.dll")}",
        // Two tasks at once on this 2-core node, one thread each.
        ["KRYPTON_SBATCH_OPTIONS"] = "--cpus-per-task=1",
    };

    /// <summary>Waits until none of the jobs is queued or running.</summary>
    private static void WaitFor(IEnumerable<string> jobs, int seconds = 240)
    {
        var clock = Stopwatch.StartNew();
        string list = string.Join(',', jobs);
        while (clock.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            var (_, queued, _) = Run("squeue", ["-h", "-j", list, "-o", "%i %T"]);
            if (queued.Trim().Length == 0) return;
            Thread.Sleep(500);
        }
        Assert.Fail($"jobs {list} were still queued or running after {seconds} s");
    }

    private static (string Array, string Merge) Submit(string input, string output, string stride)
    {
        var (code, stdout, stderr) = Run(Sbatch, [input, output, "4", "--stride", stride], Environment);
        Assert.True(code == 0, stdout + stderr);
        var m = System.Text.RegularExpressions.Regex.Match(stdout, @"array job (\d+) .*merge job (\d+)");
        Assert.True(m.Success, stdout);
        return (m.Groups[1].Value, m.Groups[2].Value);
    }

    /// <summary>Each shard summary's rows: image key and status.</summary>
    private static List<(string Key, string Status)> ShardRows(string output) =>
        Directory.GetFiles(output, "summary-*-of-4.csv").SelectMany(f => File.ReadAllLines(f).Skip(1).Select(l => l.Split(',')).Select(r => (r[0], r[2]))).ToList();

    [SlurmFact]
    public void An_array_of_four_explains_every_image_once_and_the_merge_job_gives_the_one_process_maps()
    {
        string input = Images(), output = _temp.File("out"), whole = _temp.File("whole");
        var (array, merge) = Submit(input, output, "56");
        WaitFor([array, merge]);

        string mergeLog = File.ReadAllText(Directory.GetFiles(output, "slurm-merge-*.out").Single());
        Assert.Contains("24 images in 4 shards: 24 done, 0 running, 0 failed, 0 missing", mergeLog);
        // Exactly once: every image in one shard's summary, explained there (not kept, not twice).
        var rows = ShardRows(output);
        Assert.Equal(24, rows.Count);
        Assert.Equal(24, rows.Select(r => r.Key).Distinct().Count());
        Assert.All(rows, r => Assert.Equal("ok", r.Status));
        foreach (int k in Enumerable.Range(0, 4))
            Assert.All(File.ReadAllLines(Path.Combine(output, $"summary-{k}-of-4.csv")).Skip(1), l => Assert.True(new Shard(k, 4).Contains(l.Split(',')[0])));

        var (code, _, err) = CliTests.Krypton("explain", "--input", input, "--recursive", "--stride", "56", "--threads", "2", "--out", whole, "--quiet");
        Assert.True(code == 0, err);
        var merged = File.ReadAllLines(Path.Combine(output, "summary.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(File.ReadAllLines(Path.Combine(whole, "summary.csv")).Skip(1).Select(l => l.Split(',')[0]), merged.Select(r => r[0]));
        foreach (var row in merged)
            Assert.Equal(NpyFile.ReadHeatmap(Path.Combine(whole, row[1], "heatmap.npy")).Data, NpyFile.ReadHeatmap(Path.Combine(output, row[1], "heatmap.npy")).Data);
    }

    [SlurmFact]
    public void A_task_cancelled_mid_run_and_submitted_again_loses_nothing_and_does_nothing_twice()
    {
        string input = Images(), output = _temp.File("out");
        // Stride 16 (169 positions): a few seconds per image, so that a task can be caught mid-run.
        var (array, merge) = Submit(input, output, "16");
        string status = Path.Combine(output, "shards", "1-of-4.json");
        var clock = Stopwatch.StartNew();
        while (!(File.Exists(status) && File.ReadAllText(status).Contains("\"done\": 1,")) && clock.Elapsed < TimeSpan.FromSeconds(180))
            Thread.Sleep(200);
        Assert.True(File.Exists(status), "task 1 never started: " + string.Join("\n", Directory.GetFiles(output, "slurm-*.out").Select(File.ReadAllText)));
        Run("scancel", [$"{array}_1"]);
        WaitFor([array, merge]);

        var finishedBefore = ImageSet.FromFolder(input, recursive: true).Where(i => new Shard(1, 4).Contains(i.Key))
            .Where(i => File.Exists(Path.Combine(output, i.Folder, "explanation.json")))
            .ToDictionary(i => i.Key, i => File.ReadAllBytes(Path.Combine(output, i.Folder, "explanation.json")));
        var (notYet, report, _) = CliTests.Krypton("merge", output, "--status");
        Assert.Equal(3, notYet);
        Assert.Contains("missing", report);
        int shardImages = ImageSet.FromFolder(input, recursive: true).Count(i => new Shard(1, 4).Contains(i.Key));
        Assert.InRange(finishedBefore.Count, 1, shardImages - 1);

        // The same task again, alone, and the merge after it.
        var (code, stdout, stderr) = Run("sbatch", ["--parsable", "--array=1", "--cpus-per-task=1", $"--output={output}/slurm-again-%A_%a.out", Sbatch, input, output, "4", "--stride", "16"], Environment);
        Assert.True(code == 0, stdout + stderr);
        WaitFor([stdout.Trim()]);
        var (merged, mergeOut, mergeErr) = CliTests.Krypton("merge", output);
        Assert.True(merged == 0, mergeOut + mergeErr);
        Assert.Contains("24 images in 4 shards: 24 done, 0 running, 0 failed, 0 missing", mergeOut);
        // Nothing done twice: what the cancelled task finished was kept as it was; the rest ran once.
        var rows = File.ReadAllLines(Path.Combine(output, "summary-1-of-4.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(shardImages, rows.Count);
        foreach (var row in rows)
            Assert.Equal(finishedBefore.ContainsKey(row[0]) ? "kept" : "ok", row[2]);
        foreach (var (key, bytes) in finishedBefore)
            Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(output, ImageSet.FromFolder(input, recursive: true).Single(i => i.Key == key).Folder, "explanation.json")));
    }
}

/// <summary>A fact that needs a running Slurm (sbatch and an idle node): skipped, with the reason, without one.</summary>
public sealed class SlurmFactAttribute : FactAttribute
{
    public SlurmFactAttribute()
    {
        if (!Available.Value)
            Skip = "no Slurm cluster answers here (apt-get install slurm-wlm munge, then deploy/slurm/single-node.sh; .ci/run does both)";
    }

    private static readonly Lazy<bool> Available = new(() =>
    {
        try
        {
            var psi = new ProcessStartInfo("sinfo", ["-h", "-o", "%T"]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            string state = p.StandardOutput.ReadToEnd();
            p.WaitForExit(10_000);
            return p.ExitCode == 0 && state.Split('\n').Any(s => s.Trim() is "idle" or "mixed" or "allocated");
        }
        catch (System.ComponentModel.Win32Exception) { return false; }
    });
}
