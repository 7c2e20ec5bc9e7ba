using Krypton.Spec;

namespace Krypton.Planning;

/// <summary>Mean and minimum SSIM (against the float32 exact map) over the tuning images for one setting of the sweep.</summary>
public sealed record SweepPoint(double Tau, DrillDown? DrillDown, int Positions, double MeanSsim, double MinSsim, double MeanSeconds)
{
    /// <summary>The precision the setting ran in (profiles of format 1 swept float32 only).</summary>
    public Precision Precision { get; init; }
}
