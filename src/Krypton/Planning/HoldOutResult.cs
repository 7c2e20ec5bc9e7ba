using Krypton.Spec;

namespace Krypton.Planning;

/// <summary>One held-out image: the chosen settings (and the paper's) run for real, against the exact map.</summary>
/// <param name="Image">File name.</param>
/// <param name="ExactSeconds">Sweep time of exact incremental inference.</param>
/// <param name="ChosenSsim">SSIM of the chosen settings' map against the exact one.</param>
/// <param name="ChosenSeconds">Sweep time of the chosen settings.</param>
/// <param name="BaselineSsim">SSIM of the paper procedure's settings.</param>
/// <param name="BaselineSeconds">Sweep time of the paper procedure's settings.</param>
public sealed record HoldOutResult(string Image, double ExactSeconds, double ChosenSsim, double ChosenSeconds, double BaselineSsim, double BaselineSeconds)
{
    /// <summary>The exact map in each other precision tuned, against the float32 exact map.</summary>
    public IReadOnlyList<PrecisionCheck> Precisions { get; init; } = [];
}

/// <summary>One held-out image's exact map in a precision other than float32.</summary>
/// <param name="Precision">The precision.</param>
/// <param name="Ssim">SSIM against the float32 exact map.</param>
/// <param name="Seconds">Sweep time.</param>
public sealed record PrecisionCheck(Precision Precision, double Ssim, double Seconds);

/// <summary>Times per position measured while tuning in a precision other than float32.</summary>
/// <param name="Precision">The precision.</param>
/// <param name="MsPerPosition">Milliseconds per position at each τ swept.</param>
public sealed record PrecisionTimes(Precision Precision, IReadOnlyList<TauValue> MsPerPosition);
