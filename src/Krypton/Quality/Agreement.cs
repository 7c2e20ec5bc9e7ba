using Krypton.Explain;
using Krypton.Spec;

namespace Krypton.Quality;

/// <summary>
/// Whether two runs of the same experiment (exact against naive, GPU against CPU) give the same
/// heat map, judged on logits: the largest difference must be within 1e-4 of the largest logit
/// magnitude seen (unoccluded or in the map) and within 1 % of the reference map's own range (but
/// not below float32 noise, 1e-6 of that magnitude), so that a small but real difference on a
/// nearly flat map is still caught. float16 runs are held to 1e-3 instead of 1e-4, with a noise
/// floor of 2e-4 instead of 1e-6: float16 keeps 11 bits, and an activation computed by another
/// but equal path (a window instead of the whole map) may round to the neighbouring float16,
/// about 5e-4 away.
/// </summary>
/// <param name="MaxDifference">Largest |candidate − reference| over the cells.</param>
/// <param name="Scale">Largest logit magnitude seen.</param>
/// <param name="Range">The reference map's max − min.</param>
/// <param name="Problem">Why the maps differ, or null when they agree.</param>
public sealed record Agreement(double MaxDifference, double Scale, double Range, string? Problem)
{
    /// <summary>True when the maps agree.</summary>
    public bool Same => Problem is null;

    /// <summary>
    /// Compares <paramref name="candidate"/> with <paramref name="reference"/> (both logit values;
    /// heat maps, or values at explicit positions). With <paramref name="expectRange"/>, a flat
    /// reference map is a problem too: the comparison could not fail.
    /// </summary>
    public static Agreement Of(Explanation candidate, Explanation reference, bool expectRange = true, Precision precision = Precision.Fp32)
    {
        var (tolerance, noise) = precision == Precision.Fp16 ? (1e-3, 2e-4) : (1e-4, 1e-6);
        if (candidate.Spec.Value != ValueKind.Logit || reference.Spec.Value != ValueKind.Logit)
            return new(double.NaN, double.NaN, double.NaN, "agreement is judged on logits; run both with logit values");
        float[] c = candidate.PositionValues ?? candidate.HeatMap, r = reference.PositionValues ?? reference.HeatMap;
        if (candidate.Target != reference.Target)
            return new(double.NaN, double.NaN, double.NaN, $"target {candidate.Target} vs {reference.Target}");
        if (candidate.Positions != reference.Positions || c.Length != r.Length)
            return new(double.NaN, double.NaN, double.NaN, $"{candidate.Positions} positions vs {reference.Positions}");

        double scale = Math.Abs(reference.UnoccludedValue);
        foreach (var k in reference.TopClasses) scale = Math.Max(scale, Math.Abs(k.Logit));
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity, worst = 0;
        int worstCell = -1;
        for (int i = 0; i < r.Length; i++)
        {
            if (float.IsNaN(r[i]) || float.IsNaN(c[i]))
            {
                if (!(float.IsNaN(r[i]) && float.IsNaN(c[i])))
                    return new(double.NaN, scale, double.NaN, $"cell {i} is {c[i]} vs {r[i]}");
                continue;
            }
            if (!float.IsFinite(c[i]))
                return new(double.NaN, scale, double.NaN, $"cell {i} is {c[i]}");
            scale = Math.Max(scale, Math.Abs(r[i]));
            lo = Math.Min(lo, r[i]);
            hi = Math.Max(hi, r[i]);
            double d = Math.Abs(c[i] - r[i]);
            if (d > worst) { worst = d; worstCell = i; }
        }
        double range = hi - lo;
        string Where() => worstCell < 0 ? "" : reference.PositionValues is null
            ? $" at cell {worstCell} (patch at {reference.Grid.Origin(worstCell)}): {c[worstCell]} vs {r[worstCell]}"
            : $" at position {reference.Spec.Positions![worstCell]}: {c[worstCell]} vs {r[worstCell]}";
        string? problem = null;
        if (Math.Abs(candidate.UnoccludedValue - reference.UnoccludedValue) > tolerance * Math.Max(scale, 1e-6))
            problem = $"unoccluded logit {candidate.UnoccludedValue} vs {reference.UnoccludedValue}";
        else if (worst > tolerance * scale)
            problem = $"max difference {worst:g4} > {tolerance:g1} × {scale:g4}{Where()}";
        // Float32 evaluation order alone moves a logit by a few ulps (~1e-7 relative); a map whose
        // range is that small (a few nearby positions) is held to that noise level instead.
        else if (range > 0 && worst > Math.Max(0.01 * range, noise * scale))
            problem = $"max difference {worst:g4} > 1% of the map's range {range:g4}{Where()}";
        else if (expectRange && reference.Positions > 1 && !(range > 0))
            problem = "the reference map is flat, so the comparison proves nothing";
        return new(worst, scale, range, problem);
    }
}
