using System.Globalization;
using System.Runtime.InteropServices;
using Krypton.Explain;
using Krypton.Imaging;
using Krypton.IO;
using Krypton.Spec;

namespace Krypton.Output;

/// <summary>
/// The files of one explanation: heatmap.npy, heatmap.csv, overlay.png and explanation.json (with
/// several targets also heatmaps.npy and overlay-K.png; heatmap-pixels.npy when asked; positions.csv
/// for explicit positions), and the HTML report when one is asked for.
/// </summary>
public static class ExplanationFiles
{
    /// <summary>Most per-target overlays written for several targets (overlay-K.png, the most likely targets); heatmaps.npy holds every map.</summary>
    public const int MaxTargetOverlays = 16;

    /// <summary>
    /// Writes the files into <paramref name="outDir"/> and returns their names, in the order written.
    /// The single-map files show the primary target. Everything is rendered in memory first and each
    /// file is written to a temporary name and renamed, so a failure leaves the folder as it was and
    /// no reader ever sees half a file; explanation.json comes last.
    /// </summary>
    public static IReadOnlyList<string> Write(ExplanationOutput output, string outDir)
    {
        var rendering = System.Diagnostics.Stopwatch.StartNew();
        var e = output.Explanation;
        var written = new List<string>();
        Directory.CreateDirectory(outDir);
        int rows = e.Grid.Rows, cols = e.Grid.Columns;

        if (e.PositionValues is { } values)
        {
            // Interactive use: values at the positions asked for, no grid.
            // One value column per target: "value" for one, "value_K" for each of several.
            var columns = e.Maps.Count == 1 ? [values] : e.Maps.Select(m => m.PositionValues!).ToArray();
            var csvLines = new List<string> { "y,x," + (e.Maps.Count == 1 ? "value" : string.Join(',', e.Maps.Select(m => $"value_{m.Target}"))) };
            csvLines.AddRange(e.Spec.Positions!.Select((q, i) => $"{q.Y},{q.X}," + string.Join(',', columns.Select(c => c[i].ToString("R", CultureInfo.InvariantCulture)))));
            string provenance = ProvenanceJson.Render(output, rendering.Elapsed);
            AtomicFile.WriteAllText(Path.Combine(outDir, "positions.csv"), string.Join('\n', csvLines) + "\n");
            written.Add("positions.csv");
            RemoveStaleOutputs(outDir, written);
            AtomicFile.WriteAllText(Path.Combine(outDir, "explanation.json"), provenance);
            written.Add("explanation.json");
            return written;
        }

        // Render everything first, so a failure leaves the folder as it was.
        double? shared = SharedScale(output);
        var targetOverlays = output.DisplayImage is null || e.Maps.Count == 1 ? []
            : e.MostLikely(MaxTargetOverlays).Select(m => (m.Target, Png: OverlayFor(output, m, shared))).ToList();
        // The primary target's overlay is among those when it is one of the most likely: rendered once.
        byte[]? overlay = output.DisplayImage is null ? null
            : targetOverlays.FirstOrDefault(o => o.Target == e.Target).Png ?? OverlayFor(output, e.Primary, shared);
        (FramedImage Framed, float[] Map, byte[]? Overlay)? original = output.OnOriginal && output.Run.Framed is { } framed ? OnOriginal(output, framed, shared) : null;
        string csv = HeatmapCsv.Format(e.HeatMap, rows, cols);
        string json = ProvenanceJson.Render(output, rendering.Elapsed);
        string? report = output.ReportFile is null ? null : HtmlReport.Render(ReportContentOf(output, overlay) with
        {
            OtherTargets = targetOverlays.Where(o => o.Target != e.Target).Select(o => new TargetOverlay(o.Target, ValueLabel(e, o.Target), o.Png)).ToList(),
        });

        NpyFile.Write(Path.Combine(outDir, "heatmap.npy"), e.HeatMap, [rows, cols]);
        written.Add("heatmap.npy");
        if (e.Maps.Count > 1)
        {
            NpyFile.Write(Path.Combine(outDir, "heatmaps.npy"), e.Maps.SelectMany(m => m.HeatMap).ToArray(), [e.Maps.Count, rows, cols]);
            written.Add("heatmaps.npy");
        }
        if (output.PerPixel)
        {
            NpyFile.Write(Path.Combine(outDir, "heatmap-pixels.npy"), e.Grid.PerPixel(e.HeatMap), [e.Grid.ImageHeight, e.Grid.ImageWidth]);
            written.Add("heatmap-pixels.npy");
        }
        if (original is { } o)
        {
            NpyFile.Write(Path.Combine(outDir, "heatmap-original.npy"), o.Map, [o.Framed.OriginalHeight, o.Framed.OriginalWidth]);
            written.Add("heatmap-original.npy");
            if (o.Overlay is { } png)
            {
                AtomicFile.WriteAllBytes(Path.Combine(outDir, "overlay-original.png"), png);
                written.Add("overlay-original.png");
            }
        }
        AtomicFile.WriteAllText(Path.Combine(outDir, "heatmap.csv"), csv);
        written.Add("heatmap.csv");
        if (overlay is not null)
        {
            AtomicFile.WriteAllBytes(Path.Combine(outDir, "overlay.png"), overlay);
            written.Add("overlay.png");
        }
        foreach (var (target, png) in targetOverlays)
        {
            string name = $"overlay-{target}.png";
            AtomicFile.WriteAllBytes(Path.Combine(outDir, name), png);
            written.Add(name);
        }
        RemoveStaleOutputs(outDir, written);
        AtomicFile.WriteAllText(Path.Combine(outDir, "explanation.json"), json);
        written.Add("explanation.json");
        if (report is not null)
        {
            string path = Path.GetFullPath(output.ReportFile!);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            AtomicFile.WriteAllText(path, report);
        }
        return written;
    }

