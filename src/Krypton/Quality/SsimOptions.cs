namespace Krypton.Quality;

/// <summary>How SSIM windows the images.</summary>
/// <param name="Gaussian">Gaussian weights (σ = 1.5, truncated at 3.5σ: an 11×11 window) with population covariance, as in Wang et al. 2004; otherwise a 7×7 uniform window with sample covariance (scikit-image's defaults).</param>
/// <param name="DataRange">The dynamic range of the values (the L of C1 = (K1·L)², C2 = (K2·L)²); null for the reference map's max − min.</param>
public sealed record SsimOptions(bool Gaussian = false, double? DataRange = null)
{
    /// <summary>K1 of Wang et al.</summary>
    public const double K1 = 0.01;

    /// <summary>K2 of Wang et al.</summary>
    public const double K2 = 0.03;

    /// <summary>σ of the Gaussian window.</summary>
    public const double Sigma = 1.5;
}
