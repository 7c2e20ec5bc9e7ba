using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Krypton.IO;
using Krypton.Jobs;
using Krypton.Spec;

namespace Krypton.Tests;

/// <summary>
/// Runs over many images split into shards: the split (a hash of each image's key, the same on
/// every machine), folders walked recursively and manifests, shards sharing one output folder,
/// and krypton merge putting the pieces together.
/// </summary>
public class ShardTests
{
    private static string Samples => Path.GetDirectoryName(ExplainJobRunner.SampleImagePath)!;

    [Fact]
    public void A_key_s_shard_is_its_sha256_modulo_n_and_every_key_is_in_exactly_one()
    {
        var keys = Enumerable.Range(0, 500).Select(i => $"scans/{i % 7}/image-{i}.png").ToList();
        foreach (int n in new[] { 1, 2, 3, 8 })
        {
            var shards = Enumerable.Range(0, n).Select(k => new Shard(k, n)).ToList();
            foreach (var key in keys)
            {
                // The stated definition, written out independently: the first 8 bytes of SHA-256 as a little-endian number, modulo N.
                ulong hash = BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
                Assert.Equal((int)(hash % (ulong)n), Shard.Of(key, n));
                Assert.Single(shards, s => s.Contains(key));
            }
            // Roughly even: no shard of 500 keys gets under half its share.
            Assert.All(shards, s => Assert.True(keys.Count(s.Contains) > 250 / n, $"shard {s} has {keys.Count(s.Contains)} of 500"));
        }
    }

    [Theory]
    [InlineData("2/4", null, null, 2, 4)]
    [InlineData("auto/4", "3", null, 3, 4)]
    [InlineData("auto/4", null, "1", 1, 4)]
    [InlineData("auto/4", "0", "2", 0, 4)]   // Slurm's variable first
    public void Shard_is_parsed_from_k_over_n_or_from_the_scheduler_s_variable(string text, string? slurm, string? kubernetes, int k, int n)
    {
        var shard = Shard.Parse(text, v => v == "SLURM_ARRAY_TASK_ID" ? slurm : v == "JOB_COMPLETION_INDEX" ? kubernetes : null);
        Assert.Equal(new Shard(k, n), shard);
        Assert.Equal($"{k}-of-{n}", shard.Name);
    }

    [Theory]
    [InlineData("4/4", "is not one of 0 to 3")]
    [InlineData("-1/4", "is not one of 0 to 3")]
    [InlineData("1/0", "is not K/N")]
    [InlineData("3", "is not K/N")]
    [InlineData("auto/2", "neither is set")]
    public void Bad_shards_are_refused_in_one_line(string text, string expected) =>
        Assert.Contains(expected, Assert.Throws<KryptonException>(() => Shard.Parse(text, _ => null)).Message);

    [Fact]
    public void Folder_names_keep_subfolders_and_tell_apart_names_that_would_collide()
    {
        Assert.Equal(["a/x", "b/x", "y.png", "y.npy", "z.png", "Z.jpg", "q.png", "Q.png-2", "up"],
            ImageSet.FolderNames(["a/x.png", "b/x.png", "y.png", "y.npy", "z.png", "Z.jpg", "q.png", "Q.png", "../../up.png"]));
    }

