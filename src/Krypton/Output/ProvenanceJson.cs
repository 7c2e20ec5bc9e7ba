using Krypton.Planning;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Krypton.Explain;
using Krypton.IO;
using Krypton.Quality;
using Krypton.Spec;

namespace Krypton.Output;

/// <summary>
/// explanation.json: the result with its provenance (tool, model, input, spec, plan, device,
/// timings, memory, faithfulness), enough to tell exactly what was computed and to compute it again.
/// </summary>
public static class ProvenanceJson
{
    /// <summary>
    /// A plan as explanation.json records it (and <c>krypton serve</c> shows it before a run): the
    /// method and why, the approximation, the positions, calls, memory and estimated time.
    /// </summary>
    public static JsonObject PlanJson(OcclusionPlan plan, OcclusionMode requestedMode, string? profileFile, long? memoryBudgetBytes)
    {
        var a = plan.Approximation;
        return new JsonObject
        {
            ["method"] = plan.Method,
            ["mode"] = plan.RunMode,
            ["requested_mode"] = requestedMode.ToString().ToLowerInvariant(),
            ["reason"] = plan.Reason,
            ["quality_target"] = plan.Quality,
            ["predicted_ssim"] = plan.PredictedSsim,
            ["profile"] = profileFile,
            ["tau"] = a.Tau,
            ["precision"] = a.Precision.Name(),
            ["drill_down"] = a.DrillDown is { } d ? new JsonObject { ["target_speedup"] = d.TargetSpeedup, ["fraction"] = d.Fraction, ["coarse_stride_factor"] = d.CoarseFactor(),
                ["coarse_positions"] = plan.CoarsePositions, ["refined_positions"] = plan.RefinedPositions } : null,
            ["fallback_reason"] = plan.FallbackReason,
            ["positions"] = plan.EvaluatedPositions,
            ["grid_positions"] = plan.GridPositions,
            ["batch_size"] = plan.BatchSize,
            ["inference_calls"] = plan.InferenceCalls,
            ["layer_calls"] = plan.LayerCalls,
            ["multiply_adds"] = plan.TotalMultiplyAdds,
            ["memory_budget_bytes"] = memoryBudgetBytes,
            ["estimated_batch_bytes"] = plan.EstimatedBytes,
            ["estimated_seconds"] = plan.EstimatedTime.TotalSeconds,
            ["estimate_basis"] = plan.TimeBasis,
        };
    }

