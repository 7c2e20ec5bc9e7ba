using System.Diagnostics;

namespace Krypton.Occlusion;

/// <summary>Progress of an occlusion run, in positions.</summary>
/// <param name="Done">Positions evaluated so far.</param>
/// <param name="Total">Positions to evaluate.</param>
/// <param name="Elapsed">Time since the sweep started.</param>
public readonly record struct OcclusionProgress(int Done, int Total, TimeSpan Elapsed)
{
    /// <summary>Estimated time left, from the rate so far; null before the first batch.</summary>
    public TimeSpan? Remaining => Done == 0 ? null : TimeSpan.FromTicks((long)(Elapsed.Ticks * (double)(Total - Done) / Done));
}

/// <summary>
/// Turns a set of grid cells into batches of positions, feeds them to an evaluator and
/// assembles the values. Knows nothing about how positions are evaluated.
/// </summary>
public static class OcclusionRunner
{
    /// <summary>
    /// Evaluates the given cells in batches and returns, per target, the values on the whole grid
    /// (row-major, NaN where a cell was not evaluated).
    /// </summary>
    public static float[][] Sweep(IPositionEvaluator evaluator, OcclusionGrid grid, IReadOnlyList<int> cells, int batchSize,
        IProgress<OcclusionProgress>? progress = null, CancellationToken cancellation = default)
    {
        if (batchSize <= 0)
            throw new KryptonException($"batch size {batchSize} must be positive");
        int k = evaluator.TargetCount;
        var maps = Enumerable.Range(0, k).Select(_ => Enumerable.Repeat(float.NaN, grid.Count).ToArray()).ToArray();
        var clock = Stopwatch.StartNew();
        var positions = new (int Y, int X)[Math.Min(batchSize, Math.Max(cells.Count, 1))];
        progress?.Report(new OcclusionProgress(0, cells.Count, TimeSpan.Zero));
        for (int start = 0; start < cells.Count; start += batchSize)
        {
            cancellation.ThrowIfCancellationRequested();
            int n = Math.Min(batchSize, cells.Count - start);
            for (int i = 0; i < n; i++)
                positions[i] = grid.Origin(cells[start + i] / grid.Columns, cells[start + i] % grid.Columns);
            float[] values = evaluator.Evaluate(positions.AsSpan(0, n));
            for (int i = 0; i < n; i++)
                for (int t = 0; t < k; t++)
                    maps[t][cells[start + i]] = values[i * k + t];
            progress?.Report(new OcclusionProgress(start + n, cells.Count, clock.Elapsed));
        }
        return maps;
    }
}
