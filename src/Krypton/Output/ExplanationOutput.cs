using Krypton.Explain;
using Krypton.Imaging;
using Krypton.Quality;

namespace Krypton.Output;

/// <summary>A result and what its files need besides it: where it came from, the picture, the measurements, and the extra files asked for.</summary>
/// <param name="Explanation">The result.</param>
/// <param name="Run">Where it came from and how it ran.</param>
public sealed record ExplanationOutput(Explanation Explanation, RunRecord Run)
{
    /// <summary>The deletion curve, when measured.</summary>
    public FaithfulnessResult? Faithfulness { get; init; }

    /// <summary>The picture as the model saw it, for overlays; null for a tensor input (no overlay).</summary>
    public LoadedImage? DisplayImage { get; init; }

    /// <summary>Also write heatmap-pixels.npy.</summary>
    public bool PerPixel { get; init; }

    /// <summary>Also carry the per-pixel map back onto the original picture: heatmap-original.npy and overlay-original.png.</summary>
    public bool OnOriginal { get; init; }

    /// <summary>How overlays are scaled.</summary>
    public OverlayOptions Overlay { get; init; } = OverlayOptions.Default;

    /// <summary>Where to write the HTML report; null for none.</summary>
    public string? ReportFile { get; init; }
}
