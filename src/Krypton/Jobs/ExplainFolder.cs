using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Krypton.Output;
using Krypton.Explain;
using Krypton.IO;
using Krypton.Quality;
using Krypton.Spec;

namespace Krypton.Jobs;

/// <summary>What an image's map showed, as summary.csv and the gallery list it.</summary>
/// <param name="Target">The (primary) target.</param>
/// <param name="TargetLabel">Its class name, or null.</param>
/// <param name="UnoccludedProbability">Its probability without occlusion.</param>
/// <param name="Predicted">The predicted class.</param>
/// <param name="PredictedProbability">Its probability.</param>
/// <param name="Min">The smallest finite value of the map, or null when it has none.</param>
/// <param name="Max">The largest.</param>
/// <param name="Mode">How it was computed.</param>
/// <param name="ValueLabel">What the values mean.</param>
/// <param name="DeletionAuc">The deletion curve's area, when measured.</param>
/// <param name="RandomAuc">The random orders' area, when measured.</param>
/// <param name="Seconds">Loading, explaining and writing it.</param>
public sealed record ImageSummary(int Target, string? TargetLabel, double UnoccludedProbability, int Predicted, double PredictedProbability,
    double? Min, double? Max, string Mode, string ValueLabel, double? DeletionAuc, double? RandomAuc, double Seconds)
{
    /// <summary>The summary of a job just run.</summary>
    public static ImageSummary Of(JobResult result, TimeSpan time)
    {
        var e = result.Explanation;
        var (min, max) = e.Range;
        return new(e.Target, e.ClassName(e.Target), e.UnoccludedProbability, e.TopClasses[0].Index, e.TopClasses[0].Probability, min, max, e.Mode, ExplainJobRunner.ValueLabel(e, e.Target),
            result.Faithfulness?.DeletionAuc, result.Faithfulness?.RandomAuc, time.TotalSeconds);
    }

    /// <summary>The summary an earlier run recorded in explanation.json.</summary>
    public static ImageSummary Read(JsonElement explanation)
    {
        var r = explanation.GetProperty("result");
        var top = r.GetProperty("top_classes")[0];
        double? Number(JsonElement parent, string name) =>
            parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
        var faithfulness = explanation.GetProperty("faithfulness");
        return new(r.GetProperty("target").GetInt32(), r.GetProperty("target_label").GetString(), r.GetProperty("unoccluded_probability").GetDouble(),
            top.GetProperty("index").GetInt32(), top.GetProperty("probability").GetDouble(), Number(r, "heatmap_min"), Number(r, "heatmap_max"),
            explanation.GetProperty("plan").GetProperty("mode").GetString()!, r.GetProperty("value_label").GetString()!,
            Number(faithfulness, "deletion_auc"), Number(faithfulness, "random_auc"), explanation.GetProperty("timings_seconds").GetProperty("total").GetDouble());
    }
}

