using System.Diagnostics;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Krypton.Tests;

/// <summary>
/// deploy/kubernetes/explain-indexed-job.yaml, checked for shape (no cluster here): an Indexed Job
/// whose completions match its shards, retried per index, whose command is the Slurm task's and runs.
/// </summary>
public partial class KubernetesManifestTests
{
    private static string Repository => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));

    private static YamlMappingNode Map(YamlNode node, string key) => (YamlMappingNode)((YamlMappingNode)node)[key];

    private static string Scalar(YamlNode node, string key) => ((YamlScalarNode)((YamlMappingNode)node)[key]).Value!;

    [Fact]
    public void The_manifest_is_an_indexed_job_running_the_slurm_task_s_command()
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(Repository, "deploy", "kubernetes", "explain-indexed-job.yaml")))
            yaml.Load(reader);
        var job = (YamlMappingNode)yaml.Documents.Single().RootNode;
        Assert.Equal("batch/v1", Scalar(job, "apiVersion"));
        Assert.Equal("Job", Scalar(job, "kind"));
        var spec = Map(job, "spec");
        Assert.Equal("Indexed", Scalar(spec, "completionMode"));
        int completions = int.Parse(Scalar(spec, "completions"));
        Assert.True(int.Parse(Scalar(spec, "backoffLimitPerIndex")) >= 1);
        var pod = Map(Map(spec, "template"), "spec");
        Assert.Equal("Never", Scalar(pod, "restartPolicy"));
        var container = (YamlMappingNode)((YamlSequenceNode)pod["containers"]).Single();
        var command = ((YamlSequenceNode)container["command"]).Select(n => ((YamlScalarNode)n).Value!).ToList();
        Assert.Equal("krypton", command[0]);
        Assert.Equal($"auto/{completions}", command[command.IndexOf("--shard") + 1]);
        string mount = Scalar(((YamlSequenceNode)container["volumeMounts"]).Single(), "mountPath");
        Assert.StartsWith(mount + "/", command[command.IndexOf("--input") + 1]);
        Assert.StartsWith(mount + "/", command[command.IndexOf("--out") + 1]);

        // The same options, in the same order, as the Slurm task runs (values aside).
        string sbatch = File.ReadAllText(Path.Combine(Repository, "deploy", "slurm", "explain-array.sbatch"));
        var task = ExecLine().Match(sbatch);
        Assert.True(task.Success, "no exec line in explain-array.sbatch");
        static List<string> Options(IEnumerable<string> words) => words.Where(w => w.StartsWith("--", StringComparison.Ordinal) || w == "explain").ToList();
        Assert.Equal(Options(task.Groups[1].Value.Replace("\\\n", " ").Split(' ', StringSplitOptions.RemoveEmptyEntries)), Options(command.Skip(1)));

        // And it runs: pod 3's command on local folders, as a dry run.
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp.File("images/sub"));
        File.Copy(Krypton.Jobs.ExplainJobRunner.SampleImagePath, temp.File("images/sub/boot.png"));
        var args = command.Skip(1).Select(a => a.Replace(mount, temp.Path)).Append("--dry-run").ToList();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Krypton.Cli.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["JOB_COMPLETION_INDEX"] = "3";
        using var p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd(), stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, stdout + stderr);
        Assert.Contains($"of shard 3/{completions} (1 in all)", stdout);
    }

    [GeneratedRegex(@"exec \$krypton (explain (?:[^\n\\]|\\\n)*)")]
    private static partial Regex ExecLine();
}