    /// <summary>
    /// Deletes the files an earlier run wrote into the folder that this run does not (heatmaps.npy
    /// of a run with several targets, say), so the folder holds one run's files only. Only names
    /// this tool writes are touched. Runs before explanation.json is written, which comes last.
    /// </summary>
    private static void RemoveStaleOutputs(string outDir, IReadOnlyCollection<string> written)
    {
        string[] ours = ["heatmap.npy", "heatmaps.npy", "heatmap-pixels.npy", "heatmap-original.npy", "heatmap.csv", "positions.csv", "overlay.png", "overlay-original.png"];
        foreach (var file in Directory.EnumerateFiles(outDir).Select(Path.GetFileName).OfType<string>().ToList())
        {
            bool targetOverlay = file.StartsWith("overlay-", StringComparison.Ordinal) && file.EndsWith(".png", StringComparison.Ordinal)
                && int.TryParse(file["overlay-".Length..^".png".Length], NumberStyles.None, CultureInfo.InvariantCulture, out _);
            if ((ours.Contains(file) || targetOverlay) && !written.Contains(file))
                File.Delete(Path.Combine(outDir, file));
        }
    }

    /// <summary>What the HTML report of a result shows; <paramref name="overlay"/> is the overlay PNG, when there is one.</summary>
    public static ReportContent ReportContentOf(ExplanationOutput output, byte[]? overlay)
    {
        var e = output.Explanation;
        var run = output.Run;
        var inv = CultureInfo.InvariantCulture;
        string normalization = run.Normalization is { } n
            ? $"mean {string.Join(", ", n.Mean.Select(v => v.ToString(inv)))}, std {string.Join(", ", n.Std.Select(v => v.ToString(inv)))}"
            : "not stated (a tensor used as is)";
        var provenance = new ReportProvenance(
            run.ModelText, run.ModelFile, run.ModelSha256,
            run.InputFile, run.InputSha256, run.InputKind, normalization,
            ToolVersions.Krypton ?? "unknown", ToolVersions.OnnxRuntime ?? "unknown",
            run.Resources.Execution.Device.ToString(), run.Resources.Execution.EffectiveThreads,
            $"{RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}, {RuntimeInformation.FrameworkDescription}, {Environment.ProcessorCount} processors",
            run.CommandLine, run.RequestedMode.ToString().ToLowerInvariant(), run.LoadTime, DateTime.UtcNow);
        return new ReportContent(e, provenance, output.DisplayImage is { } image ? HtmlReport.ImagePng(image) : null, overlay, ValueLabel(e, e.Target), output.Faithfulness);
    }

    /// <summary>The colour-bar label of a target's map: what the values mean, with units.</summary>
    public static string ValueLabel(Explanation e, int targetIndex)
    {
        string target = TargetText(e, targetIndex);
        return e.Spec.Value switch
        {
            ValueKind.Probability => $"probability of {target} under occlusion",
            ValueKind.Logit => $"logit of {target} under occlusion",
            ValueKind.Delta => $"drop in the model's output for {target}",
            _ => $"drop in probability of {target}",
        };
    }

    /// <summary>
    /// The absolute scale every overlay of the result is drawn on, or null for each its own: the
    /// run's (a folder's), else, for several targets of one sweep, the largest of theirs, so that a
    /// class at p = 0.003 looks as faint as it is beside one at 0.98.
    /// </summary>
    public static double? SharedScale(ExplanationOutput output)
    {
        var e = output.Explanation;
        return output.Overlay.Scale == ScaleKind.Absolute
            ? output.Overlay.SharedMax ?? (e.Maps.Count > 1 ? e.Maps.Max(m => Importance.AbsoluteScale(e, m)) : null)
            : null;
    }

