using System.Globalization;
using CsvHelper;
using Krypton.IO;

namespace Krypton.Jobs;

/// <summary>Where an image of a sharded run is.</summary>
public enum MergedState
{
    /// <summary>Its explanation.json is written: explained.</summary>
    Done,

    /// <summary>A shard recorded why it could not be explained.</summary>
    Failed,

    /// <summary>A shard that is still running is explaining it now.</summary>
    Running,

    /// <summary>Neither explained nor failed: its shard has not reached it, was stopped, or never ran.</summary>
    Missing,
}

/// <summary>What the shards of a run have done, image by image, with their measured pace.</summary>
/// <param name="Images">Every image of the run, in key order.</param>
/// <param name="Shards">The shards' status files.</param>
/// <param name="Record">The run's record.</param>
public sealed record MergedRun(IReadOnlyList<(FolderImage Image, MergedState State)> Images, IReadOnlyList<ShardStatus> Shards, RunRecordFile Record)
{
    /// <summary>How many images are in the state.</summary>
    public int Count(MergedState state) => Images.Count(i => i.State == state);

    /// <summary>Mean seconds per image over the shards that measured one, weighted by what each explained.</summary>
    public double? SecondsPerImage
    {
        get
        {
            var measured = Shards.Where(s => s.SecondsPerImage is not null && s.Done - s.Failed > 0).ToList();
            double weight = measured.Sum(s => (double)(s.Done - s.Failed));
            return weight > 0 ? measured.Sum(s => s.SecondsPerImage!.Value * (s.Done - s.Failed)) / weight : null;
        }
    }

    /// <summary>Shards running now (not finished, written within <see cref="RunMerge.Stale"/>).</summary>
    public int ActiveShards => Shards.Count(s => RunMerge.IsActive(s));

    /// <summary>Time left for the images not yet explained, at the measured pace, over the active shards (one, when none is).</summary>
    public TimeSpan? Remaining => SecondsPerImage is double pace
        ? TimeSpan.FromSeconds(pace * (Count(MergedState.Missing) + Count(MergedState.Running)) / Math.Max(1, ActiveShards))
        : null;
}

/// <summary>
/// <c>krypton merge</c>: reads what the shards of a run wrote into their shared output folder (the
/// run's record, each image's explanation.json, the shards' summaries and status files) and makes
/// the one summary.csv and index.html of the whole run.
/// </summary>
public static class RunMerge
{
    /// <summary>A shard whose status has not changed for this long is taken as stopped (killed, or its node lost).</summary>
    public static readonly TimeSpan Stale = TimeSpan.FromMinutes(15);

    internal static bool IsActive(ShardStatus s) => !s.Finished && DateTime.UtcNow - s.UpdatedUtc < Stale;

    /// <summary>Where every image of the run in the folder is.</summary>
    /// <exception cref="KryptonException">The folder holds no sharded run.</exception>
    public static MergedRun Read(string outDir)
    {
        var record = RunRecordFile.Read(outDir);
        var shards = ShardStatus.ReadAll(outDir);
        var errors = ShardErrors(outDir);
        var running = shards.Where(IsActive).Select(s => s.Current).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var images = record.Images.Select(entry =>
        {
            string dir = Path.Combine(outDir, entry.Folder);
            if (ImageSummary.ReadFolder(dir) is { } summary)
                return (new FolderImage(dir, entry.Folder, summary, null, null) { Key = entry.Key }, MergedState.Done);
            if (running.Contains(entry.Key))
                return (new FolderImage(dir, entry.Folder, null, null, null, NotRun: true) { Key = entry.Key, NotRunStatus = "running" }, MergedState.Running);
            if (errors.TryGetValue(entry.Key, out var error))
                return (new FolderImage(dir, entry.Folder, null, null, error) { Key = entry.Key }, MergedState.Failed);
            return (new FolderImage(dir, entry.Folder, null, null, null, NotRun: true) { Key = entry.Key, NotRunStatus = "missing" }, MergedState.Missing);
        }).ToList();
        return new MergedRun(images, shards, record);
    }

    /// <summary>Writes summary.csv and index.html of the whole run (atomically) and returns what it found.</summary>
    public static MergedRun Merge(string outDir)
    {
        var run = Read(outDir);
        var images = run.Images.Select(i => i.Image).ToList();
        var inv = CultureInfo.InvariantCulture;
        string counts = string.Create(inv, $"{run.Count(MergedState.Done)} of {images.Count} images explained by {run.Record.Shards} shards")
            + (run.Count(MergedState.Failed) > 0 ? string.Create(inv, $", {run.Count(MergedState.Failed)} failed") : "")
            + (run.Count(MergedState.Running) + run.Count(MergedState.Missing) is > 0 and var pending ? string.Create(inv, $", {pending} not yet (krypton merge again when the shards have finished)") : "");
        AtomicFile.WriteAllText(Path.Combine(outDir, ExplainFolder.SummaryFile), ExplainFolder.SummaryCsv(images));
        AtomicFile.WriteAllText(Path.Combine(outDir, ExplainFolder.GalleryFile), ExplainFolder.Gallery(images, run.Record.Facts, counts, outDir));
        return run;
    }

    /// <summary>The errors the shards' summaries record, by image key (the latest summary wins where two do).</summary>
    private static Dictionary<string, string> ShardErrors(string outDir)
    {
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(outDir, "summary-*-of-*.csv").OrderBy(File.GetLastWriteTimeUtc))
        {
            try
            {
                using var stream = File.OpenRead(file);
                using var csv = CsvReader.Create(stream, new CsvReaderOptions { Separator = ',' });
                csv.ReadHeader();
                if (!csv.TryGetFieldIndex("image", out int image) || !csv.TryGetFieldIndex("status", out int status)) continue;
                while (csv.Read())
                {
                    string text = csv.GetString(status);
                    if (text.StartsWith("error: ", StringComparison.Ordinal))
                        errors[csv.GetString(image)] = text["error: ".Length..];
                    else
                        errors.Remove(csv.GetString(image));
                }
            }
            catch (Exception e) when (e is CsvFormatException or IOException) { }
        }
        return errors;
    }
}
