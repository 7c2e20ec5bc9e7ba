using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Krypton.Imaging;
using Krypton.Model;
using Krypton.Output;
using Krypton.Planning;
using Krypton.Demo;
using Krypton.Explain;
using Krypton.IO;
using Krypton.Quality;
using Krypton.Runtime;
using Krypton.Spec;

namespace Krypton.Jobs;

/// <summary>A whole explain job as the command line states it: model, input, spec and settings.</summary>
/// <param name="Model">Where the model comes from.</param>
/// <param name="InputFile">A picture (PNG, JPEG, BMP, WebP, TIFF) or .npy tensor; null for the built-in sample image.</param>
/// <param name="Spec">The occlusion experiment.</param>
/// <param name="Normalization">Input normalization; null for the model's own (the demo model's), else ImageNet's.</param>
/// <param name="Mode">exact (incremental inference, the default) or naive.</param>
/// <param name="BatchSize">Positions per inference call; null to derive it from the memory budget.</param>
/// <param name="MemoryBudgetBytes">Memory budget; null for the default share of free memory.</param>
/// <param name="Execution">ONNX Runtime options.</param>
/// <param name="CommandLine">The command line, for provenance.</param>
/// <param name="Tau">Projective-field threshold τ for incremental inference (1 = exact).</param>
/// <param name="DrillDown">Adaptive drill-down, or null.</param>
/// <param name="ReportFile">Where to write the HTML report; null for none.</param>
/// <param name="Faithfulness">Measure the deletion curve with these options; null to skip it.</param>
/// <param name="Quality">Heat-map quality wanted (SSIM against the exact map); the planner chooses exact, τ and drill-down. Null to compute as asked.</param>
/// <param name="ProfileFile">Tuning profile (from <c>krypton tune</c>) for <paramref name="Quality"/>; null for the model's built-in one (the demo model has one), else none.</param>
/// <param name="PerPixel">Also write heatmap-pixels.npy: the map at input resolution, each pixel the mean of the cells whose patch covers it (<see cref="OcclusionGrid.PerPixel"/>).</param>
public sealed record ExplainJob(
    ModelSource Model,
    string? InputFile,
    OcclusionSpec Spec,
    Preprocessing? Normalization = null,
    string Mode = "exact",
    int? BatchSize = null,
    long? MemoryBudgetBytes = null,
    ExecutionOptions? Execution = null,
    string? CommandLine = null,
    double Tau = 1.0,
    DrillDown? DrillDown = null,
    string? ReportFile = null,
    FaithfulnessOptions? Faithfulness = null,
    double? Quality = null,
    string? ProfileFile = null,
    bool PerPixel = false);

/// <summary>A job with its model and input loaded, ready to run.</summary>
public sealed record PreparedJob(
    ExplainJob Job,
    LoadedModel Model,
    float[] Input,
    LoadedImage? DisplayImage,
    string InputPath,
    string InputSha256,
    string InputKind,
    Preprocessing Normalization,
    OcclusionGrid Grid,
    TimeSpan LoadTime)
{
    /// <summary>The tuning profile the planner uses with a quality target, or null.</summary>
    public QualityProfile? Profile { get; init; }

    /// <summary>Where <see cref="Profile"/> came from.</summary>
    public string? ProfilePath { get; init; }

    /// <summary>The occlusion request this job runs.</summary>
    public ExplainRequest Request => ExplainJobRunner.RequestFor(Job, Model.Graph, Input, Normalization, Profile);

    /// <summary>The model in words.</summary>
    public string ModelDescription => Model.Path is null ? Model.Description : $"{System.IO.Path.GetFileName(Model.Path)} ({Model.Description})";

    /// <summary>The input in words.</summary>
    public string InputDescription => System.IO.Path.GetFileName(InputPath);
}

/// <summary>A finished job: the explanation and what was written.</summary>
public sealed record JobResult(PreparedJob Prepared, Explanation Explanation)
{
    /// <summary>Files written by <see cref="ExplainJobRunner.Write"/>.</summary>
    public List<string> WrittenFiles { get; } = [];

    /// <summary>The deletion curve, when the job asked for it.</summary>
    public FaithfulnessResult? Faithfulness { get; init; }
}