    /// <summary>The scale a target's overlay is drawn on (<see cref="ScaleKind"/>), given the run's shared absolute scale, if any.</summary>
    public static OverlayScale ScaleOf(Explanation e, TargetMap map, OverlayOptions options, double? shared = null)
    {
        var changes = Importance.Changes(e, map);
        double absolute = Importance.AbsoluteScale(e, map);
        double max = options.Scale == ScaleKind.Relative ? Importance.LargestChange(changes) : shared ?? absolute;
        if (!(max > 0))
            max = absolute > 0 ? absolute : 1;   // nothing changes and nothing to compare with: any scale draws nothing
        return new OverlayScale(max, Importance.RaisesAnywhere(changes, max));
    }

    /// <summary>What a target's overlay says: the colour bar's label, the target and its unoccluded value, and notes for a relative scale or a flat map.</summary>
    public static OverlayText TextOf(Explanation e, TargetMap map, OverlayScale scale, OverlayOptions options)
    {
        var inv = CultureInfo.InvariantCulture;
        string units = UnitsOf(e.Spec.Value);
        string target = TargetText(e, map.Target);
        double unoccluded = e.Spec.Value is ValueKind.Probability or ValueKind.Drop ? map.UnoccludedProbability : map.UnoccludedValue;
        var notes = new List<string>();
        if (options.Scale == ScaleKind.Relative)
            notes.Add(string.Create(inv, $"relative scale: stretched to this map's largest change ({scale.Max:0.####})"));
        if (Importance.IsFlat(e, map))
            notes.Add(string.Create(inv, $"flat map: no region matters (changes span {Importance.Span(Importance.Changes(e, map)):0.####}, under {Importance.FlatThreshold:P0} of {Importance.AbsoluteScale(e, map):0.####})"));
        return new OverlayText(
            scale.Diverging ? $"drop in {units} when occluded (below 0: occlusion raises it)" : $"drop in {units} when occluded",
            string.Create(inv, $"{target}: {units} {unoccluded:0.###} without occlusion"),
            notes);
    }

    private static string UnitsOf(ValueKind value) => value switch
    {
        ValueKind.Logit => "logit",
        ValueKind.Delta => "model output",
        _ => "probability",
    };

    private static string TargetText(Explanation e, int targetIndex) =>
        e.ClassName(targetIndex) is { } name ? $"class {targetIndex} ({name})" : $"class {targetIndex}";

    /// <summary>The longer side of overlay-original.png at most: a photo's overlay is for looking at.</summary>
    public const int OriginalOverlaySide = 1600;

    /// <summary>
    /// The primary map carried back onto the original picture: the per-pixel map at the picture's
    /// own size (NaN where the crop cut it away), and its overlay drawn on the picture (at most
    /// <see cref="OriginalOverlaySide"/> pixels on its longer side) on the same scale as overlay.png.
    /// </summary>
    private static (FramedImage Framed, float[] Map, byte[]? Overlay) OnOriginal(ExplanationOutput output, FramedImage framed, double? shared)
    {
        var e = output.Explanation;
        var map = framed.ToOriginal(e.Grid.PerPixel(e.HeatMap), framed.OriginalWidth, framed.OriginalHeight);
        double shrink = Math.Min(1, OriginalOverlaySide / (double)Math.Max(framed.OriginalWidth, framed.OriginalHeight));
        int w = Math.Max(1, (int)Math.Round(framed.OriginalWidth * shrink)), h = Math.Max(1, (int)Math.Round(framed.OriginalHeight * shrink));
        var picture = ImageLoader.Load(output.Run.InputFile).Resize(w, h);
        var scale = ScaleOf(e, e.Primary, output.Overlay, shared);
        var text = TextOf(e, e.Primary, scale, output.Overlay);
        // The cells' geometry in the model input's pixels, moved back through the crop and the resize.
        var geometry = GeometryOf(e).Scaled(w / (double)framed.ResizedWidth, h / (double)framed.ResizedHeight, framed.CropLeft, framed.CropTop);
        var png = OverlayRenderer.Render(picture, Importance.Changes(e, e.Primary), e.Grid.Rows, e.Grid.Columns, geometry, scale,
            text with { Notes = [.. text.Notes ?? [], $"the original {framed.OriginalWidth}x{framed.OriginalHeight} picture; uncoloured where the crop cut it away"] });
        return (framed, map, png);
    }

    private static OverlayGeometry GeometryOf(Explanation e) =>
        new(e.Spec.Patch.Height, e.Spec.Patch.Width, e.Spec.Stride.Height, e.Spec.Stride.Width);

    private static byte[] OverlayFor(ExplanationOutput output, TargetMap map, double? shared)
    {
        var e = output.Explanation;
        var scale = ScaleOf(e, map, output.Overlay, shared);
        return OverlayRenderer.Render(output.DisplayImage!, Importance.Changes(e, map), e.Grid.Rows, e.Grid.Columns,
            GeometryOf(e), scale, TextOf(e, map, scale, output.Overlay));
    }
}