/// <summary>One image of a folder run: where its files went and what they show, or why it failed.</summary>
/// <param name="Image">The image file.</param>
/// <param name="Folder">Its output folder's name (under the run's output folder).</param>
/// <param name="Summary">What its map shows, or null when it failed.</param>
/// <param name="Result">The job run now, or null when it failed or an earlier run's files were kept.</param>
/// <param name="Error">Why it failed (one line), or null.</param>
/// <param name="Kept">True when a resumed run kept the files an earlier run wrote with the same settings.</param>
public sealed record FolderImage(string Image, string Folder, ImageSummary? Summary, JobResult? Result, string? Error, bool Kept = false);

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
    /// hears of each image as it finishes. With <paramref name="resume"/>, an image whose folder
    /// holds an explanation.json written with the same settings, model and image (its request
    /// digest, <see cref="ExplainJobRunner.RequestSha256"/>) keeps those files and is not run again.
    /// </summary>
    public static FolderResult Run(ExplainJob job, IReadOnlyList<string> images, string outDir, IProgress<OcclusionProgress>? progress = null,
        Action<FolderImage>? imageDone = null, CancellationToken cancellation = default, bool resume = false)
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
            string imageDir = Path.Combine(outDir, names[i]);
            try
            {
                var prepared = ExplainJobRunner.Prepare(job with { InputFile = image }, model);
                if (resume && Earlier(imageDir, ExplainJobRunner.RequestSha256(prepared)) is { } earlier)
                    entry = new FolderImage(image, names[i], earlier, null, null, Kept: true);
                else
                {
                    var result = ExplainJobRunner.Run(prepared, sweep, cancellation, engine);
                    ExplainJobRunner.Write(result, imageDir);
                    entry = new FolderImage(image, names[i], ImageSummary.Of(result, imageClock.Elapsed), result, null);
                }
            }
            catch (KryptonException e)
            {
                entry = new FolderImage(image, names[i], null, null, e.Message);
            }
            done.Add(entry);
            imageDone?.Invoke(entry);
        }
        var folder = new FolderResult(done, plan, clock.Elapsed);
        AtomicFile.WriteAllText(Path.Combine(outDir, SummaryFile), SummaryCsv(folder));
        AtomicFile.WriteAllText(Path.Combine(outDir, GalleryFile), Gallery(folder, job, model, outDir));
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

    /// <summary>
    /// What an earlier run recorded in the folder, when its explanation.json (written last, after
    /// the maps) carries this request digest; null when there is none or it was made otherwise.
    /// </summary>
    private static ImageSummary? Earlier(string imageDir, string requestSha256)
    {
        string path = Path.Combine(imageDir, "explanation.json");
        if (!File.Exists(path)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            return root.TryGetProperty("request_sha256", out var digest) && digest.GetString() == requestSha256 ? ImageSummary.Read(root) : null;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException or FormatException)
        {
            return null;   // damaged or from another version: run it again
        }
    }

    /// <summary>Each image's output folder: its file name without the extension, or with it where two images share a stem.</summary>
    public static IReadOnlyList<string> FolderNames(IReadOnlyList<string> images)
    {
        var stems = images.Select(Path.GetFileNameWithoutExtension).ToList();
        var shared = stems.GroupBy(s => s, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return images.Select((f, i) => shared.Contains(stems[i]!) ? Path.GetFileName(f) : stems[i]!).ToList();
    }

    /// <summary>" (K kept from an earlier run)" when a resumed run kept some images' files, else "".</summary>
    public static string KeptText(FolderResult folder) =>
        folder.Images.Count(i => i.Kept) is > 0 and var kept ? $" ({kept} kept from an earlier run)" : "";

    /// <summary>index.html: every image's overlay with what it shows.</summary>
    private static string Gallery(FolderResult folder, ExplainJob job, LoadedModel model, string outDir)
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
            string.Create(inv, $"{ok} of {folder.Images.Count} images explained{KeptText(folder)} in {folder.Time.TotalSeconds:0.0} s"),
        ];
        var entries = folder.Images.Select(i =>
        {
            if (i.Summary is not { } m)
                return new GalleryEntry(Path.GetFileName(i.Image), i.Folder, null, null, i.Error);
            string range = m.Min is double lo && m.Max is double hi ? string.Create(inv, $"; map {lo:0.####} to {hi:0.####}") : "";
            string caption = string.Create(inv, $"{m.ValueLabel}; {m.UnoccludedProbability:P1} without occlusion{range}; {m.Seconds:0.0} s{(i.Kept ? " (earlier run)" : "")}");
            bool overlay = File.Exists(Path.Combine(outDir, i.Folder, "overlay.png"));
            return new GalleryEntry(Path.GetFileName(i.Image), i.Folder, overlay ? "overlay.png" : null, caption, null);
        }).ToList();
        return FolderGallery.Render($"Occlusion heat maps of {folder.Images.Count} images", facts, entries, SummaryFile);
    }

    /// <summary>summary.csv: one row per image, in name order; status ok, kept (an earlier run's files, resumed) or error.</summary>
    public static string SummaryCsv(FolderResult folder)
    {
        var inv = CultureInfo.InvariantCulture;
        var lines = new List<string> { "image,folder,status,target,target_label,unoccluded_probability,predicted,predicted_probability,heatmap_min,heatmap_max,mode,seconds,deletion_auc,random_auc" };
        foreach (var image in folder.Images)
        {
            string name = Csv.Field(Path.GetFileName(image.Image)), dir = Csv.Field(image.Folder);
            if (image.Summary is not { } m)
            {
                lines.Add($"{name},{dir},{Csv.Field("error: " + image.Error)},,,,,,,,,,,");
                continue;
            }
            string F(double? v) => v is double d ? d.ToString("R", inv) : "";
            lines.Add(string.Join(',', name, dir, image.Kept ? "kept" : "ok", m.Target.ToString(inv), Csv.Field(m.TargetLabel ?? ""), F(m.UnoccludedProbability),
                m.Predicted.ToString(inv), F(m.PredictedProbability), F(m.Min), F(m.Max), m.Mode, m.Seconds.ToString("0.###", inv), F(m.DeletionAuc), F(m.RandomAuc)));
        }
        return string.Join('\n', lines) + "\n";
    }
}
