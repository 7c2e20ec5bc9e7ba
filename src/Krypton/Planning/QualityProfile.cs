using System.Text.Json;
using System.Text.Json.Serialization;
using Krypton.Model;
using Krypton.IO;
using Krypton.Spec;
using Krypton.Runtime;

namespace Krypton.Planning;

/// <summary>
/// Heat-map quality (SSIM against the exact map) as a function of τ, for one drill-down setting
/// (or none): a least-squares polynomial in τ (quadratic with three or more τ values, as in
/// KRYPTON §3) for the mean over images, and the spread over images at each τ swept.
/// </summary>
/// <param name="DrillDown">The drill-down setting, or null for τ alone.</param>
/// <param name="Coefficients">c0, c1, c2…: mean SSIM ≈ Σ cₖ·τᵏ.</param>
/// <param name="Spread">Standard deviation of SSIM over images at each τ swept.</param>
/// <param name="Samples">Points fitted (images × τ values).</param>
public sealed record SsimFit(DrillDown? DrillDown, double[] Coefficients, IReadOnlyList<TauValue> Spread, int Samples)
{
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

/// <summary>A value measured at a τ.</summary>
public sealed record TauValue(double Tau, double Value)
{
    /// <summary>Linear interpolation over points sorted or not; constant beyond the ends.</summary>
    public static double Interpolate(IReadOnlyList<TauValue> points, double tau)
    {
        var sorted = points.OrderBy(p => p.Tau).ToList();
        if (tau <= sorted[0].Tau) return sorted[0].Value;
        if (tau >= sorted[^1].Tau) return sorted[^1].Value;
        int hi = sorted.FindIndex(p => p.Tau >= tau);
        var (lo, up) = (sorted[hi - 1], sorted[hi]);
        return lo.Value + (up.Value - lo.Value) * (tau - lo.Tau) / (up.Tau - lo.Tau);
    }
}

/// <summary>The model a profile was tuned on.</summary>
/// <param name="Name">The graph's name.</param>
/// <param name="Description">Where it came from, in words.</param>
/// <param name="Sha256">SHA-256 of the model file, when it came from one.</param>
/// <param name="InputShape">[1, C, H, W].</param>
/// <param name="OutputSize">Outputs per image.</param>
/// <param name="Parameters">Learned parameters.</param>
public sealed record ProfileModel(string Name, string Description, string? Sha256, int[] InputShape, int OutputSize, long Parameters)
{
    /// <summary>The identity of a graph (no file hash).</summary>
    public static ProfileModel Of(ModelGraph model, string description, string? sha256) =>
        new(model.Name, description, sha256, model.InputShape, model.OutputSize, model.ParameterCount);
}

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
    /// <summary>The settings.</summary>
    [JsonIgnore]
    public Approximation Approximation => new(Tau, DrillDown);
}

/// <summary>One held-out image: the chosen settings (and the paper's) run for real, against the exact map.</summary>
/// <param name="Image">File name.</param>
/// <param name="ExactSeconds">Sweep time of exact incremental inference.</param>
/// <param name="ChosenSsim">SSIM of the chosen settings' map against the exact one.</param>
/// <param name="ChosenSeconds">Sweep time of the chosen settings.</param>
/// <param name="BaselineSsim">SSIM of the paper procedure's settings.</param>
/// <param name="BaselineSeconds">Sweep time of the paper procedure's settings.</param>
public sealed record HoldOutResult(string Image, double ExactSeconds, double ChosenSsim, double ChosenSeconds, double BaselineSsim, double BaselineSeconds);

/// <summary>Mean and minimum SSIM over the tuning images for one setting of the sweep.</summary>
public sealed record SweepPoint(double Tau, DrillDown? DrillDown, int Positions, double MeanSsim, double MinSsim, double MeanSeconds);

