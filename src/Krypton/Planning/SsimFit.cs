using Krypton.Spec;

namespace Krypton.Planning;

/// <summary>
/// Heat-map quality (SSIM against the float32 exact map) as a function of τ, for one precision and
/// one drill-down setting (or none): a least-squares polynomial in τ (quadratic with three or more τ values, as in
/// KRYPTON §3) for the mean over images, and the spread over images at each τ swept.
/// </summary>
/// <param name="DrillDown">The drill-down setting, or null for τ alone.</param>
/// <param name="Coefficients">c0, c1, c2…: mean SSIM ≈ Σ cₖ·τᵏ.</param>
/// <param name="Spread">Standard deviation of SSIM over images at each τ swept.</param>
/// <param name="Samples">Points fitted (images × τ values).</param>
public sealed record SsimFit(DrillDown? DrillDown, double[] Coefficients, IReadOnlyList<TauValue> Spread, int Samples)
{
    /// <summary>The precision the maps were computed in (profiles of format 1 swept float32 only).</summary>
    public Precision Precision { get; init; }

    /// <summary>Predicted mean SSIM at τ (at most 1).</summary>
    public double Mean(double tau)
    {
        double v = 0, power = 1;
        foreach (var c in Coefficients) { v += c * power; power *= tau; }
        return Math.Min(1, v);
    }

    /// <summary>Standard deviation over images at τ, interpolated linearly between the τ values swept.</summary>
    public double StandardDeviation(double tau) => TauValue.Interpolate(Spread, tau);

    /// <summary>The SSIM that a share of images given by the quantile z (in standard deviations) is predicted to reach at τ.</summary>
    public double Lower(double tau, double z) => Mean(tau) - z * StandardDeviation(tau);

    /// <summary>Least-squares polynomial of degree min(2, distinct τ − 1) through (τ, SSIM) points.</summary>
    public static double[] FitPolynomial(IReadOnlyList<(double Tau, double Ssim)> points)
    {
        int degree = Math.Min(2, points.Select(p => p.Tau).Distinct().Count() - 1);
        int n = degree + 1;
        var a = new double[n, n + 1];
        foreach (var (t, y) in points)
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++) a[i, j] += Math.Pow(t, i + j);
                a[i, n] += y * Math.Pow(t, i);
            }
        // Gaussian elimination with partial pivoting on the normal equations (at most 3×3).
        for (int c = 0; c < n; c++)
        {
            int pivot = Enumerable.Range(c, n - c).MaxBy(r => Math.Abs(a[r, c]));
            for (int j = 0; j <= n; j++) (a[c, j], a[pivot, j]) = (a[pivot, j], a[c, j]);
            for (int r = 0; r < n; r++)
            {
                if (r == c || a[c, c] == 0) continue;
                double f = a[r, c] / a[c, c];
                for (int j = c; j <= n; j++) a[r, j] -= f * a[c, j];
            }
        }
        return Enumerable.Range(0, n).Select(i => a[i, i] == 0 ? 0 : a[i, n] / a[i, i]).ToArray();
    }
}
