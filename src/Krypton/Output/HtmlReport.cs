using System.Globalization;
using System.Net;
using System.Text;
using Krypton.Imaging;
using SkiaSharp;
using Krypton.Explain;
using Krypton.Quality;
using Krypton.Spec;

namespace Krypton.Output;

/// <summary>
/// Renders a result as one self-contained HTML page: images inline as data: URIs, inline CSS and
/// SVG, no scripts, fonts or other requests (its Content-Security-Policy forbids them), so the
/// file can be mailed or archived and opens offline. Every text that comes from the user or the
/// model (file names, command line, class labels) is HTML-escaped.
/// </summary>
public static class HtmlReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The PNG of an image (8 bits per channel), for <see cref="ReportContent.InputPng"/>.</summary>
    public static byte[] ImagePng(LoadedImage image)
    {
        using var bitmap = image.ToBitmap8();
        using var encoded = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return encoded.ToArray();
    }

    /// <summary>The page, as text. Pure: the same content gives the same page.</summary>
    public static string Render(ReportContent content)
    {
        var e = content.Explanation;
        var p = content.Provenance;
        if (e.HeatMap.Length == 0)
            throw new KryptonException("a report needs a heat map; explicit positions have none");
        var regions = Sensitivity.TopRegions(e, content.TopRegions);
        string dropUnit = e.Spec.Value switch { ValueKind.Logit => "logit", ValueKind.Delta => "output", _ => "probability" };
        var html = new StringBuilder();
        string title = $"Occlusion heat map of {p.Input} under {p.Model}";

        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<meta name=\"generator\" content=\"Krypton.NET ").Append(Esc(p.ToolVersion)).Append("\">\n")
            .Append("<title>").Append(Esc(title)).Append("</title>\n<style>\n").Append(Css).Append("</style>\n</head>\n<body>\n");

        html.Append("<h1>Occlusion heat map</h1>\n<p class=\"lead\">")
            .Append(Esc(p.Input)).Append(" under ").Append(Esc(p.Model)).Append(": explaining class ")
            .Append(ClassText(e, e.Target)).Append(", probability ").Append(Pct(e.UnoccludedProbability))
            .Append(" without occlusion. Heat map: ").Append(Esc(content.ValueLabel)).Append("; patch ")
            .Append(Esc(e.Spec.Patch.ToString())).Append(", stride ").Append(Esc(e.Spec.Stride.ToString()))
            .Append(", fill ").Append(Esc(e.Spec.Fill.ToString())).Append(".</p>\n");

        // Figures: the image as the model saw it, the top regions drawn over it, the overlay.
        int w = e.Grid.ImageWidth, h = e.Grid.ImageHeight;
        html.Append("<div class=\"figures\">\n");
        if (content.InputPng is { } inputPng)
        {
            string uri = DataUri(inputPng);
            html.Append("<figure>\n<img id=\"input-image\" class=\"picture\" src=\"").Append(uri)
                .Append("\" alt=\"the input image as the model saw it\" width=\"").Append(w).Append("\" height=\"").Append(h).Append("\">\n")
                .Append("<figcaption>The input as the model saw it (").Append(w).Append('×').Append(h).Append(")</figcaption>\n</figure>\n");
            html.Append("<figure>\n<div class=\"stack\">\n<img id=\"regions-image\" class=\"picture\" src=\"").Append(uri)
                .Append("\" alt=\"the input image with its most sensitive regions\" width=\"").Append(w).Append("\" height=\"").Append(h).Append("\">\n");
            RegionsSvg(html, regions, w, h);
            html.Append("</div>\n<figcaption>The ").Append(regions.Count).Append(" most sensitive regions, numbered by rank</figcaption>\n</figure>\n");
        }
        else
            html.Append("<p class=\"note\">The input has no picture to show (it is not a 1- or 3-channel image).</p>\n");
        if (content.OverlayPng is { } overlayPng)
            html.Append("<figure class=\"wide\">\n<img id=\"overlay\" src=\"").Append(DataUri(overlayPng))
                .Append("\" alt=\"the heat map over the image, with its colour bar\">\n<figcaption>")
                .Append("How much the prediction depends on each region: the drop when a patch covers it, transparent where nothing changes (the image in gray; colour bar on the right). Map values: ")
                .Append(Esc(content.ValueLabel)).Append("</figcaption>\n</figure>\n");
        html.Append("</div>\n");
        if (Importance.IsFlat(e, e.Primary))
            html.Append("<p class=\"note\" id=\"flat-map\"><strong>Flat map:</strong> no region matters more than another: the changes span ")
                .Append(Num(Importance.Span(Importance.Changes(e, e.Primary)))).Append(", less than ").Append(Num(Importance.FlatThreshold * 100)).Append(" % of ")
                .Append(Num(Importance.AbsoluteScale(e, e.Primary))).Append(". Occluding any patch of this size hardly moves the prediction; a larger patch, another fill or another target may.</p>\n");
        if (content.OtherTargets is { Count: > 0 } others)
        {
            html.Append("<h2>Other targets</h2>\n<p>The same sweep computed these classes' maps, drawn on the target's scale unless the scale is relative.</p>\n<div class=\"figures\" id=\"other-targets\">\n");
            foreach (var o in others)
                html.Append("<figure class=\"wide\">\n<img src=\"").Append(DataUri(o.Png)).Append("\" alt=\"heat map of class ").Append(o.Target)
                    .Append(" over the image\">\n<figcaption>").Append(Esc(o.ValueLabel)).Append("</figcaption>\n</figure>\n");
            html.Append("</div>\n");
        }

        // Prediction.
        html.Append("<h2>Prediction</h2>\n<table id=\"prediction\">\n<thead><tr><th>rank</th><th>class</th><th>label</th><th>probability</th><th>logit</th></tr></thead>\n<tbody>\n");
        int rank = 0;
        foreach (var c in e.TopClasses)
        {
            html.Append(c.Index == e.Target ? "<tr class=\"target\">" : "<tr>")
                .Append("<td>").Append(++rank).Append("</td><td>").Append(c.Index).Append("</td><td>")
                .Append(Esc(e.ClassName(c.Index) ?? "")).Append("</td><td>").Append(Pct(c.Probability))
                .Append("</td><td>").Append(Num(c.Logit)).Append("</td></tr>\n");
        }
        html.Append("</tbody>\n</table>\n");
        if (!e.TopClasses.Any(c => c.Index == e.Target))
            html.Append("<p>The explained class ").Append(ClassText(e, e.Target)).Append(" is not among the top classes.</p>\n");

        // Most sensitive regions.
        html.Append("<h2>Most sensitive regions</h2>\n<p>Cells ranked by the ").Append(dropUnit)
            .Append(" drop they cause: the target's ").Append(dropUnit).Append(" without occlusion (")
            .Append(Num(e.Spec.Value is ValueKind.Logit or ValueKind.Delta ? e.UnoccludedValue : e.UnoccludedProbability))
            .Append(") minus its value with the patch occluded.</p>\n")
            .Append("<table id=\"regions\">\n<thead><tr><th>rank</th><th>cell (row, column)</th><th>patch top-left (y, x)</th><th>patch size</th><th>")
            .Append(dropUnit).Append(" drop</th><th>").Append(dropUnit).Append(" when occluded</th></tr></thead>\n<tbody>\n");
        foreach (var r in regions)
            html.Append("<tr><td>").Append(r.Rank).Append("</td><td>(").Append(r.Row).Append(", ").Append(r.Column)
                .Append(")</td><td>(").Append(r.Y).Append(", ").Append(r.X).Append(")</td><td>").Append(r.Height).Append('×').Append(r.Width)
                .Append("</td><td>").Append(Num(r.Drop)).Append("</td><td>").Append(Num(r.Value)).Append("</td></tr>\n");
        html.Append("</tbody>\n</table>\n");

        if (content.Faithfulness is { } f)
            FaithfulnessSection(html, f);

        // Spec, plan, timings, provenance.
        var s = e.Spec;
        html.Append("<h2>Experiment</h2>\n<table id=\"spec\" class=\"facts\">\n<tbody>\n");
        Row(html, "patch", s.Patch.ToString());
        Row(html, "stride", s.Stride.ToString());
        Row(html, "fill", s.Fill switch
        {
            BlurFill blur => $"{s.Fill} (the image itself, blurred with a Gaussian of σ {Num(blur.SigmaFor(s.Patch))} pixels)",
            BaselineFill or BaselineTensorFill => $"{s.Fill} (its pixels replace the image's under the patch)",
            _ => $"{s.Fill} (model space: {string.Join(", ", e.FillValues.Select(Num))})",
        });
        Row(html, "target", s.Target is null ? $"{e.Target} (the predicted class)" : $"{e.Target}");
        Row(html, "value", content.ValueLabel);
        Row(html, "region of interest", s.RegionOfInterest is { } roi ? $"y {roi.Y}, x {roi.X}, {roi.Height}×{roi.Width}" : "the whole image");
        Row(html, "heat map", $"{e.Grid.Rows}×{e.Grid.Columns} cells, {e.Positions} computed");
        Row(html, "mode", e.FallbackReason is { } why ? $"{e.Mode} (asked for {p.RequestedMode}; fell back because {why})" : $"{e.Mode} (asked for {p.RequestedMode})");
        if (e.Plan is { } plan && (plan.Quality is not null || !plan.Approximation.IsExact))
            Row(html, "approximation", (plan.Approximation.IsExact ? "none (exact)" : $"{plan.Approximation}: an approximate heat map") +
                (plan.Quality is { } q ? $"; quality asked: SSIM ≥ {Num(q)}" : "") +
                (plan.PredictedSsim is { } predicted ? $", predicted {Num(predicted)}" : "") + $" ({plan.Reason})");
        Row(html, "batch size", $"{e.BatchSize} positions per inference call");
        html.Append("</tbody>\n</table>\n");

        html.Append("<h2>Timings</h2>\n<table id=\"timings\" class=\"facts\">\n<tbody>\n");
        Row(html, "load model and input", Seconds(p.LoadTime));
        Row(html, "compile", Seconds(e.Timings.Compile));
        Row(html, "unoccluded inference", Seconds(e.Timings.Unoccluded));
        Row(html, "occlusion sweep", $"{Seconds(e.Timings.Sweep)} ({e.Timings.PositionsPerSecond(e.Positions).ToString("0.#", Inv)} positions per second)");
        Row(html, "total", Seconds(p.LoadTime + e.Timings.Total));
        if (content.Faithfulness is { } ft)
            Row(html, "faithfulness", $"{Seconds(ft.Time)} (batch {ft.BatchSize})");
        Row(html, "peak memory", (e.PeakMemoryBytes / (1024.0 * 1024.0)).ToString("0.#", Inv) + " MiB");
        html.Append("</tbody>\n</table>\n");

        html.Append("<h2>Provenance</h2>\n<table id=\"provenance\" class=\"facts\">\n<tbody>\n");
        Row(html, "model", p.Model);
        if (p.ModelFile is not null) Row(html, "model file", p.ModelFile);
        if (p.ModelSha256 is not null) Row(html, "model SHA-256", p.ModelSha256, code: true);
        Row(html, "input file", p.Input);
        if (p.InputSha256 is not null) Row(html, "input SHA-256", p.InputSha256, code: true);
        Row(html, "input", p.InputKind);
        Row(html, "normalization", p.Normalization);
        Row(html, "tool", $"Krypton.NET {p.ToolVersion}, ONNX Runtime {p.OnnxRuntimeVersion}");
        Row(html, "device", $"{p.Device}, {p.Threads} thread(s)");
        Row(html, "machine", p.Machine);
        Row(html, "command line", p.CommandLine is null ? "(library call)" : "krypton " + p.CommandLine, code: p.CommandLine is not null);
        Row(html, "created", p.CreatedUtc.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", Inv));
        html.Append("</tbody>\n</table>\n</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>Numbered rectangles in image pixels, laid over the picture (same box, viewBox in pixels).</summary>
    private static void RegionsSvg(StringBuilder html, IReadOnlyList<SensitiveRegion> regions, int w, int h)
    {
        double stroke = Math.Max(w, h) / 160.0, font = Math.Max(w, h) / 20.0;
        html.Append("<svg id=\"regions-overlay\" class=\"over\" viewBox=\"0 0 ").Append(w).Append(' ').Append(h)
            .Append("\" preserveAspectRatio=\"none\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"most sensitive regions\">\n");
        // Drawn in reverse so that rank 1 ends on top.
        foreach (var r in regions.Reverse())
        {
            html.Append("<g class=\"region\"><rect x=\"").Append(Num(r.X + stroke / 2)).Append("\" y=\"").Append(Num(r.Y + stroke / 2))
                .Append("\" width=\"").Append(Num(r.Width - stroke)).Append("\" height=\"").Append(Num(r.Height - stroke))
                .Append("\" fill=\"none\" stroke=\"#ff1f5a\" stroke-width=\"").Append(Num(stroke)).Append("\"/>")
                .Append("<rect x=\"").Append(r.X).Append("\" y=\"").Append(r.Y).Append("\" width=\"").Append(Num(font * 0.75 * r.Rank.ToString(Inv).Length + font * 0.3))
                .Append("\" height=\"").Append(Num(font * 1.1)).Append("\" fill=\"#ff1f5a\"/>")
                .Append("<text x=\"").Append(Num(r.X + font * 0.15)).Append("\" y=\"").Append(Num(r.Y + font * 0.9)).Append("\" font-size=\"").Append(Num(font))
                .Append("\" fill=\"#fff\" font-family=\"sans-serif\" font-weight=\"bold\">").Append(r.Rank).Append("</text></g>\n");
        }
        html.Append("</svg>\n");
    }

    private static void FaithfulnessSection(StringBuilder html, FaithfulnessResult f)
    {
        html.Append("<h2>Faithfulness: deletion and insertion</h2>\n<p>The map's pixels in order of importance (each pixel the mean change of the cells covering it), ")
            .Append(Num(100.0 / f.Steps)).Append(" % of the ").Append(f.Pixels).Append(" covered pixels per step. <strong>Deletion</strong> fills them, most important first: ")
            .Append("a map that points at what the model uses makes the probability of class ").Append(f.Target).Append(" fall fast (a small area). ")
            .Append("<strong>Insertion</strong> starts from the filled image and restores them: the probability comes back fast (a large area). ")
            .Append("The baseline is ").Append(f.RandomMaps).Append(" random maps (this map's cell values shuffled over its cells, seed ").Append(f.Seed)
            .Append("); beating all of them on a curve happens by chance once in ").Append(f.RandomMaps + 1).Append(".</p>\n");
        html.Append("<table id=\"faithfulness\" class=\"facts\">\n<tbody>\n");
        Row(html, "deletion area", $"{Num(f.DeletionAuc)} (random maps: {Num(f.Deletion.RandomAuc)} ± {Num(f.Deletion.RandomSpread)}; beaten: {f.DeletionWins} of {f.RandomMaps})");
        Row(html, "insertion area", $"{Num(f.InsertionAuc)} (random maps: {Num(f.Insertion.RandomAuc)} ± {Num(f.Insertion.RandomSpread)}; beaten: {f.InsertionWins} of {f.RandomMaps})");
        Row(html, "verdict", f.Verdict);
        html.Append("</tbody>\n</table>\n<div class=\"figures\">\n");
        CurveChart(html, "deletion-chart", "deletion", "fraction of pixels filled", f.Fractions, f.Deletion, f.Target);
        CurveChart(html, "insertion-chart", "insertion", "fraction of pixels restored", f.Fractions, f.Insertion, f.Target);
        html.Append("</div>\n");
    }

    private static void CurveChart(StringBuilder html, string id, string kind, string xLabel, double[] fractions, FaithfulnessCurves c, int target)
    {
        const int W = 480, H = 280, L = 52, R = 16, T = 16, B = 44;
        double yMax = Math.Max(1.0, Math.Max(c.HeatMap.Max(), c.Random.Max()));
        string X(double v) => Num(L + v * (W - L - R));
        string Y(double v) => Num(T + (1 - v / yMax) * (H - T - B));
        string Points(float[] curve) => string.Join(' ', curve.Select((v, i) => $"{X(fractions[i])},{Y(v)}"));
        html.Append("<svg id=\"").Append(id).Append("\" width=\"").Append(W).Append("\" height=\"").Append(H).Append("\" viewBox=\"0 0 ").Append(W).Append(' ').Append(H)
            .Append("\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"").Append(kind).Append(" curves\" font-family=\"sans-serif\" font-size=\"12\">\n");
        for (int i = 0; i <= 4; i++)
        {
            double v = i / 4.0;
            html.Append("<line x1=\"").Append(X(0)).Append("\" x2=\"").Append(X(1)).Append("\" y1=\"").Append(Y(v * yMax)).Append("\" y2=\"").Append(Y(v * yMax))
                .Append("\" stroke=\"#ddd\"/>")
                .Append("<text x=\"").Append(L - 6).Append("\" y=\"").Append(Y(v * yMax)).Append("\" text-anchor=\"end\" dominant-baseline=\"middle\">").Append(Num(v * yMax)).Append("</text>")
                .Append("<text x=\"").Append(X(v)).Append("\" y=\"").Append(H - B + 16).Append("\" text-anchor=\"middle\">").Append(Num(v)).Append("</text>\n");
        }
        // The legend sits where the curves are not: top right for deletion (they fall), bottom right for insertion (they rise).
        int legendY = kind == "deletion" ? T + 8 : H - B - 48;
        html.Append("<rect x=\"").Append(L).Append("\" y=\"").Append(T).Append("\" width=\"").Append(W - L - R).Append("\" height=\"").Append(H - T - B).Append("\" fill=\"none\" stroke=\"#444\"/>\n")
            .Append("<text x=\"").Append(X(0.5)).Append("\" y=\"").Append(H - 6).Append("\" text-anchor=\"middle\">").Append(xLabel).Append("</text>\n")
            .Append("<text transform=\"rotate(-90)\" x=\"").Append(-(T + (H - T - B) / 2)).Append("\" y=\"14\" text-anchor=\"middle\">probability of class ").Append(target).Append("</text>\n")
            .Append("<polyline class=\"random\" points=\"").Append(Points(c.Random)).Append("\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>\n")
            .Append("<polyline class=\"").Append(kind).Append("\" points=\"").Append(Points(c.HeatMap)).Append("\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2.5\"/>\n")
            .Append("<g transform=\"translate(").Append(W - R - 236).Append(',').Append(legendY).Append(")\"><rect width=\"228\" height=\"40\" fill=\"#fff\" stroke=\"#ccc\"/>")
            .Append("<line x1=\"8\" x2=\"32\" y1=\"13\" y2=\"13\" stroke=\"#d62728\" stroke-width=\"2.5\"/><text x=\"38\" y=\"17\">").Append(kind).Append(", map order: ").Append(Num(c.HeatMapAuc)).Append("</text>")
            .Append("<line x1=\"8\" x2=\"32\" y1=\"30\" y2=\"30\" stroke=\"#1f77b4\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/><text x=\"38\" y=\"34\">random maps (mean): ").Append(Num(c.RandomAuc)).Append("</text></g>\n")
            .Append("</svg>\n");
    }

    private static void Row(StringBuilder html, string name, string value, bool code = false) =>
        html.Append("<tr><th>").Append(Esc(name)).Append("</th><td>").Append(code ? "<code>" : "").Append(Esc(value)).Append(code ? "</code>" : "").Append("</td></tr>\n");

    private static string ClassText(Explanation e, int index) =>
        e.ClassName(index) is { } name ? $"{index} ({Esc(name)})" : index.ToString(Inv);

    /// <summary>Escapes text for HTML content and attribute values.</summary>
    public static string Esc(string text) => WebUtility.HtmlEncode(text);

    private static string DataUri(byte[] png) => "data:image/png;base64," + Convert.ToBase64String(png);

    private static string Num(double v) => double.IsFinite(v) ? v.ToString("0.####", Inv) : "n/a";

    private static string Num(float v) => Num((double)v);

    private static string Pct(float v) => (v * 100).ToString("0.0", Inv) + "%";

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.000", Inv) + " s";

    private const string Css = """
        body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 24px auto; max-width: 1120px; padding: 0 16px; color: #1d1d1f; background: #fff; }
        h1 { font-size: 1.6em; margin-bottom: 0.2em; }
        h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
        .lead { color: #444; }
        .figures { display: flex; flex-wrap: wrap; gap: 20px; align-items: flex-start; }
        figure { margin: 0; }
        figcaption { font-size: 0.85em; color: #555; margin-top: 4px; max-width: 320px; }
        figure.wide figcaption { max-width: none; }
        .picture { width: 320px; height: auto; display: block; image-rendering: pixelated; border: 1px solid #ccc; }
        #overlay { max-width: 100%; display: block; border: 1px solid #ccc; }
        .stack { position: relative; width: 322px; }
        .stack svg.over { position: absolute; left: 1px; top: 1px; width: 320px; height: calc(100% - 2px); }
        table { border-collapse: collapse; margin: 8px 0; font-size: 0.92em; }
        th, td { border: 1px solid #ddd; padding: 4px 10px; text-align: left; }
        thead th { background: #f3f3f5; }
        tr.target td { font-weight: bold; background: #fff4d6; }
        table.facts th { background: #f8f8fa; font-weight: 600; white-space: nowrap; }
        code { font-size: 0.92em; word-break: break-all; }
        .note { color: #a00; }
        """;
}
