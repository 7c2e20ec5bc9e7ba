using System.Diagnostics;
using Krypton.Jobs;
using Krypton.Planning;
using Krypton.Spec;

namespace Krypton.Tests;

/// <summary>A folder run cancelled part way: what finished stays, listed in summary.csv and the gallery, and --resume finishes the rest.</summary>
public class FolderCancellationTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Out => _temp.File("out");

    /// <summary>The tiny model, 49 positions per image in batches of 4: a sweep of several calls, each a point where cancellation is heard.</summary>
    private static ExplainJob Job => new(new OnnxFileSource(TestFiles.TinyMixed), null, new OcclusionSpec(Size2.Square(8), Size2.Square(8), Fill.Gray))
    {
        Resources = new ResourceOptions { BatchSize = 4 },
    };

    /// <summary>The first <paramref name="count"/> shipped samples, in name order.</summary>
    private static IReadOnlyList<string> Images(int count) =>
        Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "samples", "fashion-mnist"), "*.png").Order(StringComparer.Ordinal).Take(count).ToList();

    private string[] Status() => File.ReadAllLines(Path.Combine(Out, ExplainFolder.SummaryFile)).Skip(1).Select(r => r.Split(',')[2]).ToArray();

    [Fact]
    public void Cancelled_during_the_second_image_the_first_is_listed_and_written_the_rest_not_run_and_resume_finishes()
    {
        var images = Images(3);
        using var cancel = new CancellationTokenSource();
        int positionsPerImage = 0;
        // Cancels inside the second image's sweep: the first image is done, the second is not.
        var progress = new SyncProgress<Krypton.Explain.OcclusionProgress>(p =>
        {
            if (positionsPerImage == 0 && p.Total > 0) positionsPerImage = p.Total / images.Count;
            if (p.Done > positionsPerImage) cancel.Cancel();
        });
        var e = Assert.Throws<FolderRunCancelledException>(() => ExplainFolder.Run(Job, images, Out, progress, cancellation: cancel.Token));

        Assert.Equal(1, e.Finished);
        Assert.Equal(Path.GetFullPath(Out), e.OutputFolder);
        Assert.Equal(cancel.Token, e.CancellationToken);
        Assert.StartsWith($"cancelled after 1 of 3 images; their files, summary.csv and index.html are in {Path.GetFullPath(Out)}", e.Message);
        Assert.Equal(["ok", "not run", "not run"], Status());
        Assert.EndsWith(",not run,,,,,,,,,,,,,,,,", File.ReadAllLines(Path.Combine(Out, ExplainFolder.SummaryFile))[3]);
        string gallery = File.ReadAllText(Path.Combine(Out, ExplainFolder.GalleryFile));
        Assert.Contains("cancelled after 1 of 3 images (1 explained)", gallery);
        Assert.Equal(2, gallery.Split("not run: the run was cancelled before this image").Length - 1);
        var names = ExplainFolder.FolderNames(images);
        Assert.True(File.Exists(Path.Combine(Out, names[0], "explanation.json")));
        Assert.False(Directory.Exists(Path.Combine(Out, names[1])), "the image being explained when the run was cancelled left files");
        Assert.Empty(Directory.GetFiles(Out, "*.tmp", SearchOption.AllDirectories));

        var resumed = ExplainFolder.Run(Job, images, Out, resume: true);
        Assert.Equal([true, false, false], resumed.Images.Select(i => i.Kept));
        Assert.Equal(["kept", "ok", "ok"], Status());
        Assert.DoesNotContain("not run", File.ReadAllText(Path.Combine(Out, ExplainFolder.GalleryFile)));
    }

    [Fact]
    public void Cancelled_before_any_image_finished_nothing_is_written()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var e = Assert.ThrowsAny<OperationCanceledException>(() => ExplainFolder.Run(Job, Images(2), Out, cancellation: cancel.Token));
        Assert.IsNotType<FolderRunCancelledException>(e);
        Assert.False(Directory.Exists(Out));
    }

    [Fact]
    public async Task Ctrl_c_on_a_folder_run_says_what_finished_exits_130_and_resume_finishes()
    {
        string images = _temp.File("images");
        Directory.CreateDirectory(images);
        foreach (var f in Images(4))
            File.Copy(f, Path.Combine(images, Path.GetFileName(f)));
        string first = ExplainFolder.FolderNames(Directory.GetFiles(images).Order(StringComparer.Ordinal).ToList())[0];
        // Naive, one position per call, every pixel: slow enough (a second or more per image) that three images are left when the first is done.
        string[] args = ["explain", "--model", TestFiles.TinyMixed, "--patch", "8", "--stride", "1", "--mode", "naive", "--batch", "1", "--quiet", "--input", images, "--out", Out];
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "Krypton.Cli.dll") }.Concat(args))
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        _ = p.StandardOutput.ReadToEndAsync();
        var clock = Stopwatch.StartNew();
        while (!File.Exists(Path.Combine(Out, first, "explanation.json")) && !p.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60))
            await Task.Delay(20);
        if (p.HasExited) Assert.Fail($"the run ended before it could be cancelled: {await stderr}");
        using (var kill = Process.Start("kill", ["-INT", p.Id.ToString()])) kill.WaitForExit();
        Assert.True(p.WaitForExit(30_000), "krypton did not stop after Ctrl+C");
        p.WaitForExit();
        string errors = await stderr;

        Assert.Equal(130, p.ExitCode);
        var status = Status();
        int finished = status.Count(s => s == "ok");
        Assert.InRange(finished, 1, 3);
        Assert.Equal(Enumerable.Repeat("not run", 4 - finished), status.Skip(finished));
        Assert.Contains($"krypton: cancelled after {finished} of 4 images; their files, summary.csv and index.html are in {Path.GetFullPath(Out)}; run again with --resume to finish", errors);
        Assert.True(File.Exists(Path.Combine(Out, ExplainFolder.GalleryFile)));

        var (code, stdout, err) = CliTests.Krypton([.. args, "--resume"]);
        Assert.True(code == 0, err);
        Assert.Contains($"4 of 4 images explained ({finished} kept from an earlier run)", stdout);
    }
}
