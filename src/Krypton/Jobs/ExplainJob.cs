using Krypton.Imaging;
using Krypton.Output;
using Krypton.Planning;
using Krypton.Quality;
using Krypton.Spec;

namespace Krypton.Jobs;

/// <summary>A whole explain job: the model, the input, the spec, how to compute it and what to write besides the maps.</summary>
/// <param name="Model">Where the model comes from.</param>
/// <param name="InputFile">A picture (PNG, JPEG, BMP, WebP, TIFF) or .npy tensor; null for the built-in sample image.</param>
/// <param name="Spec">The occlusion experiment.</param>
public sealed record ExplainJob(ModelSource Model, string? InputFile, OcclusionSpec Spec)
{
    /// <summary>Input normalization; null for the model's own (the demo model's), else ImageNet's.</summary>
    public Preprocessing? Normalization { get; init; }

    /// <summary>
    /// How to compute: the mode with τ and drill-down, or a quality target (the planner then chooses
    /// them from <see cref="ProfileFile"/>). Its profile is the one the job loads, not given here.
    /// </summary>
    public MethodOptions Method { get; init; } = MethodOptions.Exact;

    /// <summary>Tuning profile (from <c>krypton tune</c>) for the quality target; null for the model's built-in one (the demo model has one), else none.</summary>
    public string? ProfileFile { get; init; }

    /// <summary>How a picture is resized and cropped to the model's size (torchvision's Resize and CenterCrop); null for the default (<see cref="Framing.DefaultFor"/>).</summary>
    public Framing? Framing { get; init; }

    /// <summary>Class names: a file with one name per line or a JSON list; null for the model's own (ONNX metadata, the demo's), else ImageNet-1k's for 1,000 outputs.</summary>
    public string? LabelsFile { get; init; }

    /// <summary>Batch size or memory budget, device and threads.</summary>
    public ResourceOptions Resources { get; init; } = ResourceOptions.Default;

    /// <summary>Where to write the HTML report; null for none.</summary>
    public string? ReportFile { get; init; }

    /// <summary>Measure the deletion curve with these options; null to skip it.</summary>
    public FaithfulnessOptions? Faithfulness { get; init; }

    /// <summary>How overlays are scaled (absolute by default).</summary>
    public OverlayOptions Overlay { get; init; } = OverlayOptions.Default;

    /// <summary>Also write heatmap-pixels.npy: the map at input resolution, each pixel the mean of the cells whose patch covers it (<see cref="OcclusionGrid.PerPixel"/>).</summary>
    public bool PerPixel { get; init; }

    /// <summary>Also carry the map back onto the original picture (before resizing and cropping): heatmap-original.npy and overlay-original.png. Pictures only.</summary>
    public bool OnOriginal { get; init; }

    /// <summary>The command line, for provenance; null when the library was called directly.</summary>
    public string? CommandLine { get; init; }

    /// <summary>
    /// When the command that runs this job started (its process), so that explanation.json can
    /// account for the whole command, start-up included; null when the library was called
    /// directly or the job is one of a folder's.
    /// </summary>
    public DateTime? CommandStartUtc { get; init; }
}
