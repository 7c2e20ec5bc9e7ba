namespace Krypton.Planning;

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
