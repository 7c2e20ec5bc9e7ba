using Krypton.Model;
using Krypton.Planning;
using Krypton.Spec;

namespace Krypton.Explain;

/// <summary>
/// One image's sweep over the plan's positions on a bound evaluator: the grid's cells (those
/// overlapping the region of interest), explicit positions, or drill-down's two stages; every
/// target's values from the same calls, turned into drops (of the probability, or of the model's own
/// output for a delta) when the spec asks for them.
/// </summary>
internal sealed class Sweep(IPositionEvaluator evaluator, OcclusionPlan plan, OcclusionSpec spec, OcclusionGrid grid, OutputForm form,
    IProgress<OcclusionProgress>? progress, CancellationToken cancellation)
{
    /// <summary>Each target's map, in the order of <paramref name="targets"/>.</summary>
    public IReadOnlyList<TargetMap> Run(IReadOnlyList<int> targets, float[] logits, float[] probabilities)
    {
        int k = targets.Count;
        var unoccluded = targets.Select(t => TargetValues.Unoccluded(spec.Value, form, logits, probabilities, t)).ToArray();
        // Values position-major, [positions, targets].
        float[] Values(IReadOnlyList<(int Y, int X)> at)
        {
            float[] v = OcclusionRunner.Evaluate(evaluator, at, plan.BatchSize, progress, cancellation);
            if (spec.Value.IsDrop())
                for (int i = 0; i < v.Length; i++) v[i] = unoccluded[i % k] - v[i];
            return v;
        }
        var maps = new float[k][];
        float[] values = [];
        if (plan.Approximation.DrillDown is { } drill)
            maps[0] = drill.Run(grid, spec.Value, at => Values(at.Select(c => grid.Origin(c)).ToList())).Map;
        else if (spec.Positions is { } positions)
        {
            values = Values(positions);
            for (int t = 0; t < k; t++) maps[t] = [];
        }
        else
        {
            var cells = grid.Cells(spec.RegionOfInterest).ToList();
            values = Values(cells.Select(c => grid.Origin(c)).ToList());
            for (int t = 0; t < k; t++)
            {
                maps[t] = Enumerable.Repeat(float.NaN, grid.Count).ToArray();
                for (int i = 0; i < cells.Count; i++) maps[t][cells[i]] = values[i * k + t];
            }
        }
        return targets.Select((t, j) => new TargetMap(t, maps[j], unoccluded[j], probabilities[t],
            spec.Positions is { } list ? Enumerable.Range(0, list.Count).Select(i => values[i * k + j]).ToArray() : null)).ToList();
    }
}
