using Krypton.Compilation;
using Krypton.Planning;
using Krypton.Spec;

namespace Krypton.Explain;

/// <summary>
/// An image bound to an opened program with its unoccluded run done (<see cref="OcclusionEngine.Bind"/>):
/// the plan, the targets and the top classes are known, and positions can be evaluated a few at a
/// time. Not thread-safe; holds the evaluator's buffers: dispose it.
/// </summary>
public sealed class BoundImage : IDisposable
{
    private readonly IPositionEvaluator _evaluator;
    private readonly ExplainRequest _request;

    internal BoundImage(IPositionEvaluator evaluator, ExplainRequest request, OcclusionPlan plan, OcclusionGrid grid, float[] logits, float[] probabilities,
        IReadOnlyList<int> targets, int primary, IReadOnlyList<ClassScore> top)
    {
        _evaluator = evaluator;
        _request = request;
        Plan = plan;
        Grid = grid;
        Logits = logits;
        Probabilities = probabilities;
        Targets = targets;
        Primary = primary;
        TopClasses = top;
    }

    /// <summary>How the experiment is computed.</summary>
    public OcclusionPlan Plan { get; }

    /// <summary>The grid of the request's spec.</summary>
    public OcclusionGrid Grid { get; }

    /// <summary>Every logit of the unoccluded image.</summary>
    public float[] Logits { get; }

    /// <summary>Every class probability of the unoccluded image.</summary>
    public float[] Probabilities { get; }

    /// <summary>The targets whose values are recorded, in order.</summary>
    public IReadOnlyList<int> Targets { get; }

    /// <summary>The target the map is about (the first one asked for, or the predicted class).</summary>
    public int Primary { get; }

    /// <summary>The most likely classes of the unoccluded image.</summary>
    public IReadOnlyList<ClassScore> TopClasses { get; }

    internal TimeSpan Planning { get; init; }
    internal TimeSpan Compile { get; init; }
    internal TimeSpan UnoccludedTime { get; init; }

    /// <summary>Where cached feature maps live, as the engine names the memory; null when there are none.</summary>
    public string? CacheMemory => _evaluator.CacheMemory;

    /// <summary>
    /// Each target's value (in the spec's units: a drop is the unoccluded value minus the occluded
    /// one) with the patch at each of the given positions (top-left corners, any pixel), from one
    /// call per batch: what <c>--positions</c> computes, without running the unoccluded image again.
    /// </summary>
    /// <returns>One map per target, its <see cref="TargetMap.PositionValues"/> in the order of <paramref name="positions"/>.</returns>
    public IReadOnlyList<TargetMap> Probe(IReadOnlyList<(int Y, int X)> positions, CancellationToken cancellation = default)
    {
        var spec = _request.Spec with { Positions = positions, RegionOfInterest = null };
        spec.Validate(_request.Model.Height, _request.Model.Width);
        return new Sweep(_evaluator, Plan, spec, Grid, ScoreHead.OutputFormOf(_request.Model), null, cancellation).Run(Targets, Logits, Probabilities);
    }

    internal Sweep NewSweep(IProgress<OcclusionProgress>? progress, CancellationToken cancellation, SweepOrder order, IProgress<MapValues>? values) =>
        new(_evaluator, Plan, _request.Spec, Grid, ScoreHead.OutputFormOf(_request.Model), progress, cancellation, order, values);

    /// <inheritdoc/>
    public void Dispose() => _evaluator.Dispose();
}
