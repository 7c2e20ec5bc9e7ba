using Krypton.Spec;
namespace Krypton.Explain;

/// <summary>
/// One cell of a heat map as a region of the input, with how much occluding it lowers the target.
/// </summary>
/// <param name="Rank">1 for the most sensitive region.</param>
/// <param name="Cell">Row-major cell index in the heat map.</param>
/// <param name="Row">Heat-map row.</param>
/// <param name="Column">Heat-map column.</param>
/// <param name="Y">Top row of the patch in input pixels.</param>
/// <param name="X">Left column of the patch in input pixels.</param>
/// <param name="Height">Patch height.</param>
/// <param name="Width">Patch width.</param>
/// <param name="Drop">Unoccluded value minus occluded value (probability, or logit for a logit map).</param>
/// <param name="Value">The target's value with this patch occluded.</param>
public sealed record SensitiveRegion(int Rank, int Cell, int Row, int Column, int Y, int X, int Height, int Width, float Drop, float Value);

/// <summary>Ranks the cells of a heat map by how much occluding them lowers the target.</summary>
public static class Sensitivity
{
    /// <summary>
    /// The drop of a heat-map value: the map itself for a drop map, otherwise the unoccluded value
    /// minus the occluded one (probability or logit, as the map records).
    /// </summary>
    public static float DropOf(Explanation e, float mapValue) =>
        e.Spec.Value == ValueKind.Drop ? mapValue : e.UnoccludedValue - mapValue;

    /// <summary>The occluded value behind a heat-map value (probability or logit).</summary>
    public static float OccludedValueOf(Explanation e, float mapValue) =>
        e.Spec.Value == ValueKind.Drop ? e.UnoccludedValue - mapValue : mapValue;

    /// <summary>
    /// The computed (finite) cells, most sensitive first: largest drop first, ties by cell index,
    /// so the order is deterministic.
    /// </summary>
    /// <exception cref="KryptonException">The explanation has no heat map (explicit positions).</exception>
    public static int[] Order(Explanation e)
    {
        if (e.HeatMap.Length == 0)
            throw new KryptonException("ranking regions needs a heat map; explicit positions have none");
        return Enumerable.Range(0, e.HeatMap.Length)
            .Where(i => float.IsFinite(e.HeatMap[i]))
            .OrderByDescending(i => DropOf(e, e.HeatMap[i]))
            .ThenBy(i => i)
            .ToArray();
    }

    /// <summary>The <paramref name="k"/> most sensitive regions, most sensitive first.</summary>
    public static IReadOnlyList<SensitiveRegion> TopRegions(Explanation e, int k)
    {
        var patch = e.Spec.Patch;
        return Order(e).Take(Math.Max(k, 0)).Select((cell, i) =>
        {
            int row = cell / e.Grid.Columns, col = cell % e.Grid.Columns;
            var (y, x) = e.Grid.Origin(row, col);
            float v = e.HeatMap[cell];
            return new SensitiveRegion(i + 1, cell, row, col, y, x, patch.Height, patch.Width, DropOf(e, v), OccludedValueOf(e, v));
        }).ToList();
    }
}
