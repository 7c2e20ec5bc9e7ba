using Krypton.Imaging;
using System.Diagnostics;
using Krypton.Incremental;
using Krypton.Model;
using Krypton.Compilation;
using Krypton.Planning;
using Krypton.Runtime;
using Krypton.Spec;

namespace Krypton.Explain;

/// <summary>An occlusion experiment to run: the model, its prepared input and the spec.</summary>
/// <param name="Model">The model graph.</param>
/// <param name="Input">Model input [1, C, H, W], already resized and normalized.</param>
/// <param name="Spec">What to compute.</param>
/// <param name="Normalization">How pixels became the input (for pixel-space fills).</param>
/// <param name="BatchSize">Positions per inference call; null to derive it from the memory budget.</param>
/// <param name="MemoryBudgetBytes">Memory a run may use; null for a share of the free memory.</param>
/// <param name="Execution">ONNX Runtime options.</param>
/// <param name="Mode">How to compute: exact incremental inference (the default) or naive.</param>
/// <param name="DrillDown">Adaptive drill-down (coarse stage, then the fine stride where it matters), or null.</param>
/// <param name="Tau">Projective-field threshold τ ∈ (0, 1] for incremental inference (KRYPTON §3): below 1 each layer's changed region is capped at τ of the layer's size, an approximation.</param>
/// <param name="Quality">The heat-map quality wanted (SSIM against the exact map, in (0, 1]); the planner then chooses exact inference, τ and drill-down itself. Null to compute as <paramref name="Mode"/>, <paramref name="Tau"/> and <paramref name="DrillDown"/> say.</param>
/// <param name="Profile">What tuning learned about this model (<c>krypton tune</c>), used with <paramref name="Quality"/>; without one the planner stays exact.</param>
public sealed record ExplainRequest(
    ModelGraph Model,
    float[] Input,
    OcclusionSpec Spec,
    Preprocessing Normalization,
    int? BatchSize = null,
    long? MemoryBudgetBytes = null,
    ExecutionOptions? Execution = null,
    OcclusionMode Mode = OcclusionMode.Exact,
    double Tau = 1.0,
    DrillDown? DrillDown = null,
    double? Quality = null,
    QualityProfile? Profile = null);

/// <summary>How an occlusion experiment is computed.</summary>
public enum OcclusionMode
{
    /// <summary>One full inference per position, batched.</summary>
    Naive,
    /// <summary>KRYPTON's incremental inference: only the region each patch reaches is recomputed; the same heat map.</summary>
    Exact,
}

/// <summary>One class's score on the unoccluded input.</summary>
public readonly record struct ClassScore(int Index, float Probability, float Logit);

/// <summary>How long each step took.</summary>
public sealed record Timings(TimeSpan Compile, TimeSpan Unoccluded, TimeSpan Sweep, TimeSpan Total)
{
    /// <summary>Positions per second of the sweep.</summary>
    public double PositionsPerSecond(int positions) => positions / Math.Max(Sweep.TotalSeconds, 1e-9);
}

/// <summary>One target's heat map, from the sweep that computed every target's.</summary>
/// <param name="Target">The flattened output index.</param>
/// <param name="HeatMap">Values row-major, Grid.Rows × Grid.Columns (NaN outside the region of interest); empty for explicit positions.</param>
/// <param name="UnoccludedValue">Its value (in the spec's units, before any drop) without occlusion.</param>
/// <param name="UnoccludedProbability">Its probability without occlusion.</param>
/// <param name="PositionValues">For explicit positions: their values, in order; else null.</param>
public sealed record TargetMap(int Target, float[] HeatMap, float UnoccludedValue, float UnoccludedProbability, float[]? PositionValues = null)
{
    /// <summary>The smallest and largest finite value (of the positions' values when there are positions); nulls when there is none.</summary>
    public (float? Min, float? Max) Range => RangeOf(PositionValues ?? HeatMap);

    internal static (float? Min, float? Max) RangeOf(float[] values)
    {
        var finite = values.Where(float.IsFinite).ToArray();
        return finite.Length > 0 ? (finite.Min(), finite.Max()) : (null, null);
    }
}