    /// <summary>
    /// explanation.json of a result, as text; <paramref name="rendering"/> is the time the output
    /// files took to render before it (overlays, CSV), for the timings.
    /// </summary>
    public static string Render(ExplanationOutput output, TimeSpan rendering = default)
    {
        var e = output.Explanation;
        var run = output.Run;
        var s = e.Spec;
        var g = run.Model;
        var (min, max) = e.Range;
        var doc = new JsonObject
        {
            ["request_sha256"] = run.RequestSha256,
            ["tool"] = new JsonObject
            {
                ["name"] = "Krypton.NET",
                ["version"] = ToolVersions.Krypton,
                ["onnxruntime"] = ToolVersions.OnnxRuntime,
                ["command_line"] = run.CommandLine,
                ["created_utc"] = DateTime.UtcNow.ToString("O"),
            },
            ["model"] = new JsonObject
            {
                ["name"] = g.Name,
                ["source"] = run.ModelDescription,
                ["file"] = run.ModelFile,
                ["sha256"] = run.ModelSha256,
                ["input_shape"] = Json(g.InputShape),
                ["output_size"] = g.OutputSize,
                ["parameters"] = g.ParameterCount,
                ["multiply_adds"] = g.MultiplyAdds,
                ["class_names"] = e.Labels?.Source,
            },
            ["input"] = new JsonObject
            {
                ["file"] = run.InputFile,
                ["sha256"] = run.InputSha256,
                ["kind"] = run.InputKind,
                ["normalization"] = run.Normalization is { } n ? new JsonObject { ["mean"] = Json(n.Mean), ["std"] = Json(n.Std) } : null,
                ["framing"] = run.Framed is { } framed ? new JsonObject
                {
                    ["original_size"] = Json([framed.OriginalHeight, framed.OriginalWidth]),
                    ["resize"] = framed.Framing?.Resize,
                    ["crop"] = framed.Framing is { CropHeight: int ch, CropWidth: int cw } ? Json([ch, cw]) : null,
                    ["steps"] = framed.Steps,
                    ["notes"] = new JsonArray(framed.Notes.Select(note => (JsonNode)Term.Text(note)).ToArray()),
                } : null,
            },
            ["spec"] = new JsonObject
            {
                ["patch"] = Json([s.Patch.Height, s.Patch.Width]),
                ["stride"] = Json([s.Stride.Height, s.Stride.Width]),
                ["grid"] = GridKinds.Name(s.GridKind),
                ["fill"] = s.Fill.ToString(),
                ["fill_model_space"] = Json(e.FillValues),
                ["fill_blur_sigma"] = s.Fill is BlurFill blur ? blur.SigmaFor(s.Patch) : null,
                ["fill_sha256"] = s.Fill is BaselineFill baseline ? FileHash.Sha256(baseline.Path) : null,
                ["target"] = (s.Target ?? TargetSelection.Predicted).ToString(),
                ["value"] = s.Value.ToString().ToLowerInvariant(),
                ["region_of_interest"] = s.RegionOfInterest is { } r ? Json([r.Y, r.X, r.Height, r.Width]) : null,
                ["positions"] = s.Positions is { } list ? new JsonArray(list.Select(q => (JsonNode)Json([q.Y, q.X])).ToArray()) : null,
            },
            ["plan"] = PlanJson(e.Plan, run.RequestedMode, run.ProfileFile, run.Resources.MemoryBudgetBytes),
            ["device"] = new JsonObject
            {
                ["device"] = run.Resources.Execution.Device.ToString(),
                ["threads"] = run.Resources.Execution.EffectiveThreads,
                ["processor_count"] = Environment.ProcessorCount,
                ["os"] = RuntimeInformation.OSDescription,
                ["architecture"] = RuntimeInformation.ProcessArchitecture.ToString(),
                ["runtime"] = RuntimeInformation.FrameworkDescription,
            },
            ["timings_seconds"] = TimingsJson(e, run, rendering),
            ["peak_memory_bytes"] = e.PeakMemoryBytes,
            ["faithfulness"] = output.Faithfulness is { } f ? FaithfulnessJson(f) : null,
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
                ["value_label"] = ExplanationFiles.ValueLabel(e, e.Target),
                ["flat_map"] = e.PositionValues is null ? Importance.IsFlat(e, e.Primary) : null,
                ["flat_rule"] = e.PositionValues is null ? $"a map is flat when its changes (unoccluded minus occluded value) span less than {Importance.FlatThreshold.ToString(CultureInfo.InvariantCulture)} of its absolute scale (the unoccluded probability; for logit and delta maps the larger of |unoccluded value| and the largest change)" : null,
                ["overlay"] = e.PositionValues is null ? OverlayJson(output) : null,
                ["targets"] = new JsonArray(e.Maps.Select(m => (JsonNode)TargetJson(e, m)).ToArray()),
                ["heatmaps"] = e.Maps.Count > 1 && e.PositionValues is null ? "heatmaps.npy: float32 [targets, rows, columns], targets in the order of \"targets\"" : null,
                ["pixel_map"] = output.PerPixel ? "heatmap-pixels.npy: float32 [height, width] of the model input, each pixel the mean of the cells whose patch covers it, NaN where none does" : null,
                ["covered_pixels"] = Json([e.Grid.CoveredHeight, e.Grid.CoveredWidth]),
                ["grid"] = e.Grid.Kind == GridKind.Krypton
                    ? "krypton: cell (i, j) has the patch's top-left corner at (i*stride_y, j*stride_x); rows = floor((H-h+1)/stride_y), columns = floor((W-w+1)/stride_x), every patch whole"
                    : "full: cell (i, j) has the patch's top-left corner at (i*stride_y, j*stride_x); rows = ceil((H-h)/stride_y)+1, columns = ceil((W-w)/stride_x)+1, every pixel covered, the last patch cut off at the border where it reaches past it (as Captum's Occlusion)",
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
            ["flat_map"] = e.PositionValues is null ? Importance.IsFlat(e, m) : null,
        };
    }

