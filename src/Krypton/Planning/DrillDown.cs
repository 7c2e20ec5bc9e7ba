using Krypton.Spec;
namespace Krypton.Planning;

/// <summary>
/// Adaptive drill-down (KRYPTON §3): stage 1 runs the experiment at a coarse stride S1; stage 2
/// re-runs at the fine stride only the fraction <paramref name="Fraction"/> of cells where stage 1
/// predicts the largest effect; every other cell keeps stage 1's values, upsampled bilinearly.
/// Fewer inferences by S1² / (S2² + r·S1²).
/// </summary>
/// <param name="TargetSpeedup">The speedup in inferences to aim for (default 3); must stay below 1/r.</param>
/// <param name="Fraction">r: the share of fine cells computed in stage 2 (default 0.25).</param>
public sealed record DrillDown(double TargetSpeedup = 3.0, double Fraction = 0.25)
{
    /// <summary>
    /// The coarse stride as a whole multiple of the fine one: S1 = √(T / (1 − r·T)) · S2, rounded
    /// to the nearest multiple so that stage 1's positions lie on the fine grid.
    /// </summary>
    public int CoarseFactor()
    {
        Check();
        return Math.Max(2, (int)Math.Round(Math.Sqrt(TargetSpeedup / (1 - Fraction * TargetSpeedup))));
    }

    /// <summary>Checks the settings: r in (0, 1), a target speedup above 1 and below 1/r.</summary>
    /// <exception cref="KryptonException">They cannot work.</exception>
    public void Check()
    {
        if (!(Fraction > 0 && Fraction < 1))
            throw new KryptonException($"drill-down fraction r = {Fraction} must lie in (0, 1)");
        if (!(TargetSpeedup > 1))
            throw new KryptonException($"drill-down target speedup {TargetSpeedup} must be above 1");
        if (TargetSpeedup * Fraction >= 1)
            throw new KryptonException($"drill-down cannot reach a {TargetSpeedup}x speedup while recomputing {Fraction:P0} of the cells: it needs a target below 1/r = {1 / Fraction:0.##}");
    }

    /// <summary>
    /// Runs both stages over the whole grid. <paramref name="values"/> returns the values of the
    /// given cells (row-major indices of the fine grid), in order: a real sweep, or a lookup into
    /// a map computed before (how tuning evaluates drill-down without running it again).
    /// </summary>
    /// <returns>The heat map, and how many cells each stage computed.</returns>
    public (float[] Map, int Coarse, int Refined) Run(OcclusionGrid grid, ValueKind value, Func<IReadOnlyList<int>, float[]> values)
    {
        var (rows, columns, coarseCells) = CoarseStage(grid, CoarseFactor());
        float[] coarse = values(coarseCells);
        var map = Upsample(coarse, rows, columns, grid);
        for (int i = 0; i < coarseCells.Count; i++) map[coarseCells[i]] = coarse[i];
        var refined = RefinedCells(map, coarseCells.ToHashSet(), value);
        float[] fine = values(refined);
        for (int i = 0; i < refined.Count; i++) map[refined[i]] = fine[i];
        return (map, coarseCells.Count, refined.Count);
    }

    /// <summary>How many cells each stage computes on the grid, without running anything.</summary>
    public (int Coarse, int Refined) Counts(OcclusionGrid grid)
    {
        var (rows, columns) = CoarseLines(grid, CoarseFactor());
        int coarse = rows.Length * columns.Length;
        return (coarse, RefinedCount(grid, Fraction, coarse));
    }

    /// <summary>Stage 1 for a coarse factor: its lines (<see cref="CoarseLines"/>) and its cells, row-major indices of the fine grid.</summary>
    public static (int[] Rows, int[] Columns, IReadOnlyList<int> Cells) CoarseStage(OcclusionGrid grid, int factor)
    {
        var (rows, columns) = CoarseLines(grid, factor);
        return (rows, columns, rows.SelectMany(r => columns.Select(c => r * grid.Columns + c)).ToList());
    }

    /// <summary>Cells stage 2 refines: ⌈r·N⌉ of the grid's N, but no more than stage 1 left (<paramref name="coarse"/> cells computed).</summary>
    public static int RefinedCount(OcclusionGrid grid, double fraction, int coarse) =>
        Math.Min((int)Math.Ceiling(fraction * grid.Count), grid.Count - coarse);

    /// <summary>Stage 1: every k-th row and column of the fine grid, and the last ones, so that interpolation spans the map.</summary>
    public static (int[] Rows, int[] Columns) CoarseLines(OcclusionGrid grid, int factor) =>
        (Lines(grid.Rows, factor), Lines(grid.Columns, factor));

    private static int[] Lines(int count, int factor)
    {
        var lines = Enumerable.Range(0, count).Where(i => i % factor == 0).ToList();
        if (lines[^1] != count - 1) lines.Add(count - 1);
        return [.. lines];
    }

    /// <summary>Bilinear upsampling of stage-1 values (row-major over the coarse lines) to the whole fine grid.</summary>
    public static float[] Upsample(float[] coarse, int[] rows, int[] columns, OcclusionGrid grid)
    {
        var map = new float[grid.Count];
        for (int i = 0; i < grid.Rows; i++)
        {
            var (r0, r1, wy) = Bracket(rows, i);
            for (int j = 0; j < grid.Columns; j++)
            {
                var (c0, c1, wx) = Bracket(columns, j);
                float V(int r, int c) => coarse[r * columns.Length + c];
                double top = V(r0, c0) * (1 - wx) + V(r0, c1) * wx;
                double bottom = V(r1, c0) * (1 - wx) + V(r1, c1) * wx;
                map[i * grid.Columns + j] = (float)(top * (1 - wy) + bottom * wy);
            }
        }
        return map;
    }

    /// <summary>
    /// The coarse lines either side of fine line <paramref name="index"/> (indices into
    /// <paramref name="lines"/>) and its distance from the lower one as a fraction of the gap; both
    /// the same line, weight 0, when it is one of them.
    /// </summary>
    public static (int Low, int High, double Weight) Bracket(int[] lines, int index)
    {
        int hi = Array.FindIndex(lines, l => l >= index);
        if (lines[hi] == index) return (hi, hi, 0);
        int lo = hi - 1;
        return (lo, hi, (double)(index - lines[lo]) / (lines[hi] - lines[lo]));
    }

    /// <summary>
    /// Stage 2: the ⌈r·cells⌉ fine cells (not computed in stage 1) with the largest predicted effect:
    /// the lowest values for probabilities and logits, the highest for drops.
    /// </summary>
    public IReadOnlyList<int> RefinedCells(float[] predicted, ISet<int> computed, ValueKind value)
    {
        int count = (int)Math.Ceiling(Fraction * predicted.Length);
        var candidates = Enumerable.Range(0, predicted.Length).Where(c => !computed.Contains(c));
        var ordered = value.IsDrop()
            ? candidates.OrderByDescending(c => predicted[c]).ThenBy(c => c)
            : candidates.OrderBy(c => predicted[c]).ThenBy(c => c);
        return ordered.Take(count).ToList();
    }
}