/// <summary>The result of an occlusion experiment.</summary>
/// <param name="Spec">The spec it answers.</param>
/// <param name="Grid">The positions.</param>
/// <param name="Target">The flattened output index explained; with several targets, the primary one (see <see cref="TargetSelection.Resolve"/>).</param>
/// <param name="HeatMap">The target's values row-major, Grid.Rows × Grid.Columns (NaN outside the region of interest); empty for explicit positions.</param>
/// <param name="UnoccludedValue">The target's value (in the spec's units, before any drop) without occlusion.</param>
/// <param name="UnoccludedProbability">The target's probability without occlusion.</param>
/// <param name="TopClasses">The highest-scoring outputs of the unoccluded input.</param>
/// <param name="Mode">How it was computed.</param>
/// <param name="Positions">Positions evaluated.</param>
/// <param name="BatchSize">Positions per inference call.</param>
/// <param name="Timings">Step times.</param>
/// <param name="PeakMemoryBytes">Peak resident memory of the process during the run.</param>
/// <param name="FillValues">The fill in model space, per channel; empty when it varies over the image (blur).</param>
/// <param name="FallbackReason">Why an incremental mode fell back to naive, or null.</param>
public sealed record Explanation(
    OcclusionSpec Spec,
    OcclusionGrid Grid,
    int Target,
    float[] HeatMap,
    float UnoccludedValue,
    float UnoccludedProbability,
    IReadOnlyList<ClassScore> TopClasses,
    string Mode,
    int Positions,
    int BatchSize,
    Timings Timings,
    long PeakMemoryBytes,
    float[] FillValues,
    string? FallbackReason = null)
{
    private readonly IReadOnlyList<TargetMap>? _maps;

    /// <summary>For an explicit list of positions (<see cref="OcclusionSpec.Positions"/>): their values, in order; the heat map is then empty.</summary>
    public float[]? PositionValues { get; init; }

    /// <summary>
    /// Every target's map, in the order the selection gives (<see cref="OcclusionSpec.Target"/>):
    /// one sweep computed them all. With one target, just that one (<see cref="Target"/>, <see cref="HeatMap"/>).
    /// </summary>
    public IReadOnlyList<TargetMap> Maps
    {
        get => _maps ?? [new TargetMap(Target, HeatMap, UnoccludedValue, UnoccludedProbability, PositionValues)];
        init => _maps = value;
    }

    /// <summary>The planner's estimate of the working memory of one batch, in bytes.</summary>
    public long EstimatedBytes { get; init; }

    /// <summary>Names of the model's outputs (class labels), indexed like the flattened output; null when the model has none.</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>The plan that computed it.</summary>
    public OcclusionPlan? Plan { get; init; }

    /// <summary>
    /// Where incremental inference kept the cached feature maps while the positions ran, as ONNX
    /// Runtime names the memory: "Cpu", or "Cuda" on a GPU (they never left it). Null for naive runs.
    /// </summary>
    public string? CacheMemory { get; init; }

    /// <summary>The smallest and largest finite value of the target's map (or positions' values); nulls when there is none.</summary>
    public (float? Min, float? Max) Range => TargetMap.RangeOf(PositionValues ?? HeatMap);

    /// <summary>The maps of the <paramref name="count"/> targets most likely without occlusion, in the selection's order.</summary>
    public IEnumerable<TargetMap> MostLikely(int count)
    {
        var chosen = Maps.OrderByDescending(m => m.UnoccludedProbability).ThenBy(m => m.Target).Take(count).ToHashSet();
        return Maps.Where(chosen.Contains);
    }

    /// <summary>The label of an output index, or null when there is none.</summary>
    public string? ClassName(int index) => ClassNames is { } names && index >= 0 && index < names.Count ? names[index] : null;
}

/// <summary>Runs occlusion experiments: the library's entry point.</summary>
public static class Explainer
{
    /// <summary>Number of top classes reported.</summary>
    public const int TopK = 5;

    /// <summary>
    /// Runs one experiment with programs compiled for it alone. To explain several images with
    /// the same model, keep an <see cref="OcclusionEngine"/>: it compiles once and reuses.
    /// </summary>
    public static Explanation Explain(ExplainRequest request, IProgress<OcclusionProgress>? progress = null, CancellationToken cancellation = default)
    {
        using var engine = new OcclusionEngine();
        return engine.Explain(request, progress, cancellation);
    }
}