    private static JsonObject OverlayJson(ExplanationOutput output)
    {
        var e = output.Explanation;
        var scale = ExplanationFiles.ScaleOf(e, e.Primary, output.Overlay, ExplanationFiles.SharedScale(output));
        return new JsonObject
        {
            ["scale"] = OverlayOptions.Name(output.Overlay.Scale),
            ["scale_max"] = scale.Max,
            ["colours"] = scale.Diverging
                ? "diverging: drops (occlusion lowers the target) red to yellow, raises blue to cyan, colour bar from -scale_max to scale_max"
                : "sequential: drops red to yellow, colour bar from 0 to scale_max",
            ["opacity"] = "transparent where nothing changes, growing with |change| / scale_max; the image in gray underneath",
        };
    }

    /// <summary>
    /// Where the time went. "total" is the job's (load and engine, as before); with the command's
    /// start known (a single-image command), "command" runs from the process's start to this file's
    /// rendering, and "unaccounted" is what no step holds (argument parsing, settings checks, the
    /// console).
    /// </summary>
    private static JsonObject TimingsJson(Explanation e, RunRecord run, TimeSpan rendering)
    {
        var t = e.Timings;
        var json = new JsonObject();
        TimeSpan? startup = run.CommandStartUtc is { } start ? run.JobStartUtc - start : null;
        if (startup is { } s) json["startup"] = s.TotalSeconds;
        json["load"] = run.LoadTime.TotalSeconds;
        json["plan"] = t.Plan.TotalSeconds;
        json["compile"] = t.Compile.TotalSeconds;
        json["unoccluded"] = t.Unoccluded.TotalSeconds;
        json["sweep"] = t.Sweep.TotalSeconds;
        json["engine_other"] = (t.Total - t.Plan - t.Compile - t.Unoccluded - t.Sweep).TotalSeconds;
        json["faithfulness"] = run.FaithfulnessTime.TotalSeconds;
        json["render_outputs"] = rendering.TotalSeconds;
        json["total"] = run.LoadTime.TotalSeconds + t.Total.TotalSeconds;
        if (run.CommandStartUtc is { } commandStart)
        {
            var command = DateTime.UtcNow - commandStart;
            json["command"] = command.TotalSeconds;
            json["unaccounted"] = (command - startup!.Value - run.LoadTime - t.Total - run.FaithfulnessTime - rendering).TotalSeconds;   // t.Total holds plan, compile, unoccluded, sweep, engine_other
        }
        json["positions_per_second"] = t.PositionsPerSecond(e.Positions);
        return json;
    }

    /// <summary>The deletion and insertion curves as explanation.json records them.</summary>
    public static JsonObject FaithfulnessJson(FaithfulnessResult f)
    {
        JsonObject Curves(FaithfulnessCurves c) => new()
        {
            ["auc"] = c.HeatMapAuc,
            ["random_auc"] = c.RandomAuc,
            ["random_auc_sd"] = c.RandomSpread,
            ["random_aucs"] = new JsonArray(c.RandomAucs.Select(v => (JsonNode)v).ToArray()),
            ["curve"] = Json(c.HeatMap),
            ["random_curve"] = Json(c.Random),
        };
        return new JsonObject
        {
            ["target"] = f.Target,
            ["pixels"] = f.Pixels,
            ["steps"] = f.Steps,
            ["fractions"] = new JsonArray(f.Fractions.Select(v => (JsonNode)v).ToArray()),
            ["deletion"] = Curves(f.Deletion),
            ["insertion"] = Curves(f.Insertion),
            ["deletion_wins"] = f.DeletionWins,
            ["insertion_wins"] = f.InsertionWins,
            ["random_maps"] = f.RandomMaps,
            ["faithful"] = f.Faithful,
            ["verdict"] = f.Verdict,
            ["seed"] = f.Seed,
            ["batch_size"] = f.BatchSize,
            ["seconds"] = f.Time.TotalSeconds,
            ["method"] = "pixels in the map's per-pixel order (each the mean change of the cells whose patch covers it, largest first), 1/steps of the covered area per step; deletion fills them with the map's fill (lower auc = more faithful), insertion starts from every covered pixel filled and restores them (higher auc = more faithful); random maps are the map's cell values shuffled over its cells; areas by the trapezoid rule over the fraction of pixels; faithful = the map beats every random map on both curves",
        };
    }

    private static JsonArray Json(IEnumerable<int> values) => new(values.Select(v => (JsonNode)v).ToArray());

    private static JsonArray Json(IEnumerable<float> values) => new(values.Select(v => (JsonNode)v).ToArray());
}
