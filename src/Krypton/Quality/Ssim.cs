namespace Krypton.Quality;

/// <summary>
/// The structural similarity index (Wang, Bovik, Sheikh, Simoncelli 2004) of two 2-D maps, the
/// quality measure of approximate heat maps (KRYPTON §3). Computed as scikit-image's
/// <c>structural_similarity</c> does: local means, variances and covariance from a separable window,
/// the SSIM map, and its mean over the cells whose window lies wholly inside the map.
/// </summary>
public static class Ssim
{
    /// <summary>SSIM of <paramref name="reference"/> and <paramref name="other"/>, both rows × columns, row-major.</summary>
    public static double Compute(ReadOnlySpan<double> reference, ReadOnlySpan<double> other, int rows, int columns, SsimOptions? options = null)
    {
        options ??= new SsimOptions();
        if (options.DataRange is double given && !(given > 0))
            throw KryptonException.Naming($"{Term.DataRange} {given} must be positive");
        if (reference.Length != rows * columns || other.Length != rows * columns)
            throw new KryptonException($"SSIM needs two {rows}x{columns} maps, got {reference.Length} and {other.Length} values");
        foreach (var v in reference) if (!double.IsFinite(v)) throw new KryptonException("SSIM of a map with NaN or infinite values is undefined");
        foreach (var v in other) if (!double.IsFinite(v)) throw new KryptonException("SSIM of a map with NaN or infinite values is undefined");

        double[] weights = options.Gaussian ? GaussianWeights() : Enumerable.Repeat(1.0 / 7, 7).ToArray();
        int window = weights.Length, pad = (window - 1) / 2;
        if (rows < window || columns < window)
            throw new KryptonException($"SSIM with a {window}x{window} window needs maps of at least {window}x{window}; got {rows}x{columns}");
        double range = options.DataRange ?? (Max(reference) - Min(reference));
        if (!(range > 0))
            throw KryptonException.Naming($"SSIM data range must be positive (the reference map is constant: give {Term.DataRange})");
        int points = window * window;
        double covarianceNorm = options.Gaussian ? 1.0 : (double)points / (points - 1);
        double c1 = Math.Pow(SsimOptions.K1 * range, 2), c2 = Math.Pow(SsimOptions.K2 * range, 2);

        var x = reference.ToArray();
        var y = other.ToArray();
        var xx = new double[x.Length];
        var yy = new double[x.Length];
        var xy = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            xx[i] = x[i] * x[i];
            yy[i] = y[i] * y[i];
            xy[i] = x[i] * y[i];
        }
        var ux = Filter(x, rows, columns, weights);
        var uy = Filter(y, rows, columns, weights);
        var uxx = Filter(xx, rows, columns, weights);
        var uyy = Filter(yy, rows, columns, weights);
        var uxy = Filter(xy, rows, columns, weights);

        double sum = 0;
        int count = 0;
        for (int r = pad; r < rows - pad; r++)
            for (int c = pad; c < columns - pad; c++)
            {
                int i = r * columns + c;
                double vx = covarianceNorm * (uxx[i] - ux[i] * ux[i]);
                double vy = covarianceNorm * (uyy[i] - uy[i] * uy[i]);
                double vxy = covarianceNorm * (uxy[i] - ux[i] * uy[i]);
                double a1 = 2 * ux[i] * uy[i] + c1, a2 = 2 * vxy + c2;
                double b1 = ux[i] * ux[i] + uy[i] * uy[i] + c1, b2 = vx + vy + c2;
                sum += a1 * a2 / (b1 * b2);
                count++;
            }
        return sum / count;
    }

    /// <summary>SSIM of two float maps.</summary>
    public static double Compute(ReadOnlySpan<float> reference, ReadOnlySpan<float> other, int rows, int columns, SsimOptions? options = null)
    {
        var a = new double[reference.Length];
        var b = new double[other.Length];
        for (int i = 0; i < a.Length; i++) a[i] = reference[i];
        for (int i = 0; i < b.Length; i++) b[i] = other[i];
        return Compute(a, b, rows, columns, options);
    }

    /// <summary>scipy's 1-D Gaussian: radius ⌊3.5σ + 0.5⌋, weights e^(−x²/2σ²) normalized to sum 1.</summary>
    private static double[] GaussianWeights()
    {
        int radius = (int)(3.5 * SsimOptions.Sigma + 0.5);
        var w = Enumerable.Range(-radius, 2 * radius + 1).Select(x => Math.Exp(-0.5 * x * x / (SsimOptions.Sigma * SsimOptions.Sigma))).ToArray();
        double total = w.Sum();
        return w.Select(v => v / total).ToArray();
    }

    /// <summary>
    /// The separable weighted mean over a window around each cell. Only cells whose window lies
    /// inside the map enter the SSIM mean, so the border rule does not matter; borders reflect.
    /// </summary>
    private static double[] Filter(double[] data, int rows, int columns, double[] weights)
    {
        int pad = weights.Length / 2;
        var tmp = new double[data.Length];
        var result = new double[data.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
            {
                double s = 0;
                for (int k = -pad; k <= pad; k++) s += weights[k + pad] * data[r * columns + Reflect(c + k, columns)];
                tmp[r * columns + c] = s;
            }
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
            {
                double s = 0;
                for (int k = -pad; k <= pad; k++) s += weights[k + pad] * tmp[Reflect(r + k, rows) * columns + c];
                result[r * columns + c] = s;
            }
        return result;
    }

    private static int Reflect(int i, int n) => i < 0 ? -i - 1 : i >= n ? 2 * n - i - 1 : i;

    private static double Max(ReadOnlySpan<double> v)
    {
        double m = double.NegativeInfinity;
        foreach (var x in v) m = Math.Max(m, x);
        return m;
    }

    private static double Min(ReadOnlySpan<double> v)
    {
        double m = double.PositiveInfinity;
        foreach (var x in v) m = Math.Min(m, x);
        return m;
    }
}
