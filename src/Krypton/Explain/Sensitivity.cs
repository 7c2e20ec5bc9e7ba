using Krypton.Spec;
namespace Krypton.Explain;

/// <summary>Ranks the cells of a heat map by how much occluding them lowers the target.</summary>
public static class Sensitivity
{
    /// <summary>
    /// The drop of a heat-map value: the map itself for a drop map, otherwise the unoccluded value
    /// minus the occluded one (probability or logit, as the map records).
    /// </summary>
    public static float DropOf(Explanation e, float mapValue) => Importance.ChangeOf(e, e.Primary, mapValue);

    /// <summary>The occluded value behind a heat-map value (probability or logit).</summary>
    public static float OccludedValueOf(Explanation e, float mapValue) =>
        e.Spec.Value.IsDrop() ? e.UnoccludedValue - mapValue : mapValue;

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

    /// <summary>
    /// The <paramref name="k"/> most sensitive distinct regions, most sensitive first: non-maximum
    /// suppression at the patch size, so a cell whose patch overlaps a region already chosen is
    /// skipped (neighbouring cells a stride apart are one region seen twice, not a second finding).
    /// Fewer than k when the map has fewer disjoint patches.
    /// </summary>
    public static IReadOnlyList<SensitiveRegion> TopRegions(Explanation e, int k)
    {
        var chosen = new List<SensitiveRegion>();
        foreach (int cell in Order(e))
        {
            if (chosen.Count >= k)
                break;
            var patch = e.Grid.PatchAt(cell);
            if (chosen.Any(r => patch.Overlaps(r.Patch)))
                continue;
            float v = e.HeatMap[cell];
            chosen.Add(new SensitiveRegion(chosen.Count + 1, cell, cell / e.Grid.Columns, cell % e.Grid.Columns, patch.Y, patch.X, patch.Height, patch.Width, DropOf(e, v), OccludedValueOf(e, v)));
        }
        return chosen;
    }
}