/// <summary>Loads, runs and writes explain jobs; the command line is a thin layer over this.</summary>
public static class ExplainJobRunner
{
    /// <summary>Modes this build can run.</summary>
    public static IReadOnlyList<string> Modes { get; } = ["exact", "naive"];

    /// <summary>The sample image shipped with the tool: a Fashion-MNIST test image (an ankle boot) for the demo model.</summary>
    public static string SampleImagePath => Path.Combine(AppContext.BaseDirectory, "samples", "fashion-mnist", "t10k-00000-ankle-boot.png");

    /// <summary>Loads the model and the input and checks the spec against them.</summary>
    public static PreparedJob Prepare(ExplainJob job) => Prepare(job, null);

    /// <summary>
    /// Loads the input and checks the spec against it and the model: <paramref name="model"/> when
    /// given (one load for many images), else the job's, loaded now.
    /// </summary>
    public static PreparedJob Prepare(ExplainJob job, LoadedModel? model)
    {
        var clock = Stopwatch.StartNew();
        string inputPath = job.InputFile ?? SampleImagePath;
        if (!File.Exists(inputPath))
            throw new KryptonException($"input file not found: {inputPath}");
        model ??= job.Model.Load();
        var checkedJob = Check(job, model);
        var g = model.Graph;
        var normalization = checkedJob.Normalization;
        var (input, display, kind) = ModelInput.Load(inputPath, g.Channels, g.Height, g.Width, normalization);
        return new PreparedJob(job, model, input, display, Path.GetFullPath(inputPath), ModelSource.Sha256(inputPath), kind, normalization,
            checkedJob.Grid, clock.Elapsed)
        {
            Profile = checkedJob.Profile,
            ProfilePath = checkedJob.ProfilePath,
        };
    }

    /// <summary>What a job needs besides its input, checked against the model: the same for every image.</summary>
    /// <param name="Normalization">How images become the model's input.</param>
    /// <param name="Grid">The positions.</param>
    /// <param name="Profile">The tuning profile for the quality target, or null.</param>
    /// <param name="ProfilePath">Where <paramref name="Profile"/> came from.</param>
    public sealed record CheckedJob(Preprocessing Normalization, OcclusionGrid Grid, QualityProfile? Profile, string? ProfilePath);

    /// <summary>Checks everything about a job that does not depend on its input: mode, normalization, spec, target, profile.</summary>
    public static CheckedJob Check(ExplainJob job, LoadedModel model)
    {
        if (!Modes.Contains(job.Mode))
            throw new KryptonException($"mode '{job.Mode}' is not available; modes: {string.Join(", ", Modes)}");
        var g = model.Graph;
        var normalization = model.NormalizationOr(job.Normalization);
        normalization.CheckChannels(g.Channels);
        job.Spec.Validate(g.Height, g.Width);
        if (job.Spec.Positions is not null && (job.ReportFile is not null || job.Faithfulness is not null || job.PerPixel))
            throw new KryptonException($"{(job.ReportFile is not null ? "--report" : job.Faithfulness is not null ? "--faithfulness" : "--per-pixel")} needs a heat map; it does not go with --positions");
        if (job.ReportFile is { } report && Directory.Exists(report))
            throw new KryptonException($"report file {report} is a folder; give a file name such as report.html");
        job.Spec.Target?.Validate(g.OutputSize);
        // A baseline is read now, so that a missing or misshapen one stops a folder run before its first image.
        if (job.Spec.Fill is BaselineFill baseline)
            baseline.Load(g.Channels, g.Height, g.Width, normalization);
        var grid = new OcclusionGrid(g.Height, g.Width, job.Spec.Patch, job.Spec.Stride);
        if (job.ProfileFile is not null && job.Quality is null)
            throw new KryptonException("--profile goes with --quality: the profile turns a quality target into settings");
        string? profilePath = job.ProfileFile ?? (job.Quality is not null && job.Model.IsDemo
            ? DemoModel.ProfilePath(job.Spec.Patch, job.Spec.Stride) : null);
        QualityProfile? profile = null;
        if (profilePath is not null && (job.ProfileFile is not null || File.Exists(profilePath)))
        {
            profile = QualityProfile.Load(profilePath);
            profile.CheckApplies(g, job.Spec, model.Sha256);
        }
        return new CheckedJob(normalization, grid, profile, profile is null ? null : Path.GetFullPath(profilePath!));
    }

