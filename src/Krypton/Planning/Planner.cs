using System.Globalization;
using Krypton.Compilation;
using Krypton.Incremental;
using Krypton.Model;
using Krypton.Spec;

namespace Krypton.Planning;

/// <summary>
/// Decides how occlusion experiments are computed, before any work: the method (with a quality
/// target, from a tuning profile), positions, batch, calls, memory and an estimated time. Keeps the
/// incremental plans and compiled incremental graphs it made (one per model, patch size, τ and
/// value kind), which the engine then runs: sizing the memory needs the compiled graph anyway.
/// </summary>
public sealed class Planner
{
    private readonly Dictionary<(ModelGraph, Size2, double), (IncrementalPlan? Plan, string? Fallback)> _plans = [];
    private readonly Dictionary<(IncrementalPlan, ValueKind, Precision), CompiledIncremental> _compiled = [];

    /// <summary>
    /// The plan of an experiment on <paramref name="model"/>: checks the spec and the method, chooses
    /// the approximation, the batch from the memory budget, and estimates cost and time. Compiles the
    /// incremental graphs (not their sessions) to size the memory.
    /// </summary>
    /// <exception cref="KryptonException">The spec or the method does not fit the model or each other.</exception>
    public OcclusionPlan Plan(ModelGraph model, OcclusionSpec spec, MethodOptions method, ResourceOptions resources)
    {
        spec.Validate(model.Height, model.Width);
        spec.Target?.Validate(model.OutputSize);
        resources.Check();
        var grid = spec.GridFor(model.Height, model.Width);
        int positions = spec.Positions?.Count ?? grid.Cells(spec.RegionOfInterest).Count();
        if (positions == 0)
            throw new KryptonException("no patch position overlaps the region of interest");

        var execution = resources.Execution;
        var (approximation, reason, predicted) = MethodChoice.Choose(model, spec, method, execution.IsCuda);
        execution.Check(approximation.Precision);
        var (incremental, fallback) = method.Mode == OcclusionMode.Exact ? Incremental(model, spec.Patch, approximation.Tau) : (null, null);
        long bytesPerPosition = incremental is null ? NaiveOcclusionGraph.BytesPerPosition(model) : Compiled(incremental, spec.Value, approximation.Precision).BytesPerPosition;
        int batch = MemoryBudget.For(model, resources.BatchSize, () =>
            MemoryBudget.BatchSize(resources.MemoryBudgetBytes ?? MemoryBudget.DefaultBudgetBytes(execution), bytesPerPosition, positions, execution.IsCuda, wholeImages: incremental is null));
        var (coarse, refined) = approximation.DrillDown is { } drill ? drill.Counts(grid) : (0, 0);
        int evaluated = approximation.DrillDown is null ? positions : approximation.Positions(grid);
        int calls = approximation.DrillDown is null ? Calls(positions, batch) : Calls(coarse, batch) + Calls(refined, batch);
        long macs = incremental?.MultiplyAdds() ?? model.MultiplyAdds;
        var mode = incremental is null ? OcclusionMode.Naive : OcclusionMode.Exact;
        var (time, basis) = EstimateTime(method.Profile, execution, mode, approximation, fallback, macs, evaluated);
        return new OcclusionPlan
        {
            Mode = mode,
            Approximation = approximation,
            Reason = reason,
            FallbackReason = fallback,
            GridPositions = positions,
            CoarsePositions = coarse,
            RefinedPositions = refined,
            EvaluatedPositions = evaluated,
            BatchSize = batch,
            InferenceCalls = calls,
            LayersPerCall = incremental?.ComputedLayers ?? model.Nodes.Count,
            MultiplyAddsPerPosition = macs,
            FullMultiplyAdds = model.MultiplyAdds,
            BytesPerPosition = bytesPerPosition,
            EstimatedTime = time,
            TimeBasis = basis,
            Quality = method.Quality,
            PredictedSsim = predicted,
        };
    }

    /// <summary>
    /// The incremental plan of a model for a patch size and τ (made on first use), or null with
    /// the reason when the model has no incremental form (it then runs naive).
    /// </summary>
    public (IncrementalPlan? Plan, string? Fallback) Incremental(ModelGraph model, Size2 patch, double tau)
    {
        if (_plans.TryGetValue((model, patch, tau), out var known)) return known;
        (IncrementalPlan?, string?) made;
        try { made = (IncrementalPlan.Build(ScoreHead.Logits(model), patch.Height, patch.Width, tau), null); }
        catch (IncrementalNotSupportedException e) { made = (null, e.Message); }
        return _plans[(model, patch, tau)] = made;
    }

    /// <summary>The incremental plan's graphs for a value kind and precision, compiled on first use.</summary>
    public CompiledIncremental Compiled(IncrementalPlan plan, ValueKind value, Precision precision = Precision.Fp32)
    {
        if (!_compiled.TryGetValue((plan, value, precision), out var compiled))
            _compiled[(plan, value, precision)] = compiled = IncrementalGraph.Compile(plan, value, precision);
        return compiled;
    }

    private static int Calls(int positions, int batch) => (positions + batch - 1) / batch;

    /// <summary>
    /// The sweep's time: the profile's measured time per position when it was tuned on the same
    /// device and threads in the plan's precision, else the multiply-adds at this machine's
    /// measured convolution rate in the plan's precision.
    /// </summary>
    private static (TimeSpan Time, string Basis) EstimateTime(QualityProfile? profile, Runtime.ExecutionOptions execution, OcclusionMode mode,
        Approximation approximation, string? fallback, long macs, int evaluated)
    {
        if (profile is not null && profile.Device == execution.Device.ToString() && profile.Threads == execution.EffectiveThreads && fallback is null
            && (mode == OcclusionMode.Naive ? approximation.Precision == Precision.Fp32 : profile.MsPerPositionIn(approximation.Precision) is not null))
        {
            double ms = mode == OcclusionMode.Naive ? profile.NaiveMsPerPosition : TauValue.Interpolate(profile.MsPerPositionIn(approximation.Precision)!, approximation.Tau);
            return (TimeSpan.FromMilliseconds(ms * evaluated), $"times per position that krypton tune measured on {profile.Device} with {profile.Threads} threads");
        }
        double rate = ThroughputProbe.MultiplyAddsPerSecond(execution, approximation.Precision);
        string kind = approximation.Precision == Precision.Fp32 ? "" : approximation.Precision.Name() + " ";
        return (TimeSpan.FromSeconds((double)macs * evaluated / rate),
            string.Create(CultureInfo.InvariantCulture, $"multiply-adds at this machine's {kind}convolution rate, {rate / 1e9:0.#} G/s measured now; gathers and small layers make real runs slower"));
    }
}