/// <summary>
/// What <c>krypton tune</c> learned about a model, a patch and a stride: SSIM as a function of τ
/// for each drill-down setting, the time per position at each τ, and the naive time, so that any
/// quality target can be turned into the fastest settings predicted to meet it
/// (<see cref="Choose(double, bool)"/>). Saved as JSON.
/// </summary>
public sealed record QualityProfile(
    ProfileModel Model,
    int[] Patch,
    int[] Stride,
    string Fill,
    string Value,
    string Device,
    int Threads,
    double Confidence,
    double[] Taus,
    IReadOnlyList<SsimFit> Fits,
    IReadOnlyList<TauValue> MsPerPosition,
    double NaiveMsPerPosition,
    IReadOnlyList<string> TuningImages)
{
    /// <summary>Format version of the file.</summary>
    public int Version { get; init; } = 1;

    /// <summary>The quality the tuning run aimed at.</summary>
    public double TunedQuality { get; init; }

    /// <summary>Settings chosen for <see cref="TunedQuality"/>.</summary>
    public ProfileChoice? Chosen { get; init; }

    /// <summary>Settings the paper's procedure (mean quadratic fit over τ, no drill-down) chooses for <see cref="TunedQuality"/>.</summary>
    public ProfileChoice? PaperBaseline { get; init; }

    /// <summary>The sweep over the tuning images.</summary>
    public IReadOnlyList<SweepPoint> Sweep { get; init; } = [];

    /// <summary>Held-out images: predicted against achieved.</summary>
    public IReadOnlyList<HoldOutResult> HoldOut { get; init; } = [];

    /// <summary>When the profile was made.</summary>
    public DateTime CreatedUtc { get; init; }

    /// <summary>The grid the profile was tuned on.</summary>
    [JsonIgnore]
    public OcclusionGrid Grid => new(Model.InputShape[2], Model.InputShape[3], new Size2(Patch[0], Patch[1]), new Size2(Stride[0], Stride[1]));

    /// <summary>
    /// The fastest settings whose SSIM, at the profile's confidence, is predicted to reach
    /// <paramref name="quality"/>: for each drill-down setting, the lowest τ (in steps of 0.01,
    /// not below the lowest τ swept) at and above which the prediction holds, costed with the
    /// times measured while tuning. Exact inference (τ = 1, no drill-down) always qualifies.
    /// </summary>
    public ProfileChoice Choose(double quality, bool allowDrillDown = true) => Choose(quality, Quantile(Confidence), allowDrillDown);

    /// <summary>The paper's procedure (KRYPTON §3): the mean fit over τ alone, the lowest τ whose predicted SSIM reaches the target.</summary>
    public ProfileChoice ChoosePaperBaseline(double quality) => Choose(quality, 0, drillDown: false);

    private ProfileChoice Choose(double quality, double z, bool drillDown)
    {
        CheckQuality(quality);
        var grid = Grid;
        double lowest = Taus.Min();
        ProfileChoice Costed(double tau, DrillDown? d, SsimFit? fit)
        {
            int positions = new Approximation(tau, d).Positions(grid);
            double seconds = TauValue.Interpolate(MsPerPosition, tau) * positions / 1000;
            double exact = TauValue.Interpolate(MsPerPosition, 1.0) * grid.Count / 1000;
            double mean = fit is null ? 1 : fit.Mean(tau), lower = fit is null ? 1 : fit.Lower(tau, z);
            return new ProfileChoice(tau, d, quality, mean, lower, positions, seconds,
                NaiveMsPerPosition * grid.Count / 1000 / seconds, exact / seconds);
        }
        var best = Costed(1.0, null, null);
        foreach (var fit in Fits.Where(f => drillDown || f.DrillDown is null))
        {
            double? found = null;
            for (int step = 0; 1.0 - step * 0.01 >= lowest - 1e-9; step++)
            {
                double tau = Math.Round(1.0 - step * 0.01, 2);
                if (fit.Lower(tau, z) < quality) break;
                found = tau;
            }
            if (found is not double t || (t >= 1 && fit.DrillDown is null)) continue;
            var candidate = Costed(t, fit.DrillDown, fit);
            if (candidate.PredictedSeconds < best.PredictedSeconds) best = candidate;
        }
        return best;
    }

    /// <summary>Checks a quality target: an SSIM in (0, 1].</summary>
    /// <exception cref="KryptonException">It is not.</exception>
    public static void CheckQuality(double quality)
    {
        if (!(quality > 0 && quality <= 1))
            throw new KryptonException($"quality {quality} must lie in (0, 1]: it is the SSIM of the heat map against the exact one");
    }

    /// <summary>The standard normal quantile of a probability (Acklam's rational approximation, error below 1.2e-9).</summary>
    public static double Quantile(double p)
    {
        if (!(p > 0 && p < 1))
            throw new KryptonException($"confidence {p} must lie in (0, 1)");
        double[] a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
        double[] b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
        double[] c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
        double[] d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        const double low = 0.02425;
        if (p < low)
        {
            double q = Math.Sqrt(-2 * Math.Log(p));
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        if (p > 1 - low) return -Quantile(1 - p);
        double u = p - 0.5, r = u * u;
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * u / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }

    /// <summary>Checks that the profile was tuned for this model, patch and stride.</summary>
    /// <exception cref="KryptonException">It was not.</exception>
    public void CheckApplies(ModelGraph model, OcclusionSpec spec, string? modelSha256 = null)
    {
        string Size(int[] s) => s[0] == s[1] ? $"{s[0]}" : $"{s[0]}x{s[1]}";
        if (model.Name != Model.Name || !model.InputShape.SequenceEqual(Model.InputShape) || model.OutputSize != Model.OutputSize || model.ParameterCount != Model.Parameters
            || (modelSha256 is not null && Model.Sha256 is not null && modelSha256 != Model.Sha256))
            throw new KryptonException($"the profile was tuned for another model ({Model.Description}); run krypton tune for this one");
        if (spec.Patch != new Size2(Patch[0], Patch[1]))
            throw KryptonException.Naming($"the profile was tuned for patch {Size(Patch)}, not {spec.Patch}; run {Term.Tuner} with {Term.Patch} {spec.Patch}");
        if (spec.Stride != new Size2(Stride[0], Stride[1]))
            throw KryptonException.Naming($"the profile was tuned for stride {Size(Stride)}, not {spec.Stride}; run {Term.Tuner} with {Term.Stride} {spec.Stride}");
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The profile as JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Writes the profile (atomically).</summary>
    public void Save(string path)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        AtomicFile.WriteAllText(full, ToJson());
    }

    /// <summary>Reads a profile written by <see cref="Save"/>.</summary>
    /// <exception cref="KryptonException">The file is missing or is not a profile.</exception>
    public static QualityProfile Load(string path)
    {
        if (!File.Exists(path))
            throw new KryptonException($"profile file not found: {path}");
        QualityProfile? profile;
        try { profile = JsonSerializer.Deserialize<QualityProfile>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw new KryptonException($"profile {path} is not a Krypton tuning profile: {e.Message}"); }
        if (profile is null || profile.Model is null || profile.Fits is null || profile.MsPerPosition is null || profile.Taus is null
            || profile.MsPerPosition.Count == 0 || profile.Patch?.Length != 2 || profile.Stride?.Length != 2 || profile.Model.InputShape?.Length != 4)
            throw new KryptonException($"profile {path} is not a Krypton tuning profile (fields are missing)");
        if (profile.Version != 1)
            throw new KryptonException($"profile {path} has format version {profile.Version}; this tool reads version 1");
        return profile;
    }
}
