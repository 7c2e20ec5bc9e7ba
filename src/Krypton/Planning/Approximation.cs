using System.Globalization;
using Krypton.Spec;

namespace Krypton.Planning;

/// <summary>
/// The approximations a plan applies: KRYPTON §3's projective-field threshold τ and adaptive
/// drill-down, and the precision the convolutions run in. τ = 1 without drill-down in float32
/// is exact inference.
/// </summary>
/// <param name="Tau">Projective-field threshold in (0, 1].</param>
/// <param name="DrillDown">Adaptive drill-down, or null.</param>
/// <param name="Precision">float32, or int8 convolutions.</param>
public sealed record Approximation(double Tau = 1.0, DrillDown? DrillDown = null, Precision Precision = Precision.Fp32)
{
    /// <summary>No approximation.</summary>
    public static Approximation None { get; } = new();

    /// <summary>True when the heat map is the exact one.</summary>
    public bool IsExact => Tau >= 1 && DrillDown is null && Precision == Precision.Fp32;

    /// <summary>Positions evaluated on the whole grid: every cell, or drill-down's two stages.</summary>
    public int Positions(OcclusionGrid grid) => DrillDown is { } d && d.Counts(grid) is var (coarse, refined) ? coarse + refined : grid.Count;

    /// <inheritdoc/>
    public override string ToString()
    {
        if (IsExact) return "exact";
        var parts = new List<string>();
        if (Precision != Precision.Fp32) parts.Add(Precision.Name());
        if (Tau < 1) parts.Add(string.Create(CultureInfo.InvariantCulture, $"tau {Tau:0.###}"));
        if (DrillDown is { } d) parts.Add(string.Create(CultureInfo.InvariantCulture, $"drill-down {d.TargetSpeedup:0.##}x (r {d.Fraction:0.###}, coarse stride x{d.CoarseFactor()})"));
        return string.Join(", ", parts);
    }
}
