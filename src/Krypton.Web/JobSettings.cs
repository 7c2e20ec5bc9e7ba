using Krypton.Jobs;
using Krypton.Planning;
using Krypton.Spec;

namespace Krypton.Web;

/// <summary>
/// An experiment as the page and the JSON API state it: the words of <c>krypton explain</c>'s
/// options (patch "16" or "16x8", fill "gray", target "top3", roi "Y,X,H,W"...), a model and an
/// image by id. Every field has the CLI's default.
/// </summary>
public sealed record JobSettings
{
    /// <summary>Model id (GET /api/models).</summary>
    public string Model { get; init; } = "demo";

    /// <summary>Image id (GET /api/samples, POST /api/uploads); null for the built-in sample.</summary>
    public string? Image { get; init; }

    /// <summary>Patch size, N or HxW.</summary>
    public string Patch { get; init; } = "16";

    /// <summary>Stride, N or HxW.</summary>
    public string Stride { get; init; } = "4";

    /// <summary>Fill, as --fill (gray, black, white, mean, blur[:S], a pixel value, tensor:V); a baseline file is not offered.</summary>
    public string Fill { get; init; } = "gray";

    /// <summary>prob, logit, drop or delta.</summary>
    public string Value { get; init; } = "prob";

    /// <summary>full or krypton.</summary>
    public string Grid { get; init; } = "full";

    /// <summary>As --target: K, K,K, topN or all; null for the predicted class.</summary>
    public string? Target { get; init; }

    /// <summary>Region of interest Y,X,H,W in model-input pixels; null for the whole image.</summary>
    public string? Roi { get; init; }

    /// <summary>exact or naive.</summary>
    public string Mode { get; init; } = "exact";

    /// <summary>Projective-field threshold τ in (0, 1].</summary>
    public double Tau { get; init; } = 1;

    /// <summary>Adaptive drill-down's target speedup; null for none.</summary>
    public double? DrillDown { get; init; }

    /// <summary>A quality target (SSIM against the exact map) for the model's tuning profile; null to run as stated.</summary>
    public double? Quality { get; init; }

    /// <summary>fp32 or int8 (tf32, fp16 on CUDA).</summary>
    public string Precision { get; init; } = "fp32";

    /// <summary>The spec these settings state.</summary>
    /// <exception cref="KryptonException">A field is not what its option takes.</exception>
    public OcclusionSpec Spec() => new(Size2.Parse(Patch, "patch"), Size2.Parse(Stride, "stride"), ParseFill(Fill),
        string.IsNullOrWhiteSpace(Target) || Target.Trim() == "predicted" ? null : TargetSelection.Parse(Target),
        ValueKinds.Parse(Value), string.IsNullOrWhiteSpace(Roi) ? null : PixelRegion.Parse(Roi), GridKind: GridKinds.Parse(Grid));

    private static Fill ParseFill(string text) => text.Trim().StartsWith("baseline:", StringComparison.OrdinalIgnoreCase)
        ? throw new KryptonException("a baseline fill names a file on the server: not offered here (use gray, black, white, mean, blur, a pixel value or tensor:V)")
        : Krypton.Spec.Fill.Parse(text);

    /// <summary>The method these settings state.</summary>
    public MethodOptions Method() => new(ModeNames.Parse(Mode), Tau, DrillDown is { } speedup ? new Planning.DrillDown(speedup, 0.25) : null, Quality,
        Precision: PrecisionNames.Parse(Precision));

    /// <summary>The explain job: the model and image resolved through the catalogs, the server's resources, the report written beside the maps.</summary>
    /// <exception cref="KryptonException">A field is wrong or names no model or image of this server.</exception>
    public ExplainJob Job(ModelCatalog models, ImageCatalog images, ResourceOptions resources, string? reportFile = null)
    {
        var (path, _) = images.Resolve(Image);
        return new ExplainJob(models.SourceOf(Model), path, Spec())
        {
            Method = Method(),
            Resources = resources,
            ReportFile = reportFile,
            CommandLine = "krypton serve: " + Describe(),
        };
    }

    /// <summary>The settings as the options of krypton explain that give the same map (for provenance and for people).</summary>
    public string Describe()
    {
        var parts = new List<string> { $"--patch {Patch}", $"--stride {Stride}", $"--fill {Fill}", $"--value {Value}", $"--grid {Grid}", $"--mode {Mode}", $"--precision {Precision}" };
        if (!string.IsNullOrWhiteSpace(Target)) parts.Add($"--target {Target}");
        if (!string.IsNullOrWhiteSpace(Roi)) parts.Add($"--roi {Roi}");
        if (Tau != 1) parts.Add($"--tau {Tau.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        if (DrillDown is { } d) parts.Add($"--drill-down {d.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        if (Quality is { } q) parts.Add($"--quality {q.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        return $"model {Model}, image {Image ?? ImageCatalog.DefaultId}: " + string.Join(' ', parts);
    }
}
