namespace Krypton.Planning;

/// <summary>Mean and minimum SSIM over the tuning images for one setting of the sweep.</summary>
public sealed record SweepPoint(double Tau, DrillDown? DrillDown, int Positions, double MeanSsim, double MinSsim, double MeanSeconds);
