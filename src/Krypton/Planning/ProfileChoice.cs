using System.Text.Json.Serialization;
using Krypton.Spec;

namespace Krypton.Planning;

/// <summary>Settings chosen from a profile, with what the profile predicts for them.</summary>
/// <param name="Tau">Projective-field threshold.</param>
/// <param name="DrillDown">Drill-down, or null.</param>
/// <param name="Quality">The SSIM asked for.</param>
/// <param name="PredictedSsim">Predicted mean SSIM over images.</param>
/// <param name="PredictedLowerSsim">SSIM predicted to be reached by the profile's confidence share of images (the criterion of the choice; equal to the mean for the paper's procedure).</param>
/// <param name="Positions">Positions evaluated.</param>
/// <param name="PredictedSeconds">Predicted sweep time, from the times measured while tuning.</param>
/// <param name="PredictedSpeedupVsNaive">Predicted speedup against the naive sweep measured while tuning.</param>
/// <param name="PredictedSpeedupVsExact">Predicted speedup against exact incremental inference measured while tuning.</param>
public sealed record ProfileChoice(double Tau, DrillDown? DrillDown, double Quality, double PredictedSsim, double PredictedLowerSsim, int Positions,
    double PredictedSeconds, double PredictedSpeedupVsNaive, double PredictedSpeedupVsExact)
{
    /// <summary>The precision chosen (profiles of format 1 chose float32 only).</summary>
    public Precision Precision { get; init; }

    /// <summary>The settings.</summary>
    [JsonIgnore]
    public Approximation Approximation => new(Tau, DrillDown, Precision);
}
