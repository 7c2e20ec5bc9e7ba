using System.Text.Json;
using Krypton.Jobs;
using Krypton.Output;
using Krypton.IO;

namespace Krypton.Tests;

/// <summary>`krypton explain --input DIR`: every image of a folder, one compilation, a folder of files per image, summary.csv and a gallery.</summary>
public class ExplainFolderTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string Samples => Path.Combine(AppContext.BaseDirectory, "samples", "fashion-mnist");

    /// <summary>Three shipped sample images and, first in name order, a file that is not an image.</summary>
    private string Images()
    {
        string images = Path.Combine(_temp.Path, "images");
        Directory.CreateDirectory(images);
        foreach (var f in Directory.GetFiles(Samples, "*.png").Order(StringComparer.Ordinal).Take(3))
            File.Copy(f, Path.Combine(images, Path.GetFileName(f)));
        File.WriteAllText(Path.Combine(images, "a-broken.png"), "not a png");
        return images;
    }

    private static string[] Tiny(params string[] more) =>
        ["explain", "--model", TestFiles.TinyMixed, "--patch", "8", "--stride", "8", "--quiet", .. more];

    [Fact]
    public void Every_image_gets_the_files_a_run_of_its_own_writes_and_a_failure_is_listed_and_fails_the_command()
    {
        string images = Images(), out_ = Path.Combine(_temp.Path, "out");
        var (code, stdout, stderr) = CliTests.Krypton(Tiny("--input", images, "--out", out_));

        Assert.Equal(2, code);
        Assert.Contains("3 of 4 images explained", stdout);
        var errors = stderr.Split('\n').Where(l => l.StartsWith("krypton:", StringComparison.Ordinal)).ToList();
        Assert.Equal("krypton: error: 1 of 4 images could not be explained (listed in summary.csv): a-broken.png: " +
            $"{Path.Combine(images, "a-broken.png")} is not a PNG, JPEG, BMP, WebP or TIFF image", Assert.Single(errors));

        var rows = File.ReadAllLines(Path.Combine(out_, ExplainFolder.SummaryFile));
        Assert.Equal(5, rows.Length);
        Assert.StartsWith("a-broken.png,a-broken,\"error: ", rows[1]);   // quoted: the reason holds commas
        foreach (var file in Directory.GetFiles(images).Where(f => !f.Contains("broken")))
        {
            string stem = Path.GetFileNameWithoutExtension(file), alone = Path.Combine(_temp.Path, "alone-" + stem);
            Assert.Equal(0, CliTests.Krypton(Tiny("--input", file, "--out", alone)).Code);
            Assert.Equal(NpyFile.Read(Path.Combine(alone, "heatmap.npy")).Data, NpyFile.Read(Path.Combine(out_, stem, "heatmap.npy")).Data);
            Assert.True(File.Exists(Path.Combine(out_, stem, "overlay.png")));
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(out_, stem, "explanation.json")));
            Assert.EndsWith(Path.GetFileName(file), doc.RootElement.GetProperty("input").GetProperty("file").GetString());
            var row = rows.Single(r => r.StartsWith(Path.GetFileName(file) + ",", StringComparison.Ordinal)).Split(',');
            Assert.Equal([stem, "ok", doc.RootElement.GetProperty("result").GetProperty("target").GetInt32().ToString()], row[1..4]);
        }
        string gallery = File.ReadAllText(Path.Combine(out_, ExplainFolder.GalleryFile));
        Assert.Equal(3, gallery.Split("/overlay.png\"").Length - 1);
        Assert.Contains("not explained: ", gallery);
    }

    [Fact]
    public void A_mistake_in_the_job_stops_the_run_before_any_image()
    {
        string out_ = Path.Combine(_temp.Path, "out");
        var (code, _, stderr) = CliTests.Krypton(Tiny("--input", Images(), "--out", out_, "--target", "99"));
        Assert.Equal(2, code);
        Assert.Contains("krypton: error: target 99 is out of range", stderr);
        Assert.False(Directory.Exists(out_));
    }

    [Fact]
    public void A_dry_run_plans_the_folder_without_reading_an_image()
    {
        var (code, stdout, stderr) = CliTests.Krypton(Tiny("--input", Images(), "--dry-run"));
        Assert.True(code == 0, stderr);
        Assert.Contains("plan for each of the 4 images in", stdout);
        Assert.Contains("all 4 images: about", stdout);
    }

    [Fact]
    public void Resume_keeps_the_images_an_earlier_run_finished_with_the_same_settings_and_runs_the_rest()
    {
        string images = Images(), out_ = Path.Combine(_temp.Path, "out");
        File.Delete(Path.Combine(images, "a-broken.png"));
        Assert.Equal(0, CliTests.Krypton(Tiny("--input", images, "--out", out_)).Code);
        var names = Directory.GetDirectories(out_).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(3, names.Count);
        // An interrupted run: the second image's explanation.json (written last) never came.
        File.Delete(Path.Combine(out_, names[1]!, "explanation.json"));
        // A kept image's files are not touched: a marker in its heat map survives.
        string kept = Path.Combine(out_, names[0]!, "heatmap.csv");
        File.AppendAllText(kept, "marker\n");

        var (code, stdout, stderr) = CliTests.Krypton(Tiny("--input", images, "--out", out_, "--resume"));
        Assert.True(code == 0, stderr);
        Assert.Contains("3 of 3 images explained (2 kept from an earlier run)", stdout);
        var status = File.ReadAllLines(Path.Combine(out_, ExplainFolder.SummaryFile)).Skip(1).Select(r => r.Split(',')[2]).ToList();
        Assert.Equal(["kept", "ok", "kept"], status);
        Assert.EndsWith("marker\n", File.ReadAllText(kept));
        Assert.True(File.Exists(Path.Combine(out_, names[1]!, "explanation.json")));

        // Other settings make other files: nothing is kept.
        (code, stdout, stderr) = CliTests.Krypton(["explain", "--model", TestFiles.TinyMixed, "--patch", "8", "--stride", "4", "--quiet", "--input", images, "--out", out_, "--resume"]);
        Assert.True(code == 0, stderr);
        Assert.Contains("3 of 3 images explained in", stdout);
        Assert.DoesNotContain("marker", File.ReadAllText(kept));
    }

    [Fact]
    public void Tensors_in_the_folder_are_explained_as_they_are()
    {
        string images = Path.Combine(_temp.Path, "tensors"), out_ = Path.Combine(_temp.Path, "out"), alone = Path.Combine(_temp.Path, "alone");
        Directory.CreateDirectory(images);
        string tensor = CliTests.GoldenImageNpy(images);
        var (code, _, stderr) = CliTests.Krypton(Tiny("--input", images, "--out", out_, "--fill", "tensor:0"));
        Assert.True(code == 0, stderr);
        Assert.Equal(0, CliTests.Krypton(Tiny("--input", tensor, "--out", alone, "--fill", "tensor:0")).Code);
        Assert.Equal(NpyFile.Read(Path.Combine(alone, "heatmap.npy")).Data, NpyFile.Read(Path.Combine(out_, "image", "heatmap.npy")).Data);
    }

    [Fact]
    public void Resume_needs_a_folder() =>
        Assert.Contains("--resume goes with a folder of images", CliTests.Krypton(Tiny("--input", Directory.GetFiles(Samples)[0], "--out", Path.Combine(_temp.Path, "o"), "--resume")).StdErr);

    [Fact]
    public void A_run_into_a_used_folder_leaves_only_its_own_files()
    {
        string input = Directory.GetFiles(Samples, "*.png")[0], out_ = Path.Combine(_temp.Path, "out");
        Assert.Equal(0, CliTests.Krypton(Tiny("--input", input, "--out", out_, "--target", "top2")).Code);
        Assert.True(File.Exists(Path.Combine(out_, "heatmaps.npy")));
        File.WriteAllText(Path.Combine(out_, "notes.txt"), "mine");
        File.WriteAllText(Path.Combine(out_, "overlay-old.png"), "mine");
        Assert.Equal(0, CliTests.Krypton(Tiny("--input", input, "--out", out_)).Code);
        Assert.Equal(["explanation.json", "heatmap.csv", "heatmap.npy", "notes.txt", "overlay-old.png", "overlay.png"],
            Directory.GetFiles(out_).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Images_sharing_a_name_keep_their_extension_in_their_folder_names() =>
        Assert.Equal(["a.png", "a.JPG", "b", "c"], ExplainFolder.FolderNames(["x/a.png", "x/a.JPG", "x/b.jpeg", "x/c.png"]));

    [Fact]
    public void The_gallery_escapes_names_and_links_relative_to_itself()
    {
        string page = FolderGallery.Render("t", ["fact <1>"], [new GalleryEntry("a b#<c>.png", "a b#<c>", "overlay.png", "caption & more", null)], "summary.csv");
        Assert.Contains("<img src=\"a%20b%23%3Cc%3E/overlay.png\"", page);
        Assert.Contains("<b>a b#&lt;c&gt;.png</b>", page);
        Assert.Contains("fact &lt;1&gt;", page);
        Assert.Contains("caption &amp; more", page);
    }
}