    /// <summary>
    /// A digest of everything that decides a job's files: tool version, model, input and baseline contents,
    /// normalization, spec, method settings, device and the faithfulness options. Recorded in
    /// explanation.json, so that a folder run resumed with the same settings keeps an image's
    /// earlier files exactly when they are what this job would write.
    /// </summary>
    public static string RequestSha256(PreparedJob prepared)
    {
        var job = prepared.Job;
        var s = job.Spec;
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        string text = string.Join('\n',
            ToolVersion, prepared.Model.Sha256 ?? prepared.Model.Description, prepared.Model.Graph.Name, prepared.InputSha256, prepared.InputKind,
            string.Join(',', prepared.Normalization.Mean.Select(v => v.ToString("R", inv))), string.Join(',', prepared.Normalization.Std.Select(v => v.ToString("R", inv))),
            s.Patch, s.Stride, s.Fill, s.Fill is BaselineFill b ? ModelSource.Sha256(b.Path) : "", s.Target ?? TargetSelection.Predicted, s.Value, s.RegionOfInterest?.ToString() ?? "",
            s.Positions is { } list ? string.Join(';', list.Select(q => $"{q.Y},{q.X}")) : "",
            job.Mode, job.Tau.ToString("R", inv), job.DrillDown?.ToString() ?? "", job.Quality?.ToString("R", inv) ?? "",
            prepared.ProfilePath is { } profile ? ModelSource.Sha256(profile) : "", job.Execution?.Device ?? "cpu", job.Faithfulness?.ToString() ?? "", job.PerPixel);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>The occlusion request of a job on a prepared input.</summary>
    public static ExplainRequest RequestFor(ExplainJob job, ModelGraph model, float[] input, Preprocessing normalization, QualityProfile? profile) =>
        new(model, input, job.Spec, normalization, job.BatchSize, job.MemoryBudgetBytes, job.Execution,
            job.Mode == "naive" ? OcclusionMode.Naive : OcclusionMode.Exact, job.Tau, job.DrillDown, job.Quality, profile);

    /// <summary>The plan of a prepared job, without running it (compiles the incremental graphs to size the memory, opens no session).</summary>
    public static OcclusionPlan Plan(PreparedJob prepared)
    {
        using var engine = new OcclusionEngine();
        return engine.Plan(prepared.Request);
    }

    /// <summary>
    /// Runs the occlusion experiment of a prepared job, on <paramref name="engine"/> when given (its
    /// compiled programs serve every image of the model), else on programs compiled for this job.
    /// </summary>
    public static JobResult Run(PreparedJob prepared, IProgress<OcclusionProgress>? progress = null, CancellationToken cancellation = default,
        OcclusionEngine? engine = null)
    {
        var job = prepared.Job;
        var request = prepared.Request;
        var explanation = (engine is null ? Explainer.Explain(request, progress, cancellation) : engine.Explain(request, progress, cancellation))
            with { ClassNames = prepared.Model.ClassNames };
        var faithfulness = job.Faithfulness is { } options
            ? Krypton.Quality.Faithfulness.Measure(request, explanation, options with { MemoryBudgetBytes = options.MemoryBudgetBytes ?? job.MemoryBudgetBytes }, cancellation)
            : null;
        return new JobResult(prepared, explanation) { Faithfulness = faithfulness };
    }

    /// <summary>Most per-target overlays written for several targets (overlay-K.png, the most likely targets); heatmaps.npy holds every map.</summary>
    public const int MaxTargetOverlays = 16;

    /// <summary>
    /// Writes heatmap.npy, heatmap.csv, overlay.png and explanation.json into the folder, and the
    /// HTML report when the job names one; with several targets also heatmaps.npy (every target's
    /// map, [targets, rows, columns]) and overlay-K.png for the <see cref="MaxTargetOverlays"/> most
    /// likely targets. The single-map files show the primary target. Each file is written to a temporary
    /// name and renamed, so no reader ever sees half a file.
    /// </summary>
    public static void Write(JobResult result, string outDir)
    {
        var e = result.Explanation;
        var p = result.Prepared;
        Directory.CreateDirectory(outDir);
        int rows = e.Grid.Rows, cols = e.Grid.Columns;

        if (e.PositionValues is { } values)
        {
            // Interactive use: values at the positions asked for, no grid.
            // One value column per target: "value" for one, "value_K" for each of several.
            var columns = e.Maps.Count == 1 ? [values] : e.Maps.Select(m => m.PositionValues!).ToArray();
            var csvLines = new List<string> { "y,x," + (e.Maps.Count == 1 ? "value" : string.Join(',', e.Maps.Select(m => $"value_{m.Target}"))) };
            csvLines.AddRange(e.Spec.Positions!.Select((q, i) => $"{q.Y},{q.X}," + string.Join(',', columns.Select(c => c[i].ToString("R", System.Globalization.CultureInfo.InvariantCulture)))));
            string provenance = ProvenanceJson(result);
            AtomicFile.WriteAllText(Path.Combine(outDir, "positions.csv"), string.Join('\n', csvLines) + "\n");
            result.WrittenFiles.Add("positions.csv");
            RemoveStaleOutputs(outDir, result.WrittenFiles);
            AtomicFile.WriteAllText(Path.Combine(outDir, "explanation.json"), provenance);
            result.WrittenFiles.Add("explanation.json");
            return;
        }

        // Render everything first, so a failure leaves the folder as it was.
        var targetOverlays = p.DisplayImage is null || e.Maps.Count == 1 ? []
            : e.MostLikely(MaxTargetOverlays).Select(m => (m.Target, Png: OverlayFor(result, m))).ToList();
        // The primary target's overlay is among those when it is one of the most likely: rendered once.
        byte[]? overlay = p.DisplayImage is null ? null
            : targetOverlays.FirstOrDefault(o => o.Target == e.Target).Png ?? OverlayFor(result, e.Maps.First(m => m.Target == e.Target));
        string csv = HeatmapCsv.Format(e.HeatMap, rows, cols);
        string json = ProvenanceJson(result);
        string? report = p.Job.ReportFile is null ? null : HtmlReport.Render(ReportContentOf(result, overlay) with
        {
            OtherTargets = targetOverlays.Where(o => o.Target != e.Target).Select(o => new TargetOverlay(o.Target, ValueLabel(e, o.Target), o.Png)).ToList(),
        });

        NpyFile.Write(Path.Combine(outDir, "heatmap.npy"), e.HeatMap, [rows, cols]);
        result.WrittenFiles.Add("heatmap.npy");
        if (e.Maps.Count > 1)
        {
            NpyFile.Write(Path.Combine(outDir, "heatmaps.npy"), e.Maps.SelectMany(m => m.HeatMap).ToArray(), [e.Maps.Count, rows, cols]);
            result.WrittenFiles.Add("heatmaps.npy");
        }
        if (p.Job.PerPixel)
        {
            NpyFile.Write(Path.Combine(outDir, "heatmap-pixels.npy"), e.Grid.PerPixel(e.HeatMap), [e.Grid.ImageHeight, e.Grid.ImageWidth]);
            result.WrittenFiles.Add("heatmap-pixels.npy");
        }
        AtomicFile.WriteAllText(Path.Combine(outDir, "heatmap.csv"), csv);
        result.WrittenFiles.Add("heatmap.csv");
        if (overlay is not null)
        {
            AtomicFile.WriteAllBytes(Path.Combine(outDir, "overlay.png"), overlay);
            result.WrittenFiles.Add("overlay.png");
        }
        foreach (var (target, png) in targetOverlays)
        {
            string name = $"overlay-{target}.png";
            AtomicFile.WriteAllBytes(Path.Combine(outDir, name), png);
            result.WrittenFiles.Add(name);
        }
        RemoveStaleOutputs(outDir, result.WrittenFiles);
        AtomicFile.WriteAllText(Path.Combine(outDir, "explanation.json"), json);
        result.WrittenFiles.Add("explanation.json");
        if (report is not null)
        {
            string path = Path.GetFullPath(p.Job.ReportFile!);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            AtomicFile.WriteAllText(path, report);
        }
    }

    /// <summary>
    /// Deletes the files an earlier run wrote into the folder that this run does not (heatmaps.npy
    /// of a run with several targets, say), so the folder holds one run's files only. Only names
    /// this tool writes are touched. Runs before explanation.json is written, which comes last.
    /// </summary>
    private static void RemoveStaleOutputs(string outDir, IReadOnlyCollection<string> written)
    {
        string[] ours = ["heatmap.npy", "heatmaps.npy", "heatmap-pixels.npy", "heatmap.csv", "positions.csv", "overlay.png"];
        foreach (var file in Directory.EnumerateFiles(outDir).Select(Path.GetFileName).OfType<string>().ToList())
        {
            bool targetOverlay = file.StartsWith("overlay-", StringComparison.Ordinal) && file.EndsWith(".png", StringComparison.Ordinal)
                && int.TryParse(file["overlay-".Length..^".png".Length], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _);
            if ((ours.Contains(file) || targetOverlay) && !written.Contains(file))
                File.Delete(Path.Combine(outDir, file));
        }
    }

    /// <summary>What the HTML report of a finished job shows; <paramref name="overlay"/> is the overlay PNG, when there is one.</summary>
    public static ReportContent ReportContentOf(JobResult result, byte[]? overlay)
    {
        var e = result.Explanation;
        var p = result.Prepared;
        var job = p.Job;
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        string normalization = $"mean {string.Join(", ", p.Normalization.Mean.Select(v => v.ToString(inv)))}, std {string.Join(", ", p.Normalization.Std.Select(v => v.ToString(inv)))}";
        var provenance = new ReportProvenance(
            p.ModelDescription, p.Model.Path, p.Model.Sha256,
            p.InputPath, p.InputSha256, p.InputKind, normalization,
            ToolVersion ?? "unknown", OnnxRuntimeVersion ?? "unknown",
            job.Execution?.Device ?? "cpu", Threads(job),
            $"{RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}, {RuntimeInformation.FrameworkDescription}, {Environment.ProcessorCount} processors",
            job.CommandLine, job.Mode, p.LoadTime, DateTime.UtcNow);
        return new ReportContent(e, provenance, p.DisplayImage is { } image ? HtmlReport.ImagePng(image) : null, overlay, ValueLabel(e, e.Target), result.Faithfulness);
    }

    private static string? ToolVersion => typeof(ExplainJobRunner).Assembly.GetName().Version?.ToString(3);

    private static string? OnnxRuntimeVersion => typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version?.ToString(3);

    private static int Threads(ExplainJob job) => job.Execution?.Threads is > 0 and var t ? t : Environment.ProcessorCount;

    /// <summary>The colour-bar label of a target's map: what the values mean, with units.</summary>
    public static string ValueLabel(Explanation e, int targetIndex)
    {
        string target = e.ClassName(targetIndex) is { } name ? $"class {targetIndex} ({name})" : $"class {targetIndex}";
        return e.Spec.Value switch
        {
            ValueKind.Probability => $"probability of {target} under occlusion",
            ValueKind.Logit => $"logit of {target} under occlusion",
            _ => $"drop in probability of {target}",
        };
    }

    private static byte[] OverlayFor(JobResult result, TargetMap map)
    {
        var e = result.Explanation;
        var s = e.Spec;
        return OverlayRenderer.Render(result.Prepared.DisplayImage!, map.HeatMap, e.Grid.Rows, e.Grid.Columns,
            new OverlayGeometry(s.Patch.Height, s.Patch.Width, s.Stride.Height, s.Stride.Width), ValueLabel(e, map.Target));
    }

    private static JsonObject PlanJson(Explanation e, PreparedJob p)
    {
        var plan = e.Plan!;
        var a = plan.Approximation;
        return new JsonObject
        {
            ["method"] = plan.Method,
            ["mode"] = e.Mode,
            ["requested_mode"] = p.Job.Mode,
            ["reason"] = plan.Reason,
            ["quality_target"] = plan.Quality,
            ["predicted_ssim"] = plan.PredictedSsim,
            ["profile"] = p.ProfilePath,
            ["tau"] = a.Tau,
            ["drill_down"] = a.DrillDown is { } d ? new JsonObject { ["target_speedup"] = d.TargetSpeedup, ["fraction"] = d.Fraction, ["coarse_stride_factor"] = d.CoarseFactor(),
                ["coarse_positions"] = plan.CoarsePositions, ["refined_positions"] = plan.RefinedPositions } : null,
            ["fallback_reason"] = e.FallbackReason,
            ["positions"] = e.Positions,
            ["grid_positions"] = plan.GridPositions,
            ["batch_size"] = e.BatchSize,
            ["inference_calls"] = plan.InferenceCalls,
            ["layer_calls"] = plan.LayerCalls,
            ["multiply_adds"] = plan.TotalMultiplyAdds,
            ["memory_budget_bytes"] = p.Job.MemoryBudgetBytes,
            ["estimated_batch_bytes"] = e.EstimatedBytes,
            ["estimated_seconds"] = plan.EstimatedTime.TotalSeconds,
            ["estimate_basis"] = plan.TimeBasis,
        };
    }

    private static string ProvenanceJson(JobResult result)
    {
        var e = result.Explanation;
        var p = result.Prepared;
        var s = e.Spec;
        var g = p.Model.Graph;
        var (min, max) = e.Range;
        var doc = new JsonObject
        {
            ["request_sha256"] = RequestSha256(p),
            ["tool"] = new JsonObject
            {
                ["name"] = "Krypton.NET",
                ["version"] = ToolVersion,
                ["onnxruntime"] = OnnxRuntimeVersion,
                ["command_line"] = p.Job.CommandLine,
                ["created_utc"] = DateTime.UtcNow.ToString("O"),
            },
            ["model"] = new JsonObject
            {
                ["name"] = g.Name,
                ["source"] = p.Model.Description,
                ["file"] = p.Model.Path,
                ["sha256"] = p.Model.Sha256,
                ["input_shape"] = Json(g.InputShape),
                ["output_size"] = g.OutputSize,
                ["parameters"] = g.ParameterCount,
                ["multiply_adds"] = g.MultiplyAdds,
            },
            ["input"] = new JsonObject
            {
                ["file"] = p.InputPath,
                ["sha256"] = p.InputSha256,
                ["kind"] = p.InputKind,
                ["normalization"] = new JsonObject { ["mean"] = Json(p.Normalization.Mean), ["std"] = Json(p.Normalization.Std) },
            },
            ["spec"] = new JsonObject
            {
                ["patch"] = Json([s.Patch.Height, s.Patch.Width]),
                ["stride"] = Json([s.Stride.Height, s.Stride.Width]),
                ["fill"] = s.Fill.ToString(),
                ["fill_model_space"] = Json(e.FillValues),
                ["fill_blur_sigma"] = s.Fill is BlurFill blur ? blur.SigmaFor(s.Patch) : null,
                ["fill_sha256"] = s.Fill is BaselineFill baseline ? ModelSource.Sha256(baseline.Path) : null,
                ["target"] = (s.Target ?? TargetSelection.Predicted).ToString(),
                ["value"] = s.Value.ToString().ToLowerInvariant(),
                ["region_of_interest"] = s.RegionOfInterest is { } r ? Json([r.Y, r.X, r.Height, r.Width]) : null,
                ["positions"] = s.Positions is { } list ? new JsonArray(list.Select(q => (JsonNode)Json([q.Y, q.X])).ToArray()) : null,
            },
            ["plan"] = PlanJson(e, p),
            ["device"] = new JsonObject
            {
                ["device"] = p.Job.Execution?.Device ?? "cpu",
                ["threads"] = Threads(p.Job),
                ["processor_count"] = Environment.ProcessorCount,
                ["os"] = RuntimeInformation.OSDescription,
                ["architecture"] = RuntimeInformation.ProcessArchitecture.ToString(),
                ["runtime"] = RuntimeInformation.FrameworkDescription,
            },
            ["timings_seconds"] = new JsonObject
            {
                ["load"] = p.LoadTime.TotalSeconds,
                ["compile"] = e.Timings.Compile.TotalSeconds,
                ["unoccluded"] = e.Timings.Unoccluded.TotalSeconds,
                ["sweep"] = e.Timings.Sweep.TotalSeconds,
                ["total"] = p.LoadTime.TotalSeconds + e.Timings.Total.TotalSeconds,
                ["positions_per_second"] = e.Timings.PositionsPerSecond(e.Positions),
            },
            ["peak_memory_bytes"] = e.PeakMemoryBytes,
            ["faithfulness"] = result.Faithfulness is { } f ? FaithfulnessJson(f) : null,
            ["result"] = new JsonObject
            {
                ["target"] = e.Target,
                ["target_label"] = e.ClassName(e.Target),
                ["unoccluded_value"] = e.UnoccludedValue,
                ["unoccluded_probability"] = e.UnoccludedProbability,
                ["top_classes"] = new JsonArray(e.TopClasses.Select(c => (JsonNode)new JsonObject { ["index"] = c.Index, ["label"] = e.ClassName(c.Index), ["probability"] = c.Probability, ["logit"] = c.Logit }).ToArray()),
                ["heatmap_shape"] = e.PositionValues is null ? Json([e.Grid.Rows, e.Grid.Columns]) : null,
                ["position_values"] = e.PositionValues is { } pv ? Json(pv) : null,
                ["heatmap_min"] = min,
                ["heatmap_max"] = max,
                ["value_label"] = ValueLabel(e, e.Target),
                ["targets"] = new JsonArray(e.Maps.Select(m => (JsonNode)TargetJson(e, m)).ToArray()),
                ["heatmaps"] = e.Maps.Count > 1 && e.PositionValues is null ? "heatmaps.npy: float32 [targets, rows, columns], targets in the order of \"targets\"" : null,
                ["pixel_map"] = p.Job.PerPixel ? "heatmap-pixels.npy: float32 [height, width] of the model input, each pixel the mean of the cells whose patch covers it, NaN where none does" : null,
                ["covered_pixels"] = Json([e.Grid.CoveredHeight, e.Grid.CoveredWidth]),
                ["grid"] = "cell (i, j) has the patch's top-left corner at (i*stride_y, j*stride_x); rows = floor((H-h+1)/stride_y), columns = floor((W-w+1)/stride_x)",
            },
        };
        return doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static JsonObject TargetJson(Explanation e, TargetMap m)
    {
        var (min, max) = m.Range;
        return new JsonObject
        {
            ["index"] = m.Target,
            ["label"] = e.ClassName(m.Target),
            ["unoccluded_value"] = m.UnoccludedValue,
            ["unoccluded_probability"] = m.UnoccludedProbability,
            ["min"] = min,
            ["max"] = max,
        };
    }

    /// <summary>The deletion curve as explanation.json records it.</summary>
    public static JsonObject FaithfulnessJson(FaithfulnessResult f) => new()
    {
        ["deletion_auc"] = f.DeletionAuc,
        ["random_auc"] = f.RandomAuc,
        ["steps"] = f.Steps,
        ["cells"] = f.Cells,
        ["target"] = f.Target,
        ["fractions"] = new JsonArray(f.Fractions.Select(v => (JsonNode)v).ToArray()),
        ["curve"] = Json(f.Curve),
        ["random_curve"] = Json(f.RandomCurve),
        ["random_orders"] = f.RandomAucs.Length,
        ["random_aucs"] = new JsonArray(f.RandomAucs.Select(v => (JsonNode)v).ToArray()),
        ["seed"] = f.Seed,
        ["batch_size"] = f.BatchSize,
        ["seconds"] = f.Time.TotalSeconds,
        ["method"] = "cells occluded cumulatively (union of their patches, same fill), most sensitive first (largest drop), vs. random orders averaged; areas by the trapezoid rule over the fraction of cells occluded; lower deletion_auc = more faithful",
    };

    private static JsonArray Json(IEnumerable<int> values) => new(values.Select(v => (JsonNode)v).ToArray());

    private static JsonArray Json(IEnumerable<float> values) => new(values.Select(v => (JsonNode)v).ToArray());
}
