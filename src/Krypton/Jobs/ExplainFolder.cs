using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Krypton.Output;
using Krypton.Planning;
using Krypton.Explain;
using Krypton.IO;
using Krypton.Imaging;
using Krypton.Spec;

namespace Krypton.Jobs;

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
    /// Checks the job once (its settings and that <paramref name="outDir"/> can be made and written,
    /// before the model is loaded; then spec, target and plan on the model alone: a mistake there
    /// fails the run before any image), then explains the images one after the other. An image
    /// that cannot be read or explained is recorded with its reason and the run goes on.
    /// <paramref name="progress"/> counts positions over the whole run; <paramref name="imageDone"/>
    /// hears of each image as it finishes. With <paramref name="resume"/>, an image whose folder
    /// holds an explanation.json written with the same settings, model and image (its request
    /// digest, <see cref="RequestDigest.Sha256"/>) keeps those files and is not run again.
    /// Cancelled after some images, the run still writes summary.csv and index.html for them (the
    /// images not reached listed as not run) and throws <see cref="FolderRunCancelledException"/>;
    /// cancelled before any image finished, it writes nothing and throws a plain
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <exception cref="FolderRunCancelledException">Cancelled after at least one image; its files and the index are written.</exception>
    public static FolderResult Run(ExplainJob job, IReadOnlyList<string> images, string outDir, IProgress<OcclusionProgress>? progress = null,
        Action<FolderImage>? imageDone = null, CancellationToken cancellation = default, bool resume = false)
        => Run(job, ImageSet.FromFiles(images), outDir, progress, imageDone, cancellation, resume);

    /// <summary>
    /// Runs a set of images as <see cref="Run(ExplainJob, IReadOnlyList{string}, string, IProgress{OcclusionProgress}?, Action{FolderImage}?, CancellationToken, bool)"/>
    /// does, each into its own folder with its own target where it has one; with a
    /// <paramref name="shard"/>, only that shard's images (<see cref="Shard.Contains"/>), and instead of
    /// summary.csv and index.html it writes <c>summary-K-of-N.csv</c>, the run's record
    /// (<see cref="RunRecordFile.Name"/>, the whole set, for <c>krypton merge</c>) and its progress
    /// (<c>shards/K-of-N.json</c>), so that the shards of one run share an output folder.
    /// </summary>
    public static FolderResult Run(ExplainJob job, IReadOnlyList<RunImage> run, string outDir, IProgress<OcclusionProgress>? progress = null,
        Action<FolderImage>? imageDone = null, CancellationToken cancellation = default, bool resume = false, Shard? shard = null)
    {
        if (job.ReportFile is not null)
            throw KryptonException.Naming($"{Term.Report} writes one image's page; a folder run writes the gallery {GalleryFile} (and each image's files) into the output folder");
        var clock = Stopwatch.StartNew();
        ExplainJobRunner.CheckSettings(job);
        job = job with { Overlay = SharedScale(job) };
        OutputLocation.CheckFolder(Term.OutputFolder, outDir);
        var model = job.Model.Load();
        using var engine = new OcclusionEngine();
        var images = shard is { } mine ? run.Where(i => mine.Contains(i.Key)).ToList() : run;
        var plan = Plan(job, model, engine, KindsOf(run.Select(i => i.Path)));
        var status = shard is { } s ? new ShardProgress(outDir, s, images.Count) : null;
        if (shard is not null)
            RunRecordFile.Write(outDir, new RunRecordFile(shard.Value.Count, run.Select(i => new RunRecordFile.Entry(i.Key, i.Folder)).ToList(), GalleryFacts(job, model, plan)));

        var done = new List<FolderImage>();
        int perImage = plan.EvaluatedPositions;
        try
        {
            foreach (var (image, i) in images.Select((f, i) => (f, i)))
            {
                cancellation.ThrowIfCancellationRequested();
                status?.Starting(image.Key);
                var imageClock = Stopwatch.StartNew();
                var sweep = progress is null ? null : new SyncProgress<OcclusionProgress>(p => progress.Report(
                    new OcclusionProgress(i * perImage + (p.Total == 0 ? 0 : (int)((long)p.Done * perImage / p.Total)), images.Count * perImage, clock.Elapsed)));
                FolderImage entry;
                string imageDir = Path.Combine(outDir, image.Folder);
                try
                {
                    var imageJob = job with { InputFile = image.Path, Spec = image.Target is { } target ? job.Spec with { Target = target } : job.Spec };
                    var prepared = ExplainJobRunner.Prepare(imageJob, model);
                    if (resume && Earlier(imageDir, RequestDigest.Sha256(prepared)) is { } earlier)
                        entry = new FolderImage(image.Path, image.Folder, earlier, null, null, Kept: true) { Key = image.Key };
                    else
                    {
                        var result = ExplainJobRunner.Run(prepared, sweep, cancellation, engine);
                        ExplainJobRunner.Write(result, imageDir);
                        entry = new FolderImage(image.Path, image.Folder, ImageSummary.Of(result, imageClock.Elapsed), result, null) { Key = image.Key };
                    }
                }
                catch (KryptonException e)
                {
                    entry = new FolderImage(image.Path, image.Folder, null, null, e.Message) { Key = image.Key };
                }
                done.Add(entry);
                status?.Finished(entry, imageClock.Elapsed);
                imageDone?.Invoke(entry);
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested && done.Count > 0)
        {
            // What finished stays usable: listed with the images not reached, for a resumed run to finish.
            var notRun = images.Skip(done.Count).Select(image => new FolderImage(image.Path, image.Folder, null, null, null, NotRun: true) { Key = image.Key });
            var partial = new FolderResult([.. done, .. notRun], plan, clock.Elapsed);
            WriteIndex(partial, job, model, outDir, shard);
            status?.Stopped();
            throw new FolderRunCancelledException(partial, Path.GetFullPath(outDir), cancellation);
        }
        var folder = new FolderResult(done, plan, clock.Elapsed);
        WriteIndex(folder, job, model, outDir, shard);
        status?.Stopped();
        return folder;
    }

    /// <summary>
    /// The overlays of a folder share one scale by default: on an absolute scale, maps of
    /// probabilities (prob, drop) are all drawn from 0 to a probability of 1, so that images compare
    /// at a glance. Logit and delta maps have no common bound and keep their own.
    /// </summary>
    public static OverlayOptions SharedScale(ExplainJob job) =>
        job.Overlay is { Scale: ScaleKind.Absolute, SharedMax: null } && job.Spec.Value is ValueKind.Probability or ValueKind.Drop
            ? job.Overlay with { SharedMax = 1 }
            : job.Overlay;

    /// <summary>
    /// summary.csv and index.html, written atomically into the output folder (made when no image
    /// wrote into it); for a shard, its own summary-K-of-N.csv only (krypton merge makes the others).
    /// </summary>
    private static void WriteIndex(FolderResult folder, ExplainJob job, LoadedModel model, string outDir, Shard? shard = null)
    {
        Directory.CreateDirectory(outDir);
        if (shard is { } s)
        {
            AtomicFile.WriteAllText(Path.Combine(outDir, ShardSummaryFile(s)), SummaryCsv(folder.Images));
            return;
        }
        AtomicFile.WriteAllText(Path.Combine(outDir, SummaryFile), SummaryCsv(folder.Images));
        AtomicFile.WriteAllText(Path.Combine(outDir, GalleryFile), Gallery(folder.Images, GalleryFacts(job, model, folder.Plan), CountFact(folder), outDir));
    }

    /// <summary>A shard's summary: summary-K-of-N.csv.</summary>
    public static string ShardSummaryFile(Shard shard) => $"summary-{shard.Name}.csv";

    /// <summary>
    /// The plan every image of a folder run follows, made from the model and the job alone (the
    /// input's content changes no part of it): checks everything a folder run checks before its
    /// first image, for the kinds of input it holds (<see cref="KindsOf"/>). Compiles on
    /// <paramref name="engine"/> when given, for a run to reuse.
    /// </summary>
    public static OcclusionPlan Plan(ExplainJob job, LoadedModel model, OcclusionEngine? engine = null, InputKind inputs = InputKind.Picture)
    {
        var checkedJob = ExplainJobRunner.Check(job, model, inputs);
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
    private static ImageSummary? Earlier(string imageDir, string requestSha256) =>
        ImageSummary.ReadFolder(imageDir, root => root.TryGetProperty("request_sha256", out var digest) && digest.GetString() == requestSha256);

    /// <summary>The kinds of input among <paramref name="images"/>: pictures, tensors (.npy), or both.</summary>
    public static InputKind KindsOf(IEnumerable<string> images) =>
        images.Aggregate((InputKind)0, (kinds, f) => kinds | (ModelInput.IsTensorFile(f) ? InputKind.Tensor : InputKind.Picture));

    /// <summary>Each image's output folder: its file name without the extension, or with it where two images share a stem (<see cref="ImageSet.FolderNames"/>).</summary>
    public static IReadOnlyList<string> FolderNames(IReadOnlyList<string> images) => ImageSet.FromFiles(images).Select(i => i.Folder).ToList();

    /// <summary>" (K kept from an earlier run)" when a resumed run kept some images' files, else "".</summary>
    public static string KeptText(FolderResult folder) =>
        folder.Images.Count(i => i.Kept) is > 0 and var kept ? $" ({kept} kept from an earlier run)" : "";

    /// <summary>What the gallery says of the run before its images: the model, the spec, the plan, the overlays' scale.</summary>
    public static IReadOnlyList<string> GalleryFacts(ExplainJob job, LoadedModel model, OcclusionPlan plan)
    {
        var inv = CultureInfo.InvariantCulture;
        var s = job.Spec;
        return
        [
            $"model: {model.Describe()}",
            $"patch {s.Patch}, stride {s.Stride}, fill {s.Fill}, value {s.Value.ToString().ToLowerInvariant()}, target {s.Target ?? TargetSelection.Predicted}",
            $"plan: {plan.Method}{(plan.Approximation.IsExact ? "" : $" ({plan.Approximation})")}, {plan.EvaluatedPositions} positions per image",
            job.Overlay switch
            {
                { Scale: ScaleKind.Relative } => "overlays: each stretched to its own largest change (relative scale): compare shapes, not strengths",
                { SharedMax: double max } => string.Create(inv, $"overlays: one scale for all, drops in probability from 0 to {max:0.##}"),
                _ => "overlays: each on its own absolute scale (0 to its unoccluded value)",
            },
        ];
    }

    /// <summary>The gallery's line of counts for a run in one process.</summary>
    private static string CountFact(FolderResult folder)
    {
        var inv = CultureInfo.InvariantCulture;
        int ok = folder.Images.Count(i => i.Summary is not null), notRun = folder.NotRun.Count;
        return notRun == 0 ? string.Create(inv, $"{ok} of {folder.Images.Count} images explained{KeptText(folder)} in {folder.Time.TotalSeconds:0.0} s")
            : string.Create(inv, $"cancelled after {folder.Images.Count - notRun} of {folder.Images.Count} images ({ok} explained{KeptText(folder)}) in {folder.Time.TotalSeconds:0.0} s; the other {notRun} were not run");
    }

    /// <summary>index.html: every image's overlay with what it shows, after the facts of the run and its counts.</summary>
    public static string Gallery(IReadOnlyList<FolderImage> images, IReadOnlyList<string> facts, string counts, string outDir)
    {
        var inv = CultureInfo.InvariantCulture;
        var entries = images.Select(i =>
        {
            if (i.NotRun)
                return new GalleryEntry(i.Key, i.Folder, null, i.NotRunStatus == "not run" ? NotRunCaption : i.NotRunStatus, null);
            if (i.Summary is not { } m)
                return new GalleryEntry(i.Key, i.Folder, null, null, i.Error);
            string range = m.Min is double lo && m.Max is double hi ? string.Create(inv, $"; map {lo:0.####} to {hi:0.####}") : "";
            string caption = string.Create(inv, $"{(m.Flat ? "flat map (no region matters); " : "")}{m.ValueLabel}; {m.UnoccludedProbability:P1} without occlusion{range}; {m.Seconds:0.0} s{(i.Kept ? " (earlier run)" : "")}");
            bool overlay = File.Exists(Path.Combine(outDir, i.Folder, "overlay.png"));
            return new GalleryEntry(i.Key, i.Folder, overlay ? "overlay.png" : null, caption, null);
        }).ToList();
        return FolderGallery.Render($"Occlusion heat maps of {images.Count} images", [.. facts, counts], entries, SummaryFile);
    }

    /// <summary>The gallery's caption of an image a cancelled run did not reach.</summary>
    private const string NotRunCaption = "not run: the run was cancelled before this image";

    /// <summary>summary.csv: one row per image, in name order; status ok, kept (an earlier run's files, resumed), error, or not run (a cancelled run did not reach it; no values).</summary>
    public static string SummaryCsv(IReadOnlyList<FolderImage> images)
    {
        var inv = CultureInfo.InvariantCulture;
        var lines = new List<string> { "image,folder,status,target,target_label,unoccluded_probability,predicted,predicted_label,predicted_probability,heatmap_min,heatmap_max,flat_map,mode,seconds,deletion_auc,random_deletion_auc,insertion_auc,random_insertion_auc,faithful" };
        foreach (var image in images)
        {
            string name = Csv.Field(image.Key), dir = Csv.Field(image.Folder);
            if (image.NotRun)
            {
                lines.Add($"{name},{dir},{Csv.Field(image.NotRunStatus)},,,,,,,,,,,,,,,,");
                continue;
            }
            if (image.Summary is not { } m)
            {
                lines.Add($"{name},{dir},{Csv.Field("error: " + image.Error)},,,,,,,,,,,,,,,,");
                continue;
            }
            string F(double? v) => v is double d ? d.ToString("R", inv) : "";
            lines.Add(string.Join(',', name, dir, image.Kept ? "kept" : "ok", m.Target.ToString(inv), Csv.Field(m.TargetLabel ?? ""), F(m.UnoccludedProbability),
                m.Predicted.ToString(inv), Csv.Field(m.PredictedLabel ?? ""), F(m.PredictedProbability), F(m.Min), F(m.Max), m.Flat ? "true" : "false", m.Mode, m.Seconds.ToString("0.###", inv),
                F(m.Faithfulness?.DeletionAuc), F(m.Faithfulness?.RandomDeletionAuc), F(m.Faithfulness?.InsertionAuc), F(m.Faithfulness?.RandomInsertionAuc),
                m.Faithfulness is { } f ? (f.Faithful ? "true" : "false") : ""));
        }
        return string.Join('\n', lines) + "\n";
    }
}
