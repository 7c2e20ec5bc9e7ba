using Krypton.Model;
using Krypton.Planning;
using Krypton.Spec;

namespace Krypton.Explain;

/// <summary>The result of an occlusion experiment.</summary>
/// <param name="Spec">The spec it answers.</param>
/// <param name="Grid">The positions.</param>
/// <param name="Plan">The plan that computed it: mode, approximation, positions, batch (and why).</param>
/// <param name="Maps">
/// Every target's map, in the order the selection gives (<see cref="OcclusionSpec.Target"/>): one
/// sweep computed them all. With one target, just that one.
/// </param>
/// <param name="Target">The primary target (see <see cref="TargetSelection.Resolve"/>): the map the single-map outputs show.</param>
/// <param name="TopClasses">The highest-scoring outputs of the unoccluded input.</param>
/// <param name="Timings">Step times.</param>
/// <param name="PeakMemoryBytes">Peak resident memory of the process during the run.</param>
/// <param name="FillValues">The fill in model space, per channel; empty when it varies over the image (blur).</param>
public sealed record Explanation(
    OcclusionSpec Spec,
    OcclusionGrid Grid,
    OcclusionPlan Plan,
    IReadOnlyList<TargetMap> Maps,
    int Target,
    IReadOnlyList<ClassScore> TopClasses,
    Timings Timings,
    long PeakMemoryBytes,
    float[] FillValues)
{
    /// <summary>The primary target's map.</summary>
    public TargetMap Primary => Maps.First(m => m.Target == Target);

    /// <summary>The primary target's values row-major, Grid.Rows × Grid.Columns (NaN outside the region of interest); empty for explicit positions.</summary>
    public float[] HeatMap => Primary.HeatMap;

    /// <summary>The primary target's value (in the spec's units, before any drop) without occlusion.</summary>
    public float UnoccludedValue => Primary.UnoccludedValue;

    /// <summary>The primary target's probability without occlusion.</summary>
    public float UnoccludedProbability => Primary.UnoccludedProbability;

    /// <summary>For an explicit list of positions (<see cref="OcclusionSpec.Positions"/>): the primary target's values, in order; the heat map is then empty.</summary>
    public float[]? PositionValues => Primary.PositionValues;

    /// <summary>How it was computed (<see cref="OcclusionPlan.RunMode"/>): naive, exact or approximate, with "+drill-down".</summary>
    public string Mode => Plan.RunMode;

    /// <summary>Positions evaluated.</summary>
    public int Positions => Plan.EvaluatedPositions;

    /// <summary>Positions per inference call.</summary>
    public int BatchSize => Plan.BatchSize;

    /// <summary>Why an incremental mode fell back to naive, or null.</summary>
    public string? FallbackReason => Plan.FallbackReason;

    /// <summary>The planner's estimate of the working memory of one batch, in bytes.</summary>
    public long EstimatedBytes => Plan.EstimatedBytes;

    /// <summary>Names of the model's outputs (class labels) and where they came from; null when nothing names them.</summary>
    public ClassLabels? Labels { get; init; }

    /// <summary>
    /// Where incremental inference kept the cached feature maps while the positions ran, as ONNX
    /// Runtime names the memory: "Cpu", or "Cuda" on a GPU (they never left it). Null for naive runs.
    /// </summary>
    public string? CacheMemory { get; init; }

    /// <summary>The smallest and largest finite value of the primary target's map (or positions' values); nulls when there is none.</summary>
    public (float? Min, float? Max) Range => Primary.Range;

    /// <summary>The maps of the <paramref name="count"/> targets most likely without occlusion, in the selection's order.</summary>
    public IEnumerable<TargetMap> MostLikely(int count)
    {
        var chosen = Maps.OrderByDescending(m => m.UnoccludedProbability).ThenBy(m => m.Target).Take(count).ToHashSet();
        return Maps.Where(chosen.Contains);
    }

    /// <summary>The label of an output index, or null when there is none.</summary>
    public string? ClassName(int index) => Labels?.NameOf(index);
}
