using Krypton.Explain;
using Krypton.Quality;

namespace Krypton.Output;

/// <summary>What a report shows.</summary>
/// <param name="Explanation">The result.</param>
/// <param name="Provenance">Where it came from.</param>
/// <param name="InputPng">The image as the model saw it (model input size), PNG; null when it cannot be shown.</param>
/// <param name="OverlayPng">The heat map over the image with its colour bar (<see cref="OverlayRenderer"/>), PNG; null when it cannot be shown.</param>
/// <param name="ValueLabel">What the heat-map values mean, with units.</param>
/// <param name="Faithfulness">The deletion curve, when measured.</param>
/// <param name="TopRegions">Number of most sensitive regions shown.</param>
/// <param name="OtherTargets">With several targets, the other targets' overlays (same sweep), shown after the main one.</param>
public sealed record ReportContent(
    Explanation Explanation,
    ReportProvenance Provenance,
    byte[]? InputPng,
    byte[]? OverlayPng,
    string ValueLabel,
    FaithfulnessResult? Faithfulness = null,
    int TopRegions = 5,
    IReadOnlyList<TargetOverlay>? OtherTargets = null);
