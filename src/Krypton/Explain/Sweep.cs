using Krypton.Model;
using Krypton.Planning;
using Krypton.Spec;

namespace Krypton.Explain;

/// <summary>
/// One image's sweep over the plan's positions on a bound evaluator: the grid's cells (those
/// overlapping the region of interest, in the order asked for), explicit positions, or drill-down's
/// two stages; every target's values from the same calls, turned into drops (of the probability, or
/// of the model's own output for a delta) when the spec asks for them. A watcher
/// (<paramref name="values"/>) sees each batch of cells with their values as they arrive.
/// </summary>
internal sealed class Sweep(IPositionEvaluator evaluator, OcclusionPlan plan, OcclusionSpec spec, OcclusionGrid grid, OutputForm form,
    IProgress<OcclusionProgress>? progress, CancellationToken cancellation, SweepOrder order = SweepOrder.RowMajor, IProgress<MapValues>? values = null)
{
    /// <summary>Each target's map, in the order of <paramref name="targets"/>; <paramref name="primary"/> (default the first) is the one a watcher is told to show.</summary>
    public IReadOnlyList<TargetMap> Run(IReadOnlyList<int> targets, float[] logits, float[] probabilities, int? primary = null)
    {
        int k = targets.Count;
        var unoccluded = targets.Select(t => TargetValues.Unoccluded(spec.Value, form, logits, probabilities, t)).ToArray();
        int primaryColumn = primary is { } p ? Math.Max(0, targets.ToList().IndexOf(p)) : 0;
        var targetProbabilities = targets.Select(t => probabilities[t]).ToArray();
        void ToMapUnits(float[] v)
        {
            if (spec.Value.IsDrop())
                for (int i = 0; i < v.Length; i++) v[i] = unoccluded[i % k] - v[i];
        }
        // Values position-major, [positions, targets]; cells, when given, are reported to the watcher.
        float[] Evaluate(IReadOnlyList<(int Y, int X)> at, IReadOnlyList<int>? cells = null)
        {
            Action<int, float[]>? batchDone = values is null || cells is null ? null : (start, batch) =>
            {
                var copy = (float[])batch.Clone();
                ToMapUnits(copy);
                values.Report(new MapValues(Enumerable.Range(start, copy.Length / k).Select(i => cells[i]).ToArray(), copy, targets,
                    unoccluded, targetProbabilities, primaryColumn));
            };
            float[] v = OcclusionRunner.Evaluate(evaluator, at, plan.BatchSize, progress, cancellation, batchDone);
            ToMapUnits(v);
            return v;
        }
        float[] OfCells(IReadOnlyList<int> cells) => Evaluate(cells.Select(c => grid.Origin(c)).ToList(), cells);
        var maps = new float[k][];
        float[] found = [];
        if (plan.Approximation.DrillDown is { } drill)
            maps[0] = drill.Run(grid, spec.Value, OfCells).Map;
        else if (spec.Positions is { } positions)
        {
            found = Evaluate(positions);
            for (int t = 0; t < k; t++) maps[t] = [];
        }
        else
        {
            var cells = SweepOrders.Arrange(grid.Cells(spec.RegionOfInterest), grid, order);
            found = OfCells(cells);
            for (int t = 0; t < k; t++)
            {
                maps[t] = Enumerable.Repeat(float.NaN, grid.Count).ToArray();
                for (int i = 0; i < cells.Count; i++) maps[t][cells[i]] = found[i * k + t];
            }
        }
        return targets.Select((t, j) => new TargetMap(t, maps[j], unoccluded[j], probabilities[t],
            spec.Positions is { } list ? Enumerable.Range(0, list.Count).Select(i => found[i * k + j]).ToArray() : null)).ToList();
    }
}
