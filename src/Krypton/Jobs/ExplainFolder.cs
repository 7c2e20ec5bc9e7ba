using System.Diagnostics;
using System.Globalization;
using Krypton.Occlusion;
using Krypton.Output;

namespace Krypton.Jobs;

/// <summary>One image of a folder run: where its files went and what it showed, or why it failed.</summary>
/// <param name="Image">The image file.</param>
/// <param name="Folder">Its output folder's name (under the run's output folder).</param>
/// <param name="Result">The finished job, or null when it failed.</param>
/// <param name="Error">Why it failed (one line), or null.</param>
/// <param name="Time">Loading, explaining and writing it.</param>
public sealed record FolderImage(string Image, string Folder, JobResult? Result, string? Error, TimeSpan Time);

/// <summary>A finished folder run.</summary>
/// <param name="Images">Every image, in name order.</param>
/// <param name="Plan">The plan every image ran (the same model, spec and settings).</param>
/// <param name="Time">The whole run.</param>
public sealed record FolderResult(IReadOnlyList<FolderImage> Images, Planning.OcclusionPlan Plan, TimeSpan Time)
{
    /// <summary>The images that could not be explained.</summary>
    public IReadOnlyList<FolderImage> Failed => Images.Where(i => i.Error is not null).ToList();
}

/// <summary>
/// Explains every image of a folder with one model and one spec: the model is loaded and its
/// graphs compiled once, each image's files go to a folder of its own, and summary.csv and
/// index.html (a gallery of the overlays) list them all.
/// </summary>
public static class ExplainFolder
{
    /// <summary>The gallery page of a folder run, beside summary.csv.</summary>
    public const string GalleryFile = "index.html";

    /// <summary>The table of a folder run: one row per image.</summary>
    public const string SummaryFile = "summary.csv";

    /// <summary>
    /// Checks the job once (spec, target, settings and plan, on the model alone: a mistake there
    /// fails the run before any image), then explains the images one after the other. An image
    /// that cannot be read or explained is recorded with its reason and the run goes on.
    /// <paramref name="progress"/> counts positions over the whole run; <paramref name="imageDone"/>
    /// hears of each image as it finishes.
    /// </summary>
    public static FolderResult Run(ExplainJob job, IReadOnlyList<string> images, string outDir, IProgress<OcclusionProgress>? progress = null,
        Action<FolderImage>? imageDone = null, CancellationToken cancellation = default)
    {
        if (job.ReportFile is not null)
            throw new KryptonException($"--report writes one image's page; a folder run writes the gallery {GalleryFile} (and each image's files) into the output folder");
        var clock = Stopwatch.StartNew();
        var model = job.Model.Load();
        using var engine = new OcclusionEngine();
        var plan = Plan(job, model, engine);

        var names = FolderNames(images);
        var done = new List<FolderImage>();
        Directory.CreateDirectory(outDir);
        int perImage = plan.EvaluatedPositions;
        foreach (var (image, i) in images.Select((f, i) => (f, i)))
        {
            cancellation.ThrowIfCancellationRequested();
            var imageClock = Stopwatch.StartNew();
            var sweep = progress is null ? null : new SyncProgress<OcclusionProgress>(p => progress.Report(
                new OcclusionProgress(i * perImage + (p.Total == 0 ? 0 : (int)((long)p.Done * perImage / p.Total)), images.Count * perImage, clock.Elapsed)));
            FolderImage entry;
            try
            {
                var prepared = ExplainJobRunner.Prepare(job with { InputFile = image }, model);
                var result = ExplainJobRunner.Run(prepared, sweep, cancellation, engine);
                ExplainJobRunner.Write(result, Path.Combine(outDir, names[i]));
                entry = new FolderImage(image, names[i], result, null, imageClock.Elapsed);
            }
            catch (KryptonException e)
            {
                entry = new FolderImage(image, names[i], null, e.Message, imageClock.Elapsed);
            }
            done.Add(entry);
            imageDone?.Invoke(entry);
        }
        var folder = new FolderResult(done, plan, clock.Elapsed);
        AtomicFile.WriteAllText(Path.Combine(outDir, SummaryFile), SummaryCsv(folder));
        AtomicFile.WriteAllText(Path.Combine(outDir, GalleryFile), Gallery(folder, job, model));
        return folder;
    }

