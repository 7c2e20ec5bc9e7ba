using System.Diagnostics;

namespace Krypton.Explain;

/// <summary>
/// Turns a set of grid cells into batches of positions, feeds them to an evaluator and
/// assembles the values. Knows nothing about how positions are evaluated.
/// </summary>
public static class OcclusionRunner
{
    /// <summary>
    /// Evaluates the positions (patch top-left corners) in batches and returns their values,
    /// position-major: [positions, targets]. <paramref name="batchDone"/>, when given, sees each
    /// batch's values as they arrive, with the index of the batch's first position.
    /// </summary>
    public static float[] Evaluate(IPositionEvaluator evaluator, IReadOnlyList<(int Y, int X)> positions, int batchSize,
        IProgress<OcclusionProgress>? progress = null, CancellationToken cancellation = default, Action<int, float[]>? batchDone = null)
    {
        if (batchSize <= 0)
            throw new KryptonException($"batch size {batchSize} must be positive");
        int k = evaluator.TargetCount;
        var values = new float[positions.Count * k];
        var clock = Stopwatch.StartNew();
        var batch = new (int Y, int X)[Math.Min(batchSize, Math.Max(positions.Count, 1))];
        progress?.Report(new OcclusionProgress(0, positions.Count, TimeSpan.Zero));
        for (int start = 0; start < positions.Count; start += batchSize)
        {
            cancellation.ThrowIfCancellationRequested();
            int n = Math.Min(batchSize, positions.Count - start);
            for (int i = 0; i < n; i++) batch[i] = positions[start + i];
            var batchValues = evaluator.Evaluate(batch.AsSpan(0, n), cancellation);
            batchValues.CopyTo(values, start * k);
            batchDone?.Invoke(start, batchValues);
            progress?.Report(new OcclusionProgress(start + n, positions.Count, clock.Elapsed));
        }
        return values;
    }
}