/// <summary>
/// Plans and runs occlusion experiments and keeps their compiled programs (one per model, patch
/// size, value kind, mode, τ and execution options), so that later images reuse the graphs and
/// sessions. Holds native memory: dispose it.
/// </summary>
public sealed class OcclusionEngine : IDisposable
{
    private readonly Dictionary<(ModelGraph, Size2, ValueKind, OcclusionMode, double, ExecutionOptions), OcclusionProgram> _programs = [];
    private readonly Dictionary<(ModelGraph, Size2, double), (IncrementalPlan? Plan, string? Fallback)> _plans = [];
    private readonly Dictionary<(IncrementalPlan, ValueKind), CompiledIncremental> _compiled = [];

    /// <summary>Number of programs compiled so far.</summary>
    public int CompiledPrograms => _programs.Count;

    /// <summary>
    /// Decides how the experiment will be computed, before any work: the method (with the quality
    /// target and profile, if the request has them), positions, batch, calls, memory and an
    /// estimated time. Compiles the incremental graphs (not their sessions) to size the memory.
    /// </summary>
    public OcclusionPlan Plan(ExplainRequest request)
    {
        var model = request.Model;
        var spec = request.Spec;
        spec.Validate(model.Height, model.Width);
        long expected = (long)model.Channels * model.Height * model.Width;
        if (request.Input.LongLength != expected)
            throw new KryptonException($"input has {request.Input.LongLength} values, the model expects {model.Channels}x{model.Height}x{model.Width}");
        spec.Target?.Validate(model.OutputSize);
        var grid = new OcclusionGrid(model.Height, model.Width, spec.Patch, spec.Stride);
        int positions = spec.Positions?.Count ?? grid.Cells(spec.RegionOfInterest).Count();
        if (positions == 0)
            throw new KryptonException("no patch position overlaps the region of interest");

        var (approximation, reason, predicted) = ChooseMethod(request);
        var options = request.Execution ?? ExecutionOptions.Default;
        var (incremental, fallback) = request.Mode == OcclusionMode.Exact ? IncrementalPlanFor(model, spec.Patch, approximation.Tau) : (null, null);
        long bytesPerPosition = incremental is null ? Krypton.Explain.NaiveProgram.BytesPerPositionOf(model) : CompiledFor(incremental, spec.Value).BytesPerPosition;
        int batch = MemoryBudget.For(model, request.BatchSize, () =>
            MemoryBudget.BatchSize(request.MemoryBudgetBytes ?? MemoryBudget.DefaultBudgetBytes(options), bytesPerPosition, positions, options.IsCuda, wholeImages: incremental is null));
        var (coarse, refined) = approximation.DrillDown is { } drill ? drill.Counts(grid) : (0, 0);
        int evaluated = approximation.DrillDown is null ? positions : approximation.Positions(grid);
        int calls = approximation.DrillDown is null ? Calls(positions, batch) : Calls(coarse, batch) + Calls(refined, batch);
        long macs = incremental?.MultiplyAdds() ?? model.MultiplyAdds;
        string method = incremental is null ? "naive" : approximation.IsExact ? "exact" : "approximate";
        if (incremental is null && approximation.DrillDown is not null) method = "naive+drill-down";

        TimeSpan time;
        string basis;
        int threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        if (request.Profile is { } profile && profile.Device == options.Device && profile.Threads == threads && fallback is null)
        {
            double ms = incremental is null ? profile.NaiveMsPerPosition : TauValue.Interpolate(profile.MsPerPosition, approximation.Tau);
            time = TimeSpan.FromMilliseconds(ms * evaluated);
            basis = $"times per position that krypton tune measured on {profile.Device} with {profile.Threads} threads";
        }
        else
        {
            double rate = ThroughputProbe.MultiplyAddsPerSecond(options);
            time = TimeSpan.FromSeconds((double)macs * evaluated / rate);
            basis = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"multiply-adds at this machine's convolution rate, {rate / 1e9:0.#} G/s measured now; gathers and small layers make real runs slower");
        }
        return new OcclusionPlan(method, incremental is null ? OcclusionMode.Naive : OcclusionMode.Exact, approximation, reason, fallback,
            positions, coarse, refined, evaluated, batch, calls, incremental?.ComputedLayers ?? model.Nodes.Count,
            macs, model.MultiplyAdds, bytesPerPosition, time, basis, request.Quality, predicted);
    }

    private static int Calls(int positions, int batch) => (positions + batch - 1) / batch;

    /// <summary>The approximation to run, why, and the profile's predicted SSIM.</summary>
    private static (Approximation, string Reason, double? PredictedSsim) ChooseMethod(ExplainRequest request)
    {
        if (!(request.Tau > 0 && request.Tau <= 1))
            throw new KryptonException($"projective-field threshold tau = {request.Tau} must lie in (0, 1]");
        if (request.Tau < 1 && request.Mode == OcclusionMode.Naive)
            throw new KryptonException("tau applies to incremental inference; it has no meaning in naive mode");
        var spec = request.Spec;
        bool gridOnly = spec.Positions is null && spec.RegionOfInterest is null;
        if (request.DrillDown is not null && !gridOnly)
            throw new KryptonException("drill-down refines the whole grid; it does not combine with --positions or --roi");
        // Drill-down refines where one map matters; several maps would each want other cells.
        bool oneTarget = spec.Target?.IsSingle ?? true;
        if (request.DrillDown is not null && !oneTarget)
            throw new KryptonException($"drill-down refines where one target's map matters; it does not go with several targets ({spec.Target}): use tau, or one target");
        if (request.Quality is not double quality)
        {
            var asked = new Approximation(request.Tau, request.DrillDown);
            string why = request.Mode == OcclusionMode.Naive ? "naive mode was asked for"
                : asked.IsExact ? "exact incremental inference (the default)" : "the approximation was asked for";
            return (asked, why, null);
        }
        QualityProfile.CheckQuality(quality);
        if (request.Tau < 1 || request.DrillDown is not null)
            throw new KryptonException("give a quality target or tau/drill-down settings, not both: with a quality target the planner chooses them");
        if (request.Mode == OcclusionMode.Naive)
            throw new KryptonException("a quality target lets the planner choose the method; it does not go with naive mode");
        if (quality >= 1)
            return (Approximation.None, "quality 1 asks for the exact map", 1.0);
        if (request.Profile is not { } profile)
            return (Approximation.None, "no tuning profile for this model (krypton tune makes one): exact inference, which meets any quality target", 1.0);
        profile.CheckApplies(request.Model, spec);
        var choice = profile.Choose(quality, allowDrillDown: gridOnly && oneTarget);
        string reason = choice.Approximation.IsExact
            ? $"no approximation is predicted to reach SSIM {quality:0.###} for {profile.Confidence:P0} of images; exact inference"
            : $"the fastest settings predicted to reach SSIM {quality:0.###} for {profile.Confidence:P0} of images (there {choice.PredictedLowerSsim:0.###}; {choice.PredictedSpeedupVsExact:0.#}x faster than exact when tuned)";
        return (choice.Approximation, reason, choice.PredictedSsim);
    }

    private (IncrementalPlan?, string?) IncrementalPlanFor(ModelGraph model, Size2 patch, double tau)
    {
        if (_plans.TryGetValue((model, patch, tau), out var known)) return known;
        (IncrementalPlan?, string?) made;
        try { made = (IncrementalPlan.Build(ScoreHead.Logits(model), patch.Height, patch.Width, tau), null); }
        catch (IncrementalNotSupportedException e) { made = (null, e.Message); }
        return _plans[(model, patch, tau)] = made;
    }

    private CompiledIncremental CompiledFor(IncrementalPlan plan, ValueKind value)
    {
        if (!_compiled.TryGetValue((plan, value), out var compiled))
            _compiled[(plan, value)] = compiled = IncrementalGraph.Compile(plan, value);
        return compiled;
    }

    /// <summary>Plans and runs the experiment.</summary>
    public Explanation Explain(ExplainRequest request, IProgress<OcclusionProgress>? progress = null, CancellationToken cancellation = default)
    {
        var total = Stopwatch.StartNew();
        var plan = Plan(request);
        var model = request.Model;
        var spec = request.Spec;
        var fill = FillValues.Image(spec.Fill, request.Input, model.Channels, model.Height, model.Width, request.Normalization, spec.Patch);
        var grid = new OcclusionGrid(model.Height, model.Width, spec.Patch, spec.Stride);
        var cells = spec.Positions is null ? grid.Cells(spec.RegionOfInterest).ToList() : [];
        var positions = spec.Positions ?? cells.Select(c => grid.Origin(c)).ToList();

        var clock = Stopwatch.StartNew();
        var program = ProgramFor(request, plan);
        var compile = clock.Elapsed;
        clock.Restart();
        using var evaluator = program.Bind(request.Input, fill);
        var (logits, probabilities) = evaluator.Unoccluded();
        var baseTime = clock.Elapsed;
        var (targets, target) = (spec.Target ?? TargetSelection.Predicted).Resolve(probabilities);
        int k = targets.Count;
        evaluator.SetTargets(targets);
        var unoccluded = targets.Select(t => spec.Value == ValueKind.Logit ? logits[t] : probabilities[t]).ToArray();
        var top = Enumerable.Range(0, probabilities.Length).OrderByDescending(i => probabilities[i]).Take(Explainer.TopK)
            .Select(i => new ClassScore(i, probabilities[i], logits[i])).ToList();

        int batch = plan.BatchSize;
        clock.Restart();
        // Values position-major, [positions, targets].
        float[] Values(IReadOnlyList<(int Y, int X)> at)
        {
            float[] v = OcclusionRunner.Evaluate(evaluator, at, batch, progress, cancellation);
            if (spec.Value == ValueKind.Drop)
                for (int i = 0; i < v.Length; i++) v[i] = unoccluded[i % k] - v[i];
            return v;
        }
        float[] values = [];
        var maps = new float[k][];
        string mode = program.Mode;
        if (plan.Approximation.DrillDown is { } drill)
        {
            maps[0] = drill.Run(grid, spec.Value, at => Values(at.Select(c => grid.Origin(c)).ToList())).Map;
            mode += "+drill-down";
        }
        else
        {
            values = Values(positions);
            for (int t = 0; t < k; t++)
            {
                maps[t] = spec.Positions is null ? Enumerable.Repeat(float.NaN, grid.Count).ToArray() : [];
                if (spec.Positions is null)
                    for (int i = 0; i < cells.Count; i++) maps[t][cells[i]] = values[i * k + t];
            }
        }
        var sweep = clock.Elapsed;
        var targetMaps = targets.Select((t, j) => new TargetMap(t, maps[j], unoccluded[j], probabilities[t],
            spec.Positions is null ? null : Enumerable.Range(0, positions.Count).Select(i => values[i * k + j]).ToArray())).ToList();
        var primary = targetMaps.First(m => m.Target == target);

        return new Explanation(spec, grid, target, primary.HeatMap, primary.UnoccludedValue, primary.UnoccludedProbability, top, mode, plan.EvaluatedPositions, batch,
            new Timings(compile, baseTime, sweep, total.Elapsed), MemoryBudget.PeakProcessBytes(),
            FillValues.ToModelSpace(spec.Fill, request.Input, model.Channels, request.Normalization), plan.FallbackReason)
        {
            PositionValues = primary.PositionValues,
            Maps = targetMaps,
            EstimatedBytes = plan.EstimatedBytes,
            Plan = plan,
            CacheMemory = evaluator.CacheMemory,
        };
    }

    /// <summary>The program that runs the plan, compiled on first use.</summary>
    private OcclusionProgram ProgramFor(ExplainRequest request, OcclusionPlan plan)
    {
        var model = request.Model;
        var spec = request.Spec;
        var options = request.Execution ?? ExecutionOptions.Default;
        double tau = plan.Mode == OcclusionMode.Exact ? plan.Approximation.Tau : 1.0;
        var key = (model, spec.Patch, spec.Value, plan.Mode, tau, options);
        if (_programs.TryGetValue(key, out var known))
            return known;
        OcclusionProgram made;
        if (plan.Mode == OcclusionMode.Exact && IncrementalPlanFor(model, spec.Patch, tau) is (IncrementalPlan incremental, _))
            made = new IncrementalProgram(incremental, CompiledFor(incremental, spec.Value), options);
        else
            made = new NaiveProgram(model, spec.Patch, spec.Value, options);
        return _programs[key] = made;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var program in _programs.Values) program.Dispose();
        _programs.Clear();
        _compiled.Clear();
    }
}
