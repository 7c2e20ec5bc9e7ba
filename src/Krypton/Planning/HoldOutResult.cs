namespace Krypton.Planning;

/// <summary>One held-out image: the chosen settings (and the paper's) run for real, against the exact map.</summary>
/// <param name="Image">File name.</param>
/// <param name="ExactSeconds">Sweep time of exact incremental inference.</param>
/// <param name="ChosenSsim">SSIM of the chosen settings' map against the exact one.</param>
/// <param name="ChosenSeconds">Sweep time of the chosen settings.</param>
/// <param name="BaselineSsim">SSIM of the paper procedure's settings.</param>
/// <param name="BaselineSeconds">Sweep time of the paper procedure's settings.</param>
public sealed record HoldOutResult(string Image, double ExactSeconds, double ChosenSsim, double ChosenSeconds, double BaselineSsim, double BaselineSeconds);
