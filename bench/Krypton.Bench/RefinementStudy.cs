using Krypton.Imaging;
using Krypton.Model;
using Krypton.Quality;
using Krypton.Explain;
using Krypton.Planning;
using Krypton.Runtime;
using Krypton.Spec;

namespace Krypton.Bench;

/// <summary>
/// `--refinement-study`: which cells should drill-down's second stage recompute? On exact heat maps
/// of the given images, compares, per coarse factor k and fraction r, the SSIM of drill-down as the
/// paper defines it (the cells with the lowest predicted probability) with a refinement driven by
/// the coarse map's local variation (the cells whose four bracketing coarse values differ most), and
/// with the paper's refinement over a bicubic rather than bilinear upsampling of the coarse map.
/// Drill-down's maps are functions of the exact map, so no further inference is needed.
/// </summary>
internal static class RefinementStudy
{
    public static void Run(ModelGraph model, Preprocessing normalization, IReadOnlyList<(string Name, Lazy<float[]> Input)> images, BenchOptions options)
    {
        var spec = options.Spec;
        var grid = spec.GridFor(model.Height, model.Width);
        using var engine = new OcclusionEngine();
        var maps = images.Select(i => engine.Explain(new ExplainRequest(model, i.Input.Value, spec, normalization) { Resources = new() { Execution = new ExecutionOptions(options.Threads) } }).HeatMap).ToList();
        Console.WriteLine($"refinement study over {maps.Count} exact heat maps ({grid.Rows}x{grid.Columns}): SSIM against the exact map, mean / min");
        Console.WriteLine("| k | r | positions | lowest value (the paper's) | local variation | lowest value, bicubic |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (int k in new[] { 2, 3, 4, 5 })
            foreach (double r in new[] { 0.05, 0.1, 0.2 })
            {
                var (rows, columns, coarse) = DrillDown.CoarseStage(grid, k);
                var computed = coarse.ToHashSet();
                int count = DrillDown.RefinedCount(grid, r, coarse.Count);
                var paper = new List<double>();
                var variation = new List<double>();
                var cubic = new List<double>();
                foreach (var exact in maps)
                {
                    var predicted = DrillDown.Upsample(coarse.Select(c => exact[c]).ToArray(), rows, columns, grid);
                    float[] With(IEnumerable<int> refined, float[]? basis = null)
                    {
                        var map = (float[])(basis ?? predicted).Clone();
                        foreach (var c in computed.Concat(refined)) map[c] = exact[c];
                        return map;
                    }
                    float Spread(int cell)
                    {
                        int y0 = Array.FindLastIndex(rows, v => v <= cell / grid.Columns), x0 = Array.FindLastIndex(columns, v => v <= cell % grid.Columns);
                        int y1 = Math.Min(y0 + 1, rows.Length - 1), x1 = Math.Min(x0 + 1, columns.Length - 1);
                        float[] corners = [exact[rows[y0] * grid.Columns + columns[x0]], exact[rows[y0] * grid.Columns + columns[x1]],
                            exact[rows[y1] * grid.Columns + columns[x0]], exact[rows[y1] * grid.Columns + columns[x1]]];
                        return corners.Max() - corners.Min();
                    }
                    paper.Add(Ssim.Compute(exact, With(new DrillDown(2, r).RefinedCells(predicted, computed, ValueKind.Probability)), grid.Rows, grid.Columns));
                    var byVariation = Enumerable.Range(0, grid.Count).Where(c => !computed.Contains(c)).OrderByDescending(Spread).ThenBy(c => c).Take(count);
                    variation.Add(Ssim.Compute(exact, With(byVariation), grid.Rows, grid.Columns));
                    var cubicPredicted = Bicubic(coarse.Select(c => exact[c]).ToArray(), rows, columns, grid);
                    cubic.Add(Ssim.Compute(exact, With(new DrillDown(2, r).RefinedCells(cubicPredicted, computed, ValueKind.Probability), cubicPredicted), grid.Rows, grid.Columns));
                }
                Console.WriteLine($"| {k} | {r:0.00} | {coarse.Count + count} ({(double)grid.Count / (coarse.Count + count):0.0}x fewer) | {paper.Average():0.000} / {paper.Min():0.000} | {variation.Average():0.000} / {variation.Min():0.000} | {cubic.Average():0.000} / {cubic.Min():0.000} |");
            }
    }

    /// <summary>Separable Catmull-Rom interpolation over the coarse lines (neighbours clamped at the ends).</summary>
    private static float[] Bicubic(float[] coarse, int[] rows, int[] columns, OcclusionGrid grid)
    {
        var across = new double[rows.Length * grid.Columns];
        for (int i = 0; i < rows.Length; i++)
            for (int j = 0; j < grid.Columns; j++)
                across[i * grid.Columns + j] = Cubic(columns, j, k => coarse[i * columns.Length + k]);
        var map = new float[grid.Count];
        for (int i = 0; i < grid.Rows; i++)
            for (int j = 0; j < grid.Columns; j++)
                map[i * grid.Columns + j] = (float)Cubic(rows, i, k => across[k * grid.Columns + j]);
        return map;
    }

    private static double Cubic(int[] lines, int index, Func<int, double> value)
    {
        var (lo, hi, t) = DrillDown.Bracket(lines, index);
        if (lo == hi) return value(lo);
        double p0 = value(Math.Max(lo - 1, 0)), p1 = value(lo), p2 = value(hi), p3 = value(Math.Min(hi + 1, lines.Length - 1));
        return 0.5 * (2 * p1 + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t * t + (-p0 + 3 * p1 - 3 * p2 + p3) * t * t * t);
    }
}