    [Fact]
    public void A_recursive_folder_is_keyed_by_relative_paths_in_order()
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp.File("in/b/deep"));
        File.Copy(ExplainJobRunner.SampleImagePath, temp.File("in/top.png"));
        File.Copy(ExplainJobRunner.SampleImagePath, temp.File("in/b/deep/one.png"));
        File.WriteAllText(temp.File("in/b/notes.txt"), "not an image");
        var set = ImageSet.FromFolder(temp.File("in"), recursive: true);
        Assert.Equal(["b/deep/one.png", "top.png"], set.Select(i => i.Key));
        Assert.Equal(["b/deep/one", "top"], set.Select(i => i.Folder));
        Assert.Equal(["top.png"], ImageSet.FromFolder(temp.File("in")).Select(i => i.Key));
    }

    [Fact]
    public void A_manifest_lists_paths_relative_to_itself_with_optional_targets()
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp.File("imgs"));
        File.Copy(ExplainJobRunner.SampleImagePath, temp.File("imgs/boot.png"));
        File.Copy(Path.Combine(Samples, "t10k-00004-shirt.png"), temp.File("shirt.png"));
        string manifest = temp.WriteText("list.csv", "path,target\nshirt.png,\"2,6\"\nimgs/boot.png,\n");
        var set = ImageSet.FromManifest(manifest);
        Assert.Equal(["imgs/boot.png", "shirt.png"], set.Select(i => i.Key));
        Assert.Null(set[0].Target);
        Assert.Equal(TargetSelection.Of(2, 6), set[1].Target);
        Assert.Equal(Path.GetFullPath(temp.File("shirt.png")), Path.GetFullPath(set[1].Path));

        foreach (var (text, expected) in new[]
        {
            ("file\nshirt.png\n", "needs a header row with a 'path' column"),
            ("path\nshirt.png\nnope.png\n", "line 3: image not found: nope.png"),
            ("path\nshirt.png\nshirt.png\n", "lists shirt.png twice"),
            ("path,target\nshirt.png,top0\n", "line 2"),
            ("path\n", "lists no image"),
        })
            Assert.Contains(expected, Assert.Throws<KryptonException>(() => ImageSet.FromManifest(temp.WriteText("bad.csv", text))).Message);
    }

    [Fact]
    public void Shards_share_an_output_folder_and_merge_gives_every_image_once_as_one_process_does()
    {
        using var temp = new TempFolder();
        string input = temp.File("in"), sharded = temp.File("sharded"), whole = temp.File("whole");
        Directory.CreateDirectory(Path.Combine(input, "sub"));
        var samples = Directory.GetFiles(Samples, "*.png").Order(StringComparer.Ordinal).ToList();
        foreach (var (file, i) in samples.Take(6).Select((f, i) => (f, i)))
            File.Copy(file, Path.Combine(input, i % 2 == 0 ? "" : "sub", Path.GetFileName(file)));
        File.WriteAllBytes(Path.Combine(input, "sub", "broken.png"), [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);
        string[] common = ["--input", input, "--recursive", "--stride", "56", "--threads", "2", "--quiet"];

        var (code, _, err) = CliTests.Krypton(["explain", .. common, "--out", whole]);
        Assert.Equal(2, code);   // the broken image fails the run's exit code, the others are written
        Assert.Contains("broken.png", err);

        foreach (int k in new[] { 0, 2 })
            CliTests.Krypton(["explain", .. common, "--shard", $"{k}/3", "--out", sharded]);
        var (notYet, status, _) = CliTests.Krypton("merge", sharded, "--status");
        Assert.Equal(3, notYet);
        Assert.False(File.Exists(Path.Combine(sharded, "summary.csv")), "--status wrote the summary");
        var missing = ImageSet.FromFolder(input, recursive: true).Where(i => new Shard(1, 3).Contains(i.Key)).ToList();
        Assert.Contains($"{missing.Count} missing", status);

        // The last shard runs through Slurm's variable; an earlier shard resumed keeps its files.
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        string[] shardArgs = [Path.Combine(AppContext.BaseDirectory, "Krypton.Cli.dll"), "explain", .. common, "--shard", "auto/3", "--out", sharded];
        foreach (var a in shardArgs)
            psi.ArgumentList.Add(a);
        psi.Environment["SLURM_ARRAY_TASK_ID"] = "1";
        using (var p = System.Diagnostics.Process.Start(psi)!)
        {
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
        }
        var (resumed, resumedOut, _) = CliTests.Krypton(["explain", .. common, "--shard", "0/3", "--out", sharded, "--resume"]);
        Assert.Contains("kept from an earlier run", resumedOut);

        var (merged, mergedOut, mergedErr) = CliTests.Krypton("merge", sharded);
        Assert.True(merged == 0, mergedOut + mergedErr);
        Assert.Contains("7 images in 3 shards: 6 done, 0 running, 1 failed, 0 missing", mergedOut);
        Assert.Contains("failed: sub/broken.png", mergedOut);

        // Every image once in the merged summary, with the single process's rows and maps.
        static List<string[]> Rows(string folder) => File.ReadAllLines(Path.Combine(folder, "summary.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        var mergedRows = Rows(sharded);
        var wholeRows = Rows(whole);
        Assert.Equal(wholeRows.Select(r => r[0]), mergedRows.Select(r => r[0]));
        Assert.Equal(7, mergedRows.Select(r => r[0]).Distinct().Count());
        Assert.Equal(wholeRows.Select(r => r[2]), mergedRows.Select(r => r[2] == "kept" ? "ok" : r[2]));
        foreach (var row in mergedRows.Where(r => r[2] is "ok" or "kept"))
        {
            var a = NpyFile.ReadHeatmap(Path.Combine(sharded, row[1], "heatmap.npy")).Data;
            var b = NpyFile.ReadHeatmap(Path.Combine(whole, row[1], "heatmap.npy")).Data;
            Assert.Equal(b, a);
        }
        string gallery = File.ReadAllText(Path.Combine(sharded, "index.html"));
        Assert.Contains("6 of 7 images explained by 3 shards, 1 failed", gallery);
        Assert.Contains("<img src=\"sub/t10k-00001-pullover/overlay.png\"", gallery);   // a link into the subfolder, its '/' not escaped
        Assert.True(File.Exists(Path.Combine(sharded, "sub", "t10k-00001-pullover", "overlay.png")));
        // Each shard's status says it finished.
        foreach (int k in new[] { 0, 1, 2 })
            Assert.True(JsonDocument.Parse(File.ReadAllText(Path.Combine(sharded, "shards", $"{k}-of-3.json"))).RootElement.GetProperty("finished").GetBoolean());

        // Another split into the same folder is refused before any work.
        var (mixed, _, mixedErr) = CliTests.Krypton(["explain", .. common, "--shard", "0/2", "--out", sharded]);
        Assert.Equal(2, mixed);
        Assert.Contains("split into 3 shards", mixedErr);
    }

    [Fact]
    public void A_manifest_s_targets_are_each_image_s()
    {
        using var temp = new TempFolder();
        File.Copy(Path.Combine(Samples, "t10k-00004-shirt.png"), temp.File("shirt.png"));
        File.Copy(ExplainJobRunner.SampleImagePath, temp.File("boot.png"));
        string manifest = temp.WriteText("list.csv", "path,target\nshirt.png,0\nboot.png,\n");
        var (code, stdout, stderr) = CliTests.Krypton("explain", "--manifest", manifest, "--stride", "56", "--threads", "2", "--out", temp.File("out"), "--quiet");
        Assert.True(code == 0, stdout + stderr);
        int Target(string folder) => JsonDocument.Parse(File.ReadAllText(temp.File($"out/{folder}/explanation.json"))).RootElement.GetProperty("result").GetProperty("target").GetInt32();
        Assert.Equal(0, Target("shirt"));
        Assert.Equal(9, Target("boot"));   // the predicted class: ankle boot
    }
}
