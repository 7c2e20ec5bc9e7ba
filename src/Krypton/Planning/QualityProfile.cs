using System.Text.Json;
using System.Text.Json.Serialization;
using Krypton.Model;
using Krypton.IO;
using Krypton.Spec;

namespace Krypton.Planning;

/// <summary>
/// What <c>krypton tune</c> learned about a model, a patch and a stride: SSIM (against the float32
/// exact map) as a function of τ for each precision and drill-down setting, the time per position
/// at each τ in each precision, and the naive float32 time, so that any quality target can be
/// turned into the fastest settings predicted to meet it (<see cref="Choose(double, bool, Func{Precision, bool}?)"/>).
/// Saved as JSON; format 1 (written before precision was tuned) reads as float32 alone.
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
    /// <summary>Format version of the file: 2 since precision is tuned; 1 is read as float32 alone.</summary>
    public int Version { get; init; } = 2;

    /// <summary>Times per position in the precisions other than float32 that were tuned (float32's are <see cref="MsPerPosition"/>).</summary>
    public IReadOnlyList<PrecisionTimes> PrecisionTimes { get; init; } = [];

    /// <summary>The precisions tuned: float32 first.</summary>
    [JsonIgnore]
    public IReadOnlyList<Precision> Precisions => [Precision.Fp32, .. PrecisionTimes.Select(t => t.Precision)];

    /// <summary>Milliseconds per position at each τ swept in a precision, or null if it was not tuned.</summary>
    public IReadOnlyList<TauValue>? MsPerPositionIn(Precision precision) =>
        precision == Precision.Fp32 ? MsPerPosition : PrecisionTimes.FirstOrDefault(t => t.Precision == precision)?.MsPerPosition;

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

    /// <summary>
    /// How the tuning grid laid out positions: "full" or "krypton" (<see cref="GridKind"/>). Profiles
    /// written before the grid could be chosen have no such field and were tuned on KRYPTON's grid.
    /// </summary>
    public string GridKind { get; init; } = "krypton";

    /// <summary>The grid the profile was tuned on.</summary>
    [JsonIgnore]
    public OcclusionGrid Grid => new(Model.InputShape[2], Model.InputShape[3], new Size2(Patch[0], Patch[1]), new Size2(Stride[0], Stride[1]), GridKinds.Parse(GridKind));

    /// <summary>
    /// The fastest settings whose SSIM, at the profile's confidence, is predicted to reach
    /// <paramref name="quality"/>: for each precision and drill-down setting, the lowest τ (in
    /// steps of 0.01, not below the lowest τ swept) at and above which the prediction holds,
    /// costed with the times measured while tuning in that precision. Exact float32 inference
    /// (τ = 1, no drill-down) always qualifies; another precision only where its own fit says so.
    /// </summary>
    /// <param name="quality">The SSIM to reach.</param>
    /// <param name="allowDrillDown">False where drill-down cannot run (explicit positions, several targets).</param>
    /// <param name="allowPrecision">Which precisions the run's device can use; null for all tuned.</param>
    public ProfileChoice Choose(double quality, bool allowDrillDown = true, Func<Precision, bool>? allowPrecision = null) =>
        Choose(quality, Quantile(Confidence), allowDrillDown, allowPrecision ?? (_ => true));

    /// <summary>The paper's procedure (KRYPTON §3): the mean fit over τ alone in float32, the lowest τ whose predicted SSIM reaches the target.</summary>
    public ProfileChoice ChoosePaperBaseline(double quality) => Choose(quality, 0, drillDown: false, p => p == Precision.Fp32);

    private ProfileChoice Choose(double quality, double z, bool drillDown, Func<Precision, bool> allowPrecision)
    {
        CheckQuality(quality);
        var grid = Grid;
        double lowest = Taus.Min();
        double exact = TauValue.Interpolate(MsPerPosition, 1.0) * grid.Count / 1000;
        ProfileChoice Costed(double tau, DrillDown? d, SsimFit? fit, IReadOnlyList<TauValue> ms)
        {
            int positions = new Approximation(tau, d).Positions(grid);
            double seconds = TauValue.Interpolate(ms, tau) * positions / 1000;
            double mean = fit is null ? 1 : fit.Mean(tau), lower = fit is null ? 1 : fit.Lower(tau, z);
            return new ProfileChoice(tau, d, quality, mean, lower, positions, seconds,
                NaiveMsPerPosition * grid.Count / 1000 / seconds, exact / seconds) { Precision = fit?.Precision ?? Precision.Fp32 };
        }
        var best = Costed(1.0, null, null, MsPerPosition);
        foreach (var fit in Fits.Where(f => (drillDown || f.DrillDown is null) && allowPrecision(f.Precision)))
        {
            if (MsPerPositionIn(fit.Precision) is not { } ms) continue;
            double? found = null;
            for (int step = 0; 1.0 - step * 0.01 >= lowest - 1e-9; step++)
            {
                double tau = Math.Round(1.0 - step * 0.01, 2);
                if (fit.Lower(tau, z) < quality) break;
                found = tau;
            }
            if (found is not double t || (t >= 1 && fit.DrillDown is null && fit.Precision == Precision.Fp32)) continue;
            var candidate = Costed(t, fit.DrillDown, fit, ms);
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

    /// <summary>Checks that the profile was tuned for this model, patch, stride and grid.</summary>
    /// <exception cref="KryptonException">It was not.</exception>
    public void CheckApplies(ModelGraph model, OcclusionSpec spec, string? modelSha256 = null)
    {
        string Size(int[] s) => s[0] == s[1] ? $"{s[0]}" : $"{s[0]}x{s[1]}";
        if (model.Name != Model.Name || !model.InputShape.SequenceEqual(Model.InputShape) || model.OutputSize != Model.OutputSize || model.ParameterCount != Model.Parameters
            || (modelSha256 is not null && Model.Sha256 is not null && modelSha256 != Model.Sha256))
            throw KryptonException.Naming($"the profile was tuned for another model ({Model.Description}); run {Term.Tuner} for this one");
        if (spec.Patch != new Size2(Patch[0], Patch[1]))
            throw KryptonException.Naming($"the profile was tuned for patch {Size(Patch)}, not {spec.Patch}; run {Term.Tuner} with {Term.Patch} {spec.Patch}");
        if (spec.Stride != new Size2(Stride[0], Stride[1]))
            throw KryptonException.Naming($"the profile was tuned for stride {Size(Stride)}, not {spec.Stride}; run {Term.Tuner} with {Term.Stride} {spec.Stride}");
        if (GridKinds.Parse(GridKind) != spec.GridKind)
            throw KryptonException.Naming($"the profile was tuned on the {GridKind} grid, not the {GridKinds.Name(spec.GridKind)} grid; run {Term.Tuner} with {Term.Grid} {GridKinds.Name(spec.GridKind)}");
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
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
        if (profile.Version is not (1 or 2))
            throw new KryptonException($"profile {path} has format version {profile.Version}; this tool reads versions 1 and 2");
        return profile;
    }
}
