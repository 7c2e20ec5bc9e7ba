using Krypton.Spec;

namespace Krypton.Planning;

/// <summary>
/// How the heat map is to be computed: a mode with τ and drill-down as asked, or a quality target
/// that lets the planner choose them from a tuning profile.
/// </summary>
/// <param name="Mode">Exact incremental inference (the default) or naive.</param>
/// <param name="Tau">Projective-field threshold τ ∈ (0, 1] for incremental inference (KRYPTON §3): below 1 each layer's changed region is capped at τ of the layer's size, an approximation.</param>
/// <param name="DrillDown">Adaptive drill-down (coarse stage, then the fine stride where it matters), or null.</param>
/// <param name="Quality">The heat-map quality wanted (SSIM against the exact map, in (0, 1]); the planner then chooses exact inference, τ, drill-down and precision itself. Null to compute as <paramref name="Mode"/>, <paramref name="Tau"/> and <paramref name="DrillDown"/> say.</param>
/// <param name="Profile">What tuning learned about this model (<c>krypton tune</c>), used with <paramref name="Quality"/>; without one the planner stays exact.</param>
/// <param name="Precision">The convolutions' arithmetic: float32 (the default) or int8, in any mode.</param>
public sealed record MethodOptions(
    OcclusionMode Mode = OcclusionMode.Exact,
    double Tau = 1.0,
    DrillDown? DrillDown = null,
    double? Quality = null,
    QualityProfile? Profile = null,
    Precision Precision = Precision.Fp32)
{
    /// <summary>Exact incremental inference, no approximation (the default).</summary>
    public static MethodOptions Exact { get; } = new();

    /// <summary>Naive inference, one full inference per position.</summary>
    public static MethodOptions Naive { get; } = new(OcclusionMode.Naive);

    /// <summary>Checks the ranges, which need no model: τ in (0, 1], the quality target in (0, 1], drill-down's speedup and fraction.</summary>
    /// <exception cref="KryptonException">One is out of range.</exception>
    public void Check()
    {
        if (!(Tau > 0 && Tau <= 1))
            throw new KryptonException($"projective-field threshold tau = {Tau} must lie in (0, 1]");
        if (Quality is double quality)
            QualityProfile.CheckQuality(quality);
        DrillDown?.Check();
    }
}