    /// <summary>
    /// The plan every image of a folder run follows, made from the model and the job alone (the
    /// input's content changes no part of it): checks everything a folder run checks before its
    /// first image. Compiles on <paramref name="engine"/> when given, for a run to reuse.
    /// </summary>
    public static Planning.OcclusionPlan Plan(ExplainJob job, LoadedModel model, OcclusionEngine? engine = null)
    {
        var checkedJob = ExplainJobRunner.Check(job, model);
        var g = model.Graph;
        var request = ExplainJobRunner.RequestFor(job, g, new float[g.Channels * g.Height * g.Width], checkedJob.Normalization, checkedJob.Profile);
        if (engine is not null) return engine.Plan(request);
        using var own = new OcclusionEngine();
        return own.Plan(request);
    }

    /// <summary>Each image's output folder: its file name without the extension, or with it where two images share a stem.</summary>
    public static IReadOnlyList<string> FolderNames(IReadOnlyList<string> images)
    {
        var stems = images.Select(Path.GetFileNameWithoutExtension).ToList();
        var shared = stems.GroupBy(s => s, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return images.Select((f, i) => shared.Contains(stems[i]!) ? Path.GetFileName(f) : stems[i]!).ToList();
    }

    /// <summary>index.html: every image's overlay with what it shows.</summary>
    private static string Gallery(FolderResult folder, ExplainJob job, LoadedModel model)
    {
        var inv = CultureInfo.InvariantCulture;
        var s = job.Spec;
        int ok = folder.Images.Count - folder.Failed.Count;
        string modelText = model.Path is null ? model.Description : $"{Path.GetFileName(model.Path)} ({model.Description})";
        string[] facts =
        [
            $"model: {modelText}",
            $"patch {s.Patch}, stride {s.Stride}, fill {s.Fill}, value {s.Value.ToString().ToLowerInvariant()}, target {s.Target ?? TargetSelection.Predicted}",
            $"plan: {folder.Plan.Method}{(folder.Plan.Approximation.IsExact ? "" : $" ({folder.Plan.Approximation})")}, {folder.Plan.EvaluatedPositions} positions per image",
            string.Create(inv, $"{ok} of {folder.Images.Count} images explained in {folder.Time.TotalSeconds:0.0} s ({folder.Time.TotalSeconds / Math.Max(folder.Images.Count, 1):0.0} s per image)"),
        ];
        var entries = folder.Images.Select(i =>
        {
            if (i.Result is not { } r)
                return new GalleryEntry(Path.GetFileName(i.Image), i.Folder, null, null, i.Error);
            var e = r.Explanation;
            var finite = (e.PositionValues ?? e.HeatMap).Where(float.IsFinite).ToArray();
            string range = finite.Length > 0 ? string.Create(inv, $"; map {finite.Min():0.####} to {finite.Max():0.####}") : "";
            string caption = string.Create(inv, $"{ExplainJobRunner.ValueLabel(e, e.Target)}; {e.UnoccludedProbability:P1} without occlusion{range}; {i.Time.TotalSeconds:0.0} s");
            return new GalleryEntry(Path.GetFileName(i.Image), i.Folder, r.WrittenFiles.Contains("overlay.png") ? "overlay.png" : null, caption, null);
        }).ToList();
        return FolderGallery.Render($"Occlusion heat maps of {folder.Images.Count} images", facts, entries, SummaryFile);
    }

    /// <summary>summary.csv: one row per image, in name order.</summary>
    public static string SummaryCsv(FolderResult folder)
    {
        var inv = CultureInfo.InvariantCulture;
        var lines = new List<string> { "image,folder,status,target,target_label,unoccluded_probability,predicted,predicted_probability,heatmap_min,heatmap_max,mode,seconds,deletion_auc,random_auc" };
        foreach (var image in folder.Images)
        {
            string name = Csv.Field(Path.GetFileName(image.Image)), dir = Csv.Field(image.Folder), seconds = image.Time.TotalSeconds.ToString("0.###", inv);
            if (image.Result is not { } r)
            {
                lines.Add($"{name},{dir},{Csv.Field("error: " + image.Error)},,,,,,,,,{seconds},,");
                continue;
            }
            var e = r.Explanation;
            var finite = (e.PositionValues ?? e.HeatMap).Where(float.IsFinite).ToArray();
            string F(double? v) => v is double d ? d.ToString("R", inv) : "";
            lines.Add(string.Join(',', name, dir, "ok", e.Target.ToString(inv), Csv.Field(e.ClassName(e.Target) ?? ""), F(e.UnoccludedProbability),
                e.TopClasses[0].Index.ToString(inv), F(e.TopClasses[0].Probability), F(finite.Length > 0 ? finite.Min() : null), F(finite.Length > 0 ? finite.Max() : null),
                e.Mode, seconds, F(r.Faithfulness?.DeletionAuc), F(r.Faithfulness?.RandomAuc)));
        }
        return string.Join('\n', lines) + "\n";
    }
}
