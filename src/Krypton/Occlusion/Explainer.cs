using Krypton.Imaging;
using System.Diagnostics;
using Krypton.Execution;
using Krypton.Incremental;
using Krypton.Model;

namespace Krypton.Occlusion;

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
    DrillDown? DrillDown = null);

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

/// <summary>The result of an occlusion experiment.</summary>
/// <param name="Spec">The spec it answers.</param>
/// <param name="Grid">The positions.</param>
/// <param name="Target">The flattened output index explained.</param>
/// <param name="HeatMap">Values row-major, Grid.Rows × Grid.Columns (NaN outside the region of interest); empty for explicit positions.</param>
/// <param name="UnoccludedValue">The target's value (in the spec's units, before any drop) without occlusion.</param>
/// <param name="UnoccludedProbability">The target's probability without occlusion.</param>
/// <param name="TopClasses">The highest-scoring outputs of the unoccluded input.</param>
/// <param name="Mode">How it was computed.</param>
/// <param name="Positions">Positions evaluated.</param>
/// <param name="BatchSize">Positions per inference call.</param>
/// <param name="Timings">Step times.</param>
/// <param name="PeakMemoryBytes">Peak resident memory of the process during the run.</param>
/// <param name="FillValues">The fill in model space, per channel.</param>
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
    /// <summary>For an explicit list of positions (<see cref="OcclusionSpec.Positions"/>): their values, in order; the heat map is then empty.</summary>
    public float[]? PositionValues { get; init; }

    /// <summary>The planner's estimate of the working memory of one batch, in bytes.</summary>
    public long EstimatedBytes { get; init; }

    /// <summary>Names of the model's outputs (class labels), indexed like the flattened output; null when the model has none.</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

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
/// Runs occlusion experiments and keeps their compiled programs (one per model, patch size,
/// value kind, mode and execution options), so that later images reuse the graphs and sessions.
/// Holds native memory: dispose it.
/// </summary>
public sealed class OcclusionEngine : IDisposable
{
    private readonly Dictionary<(ModelGraph, Size2, ValueKind, OcclusionMode, double, ExecutionOptions), (OcclusionProgram Program, string? Fallback)> _programs = [];

    /// <summary>Number of programs compiled so far.</summary>
    public int CompiledPrograms => _programs.Count;

    /// <summary>Runs the experiment.</summary>
    public Explanation Explain(ExplainRequest request, IProgress<OcclusionProgress>? progress = null, CancellationToken cancellation = default)
    {
        var total = Stopwatch.StartNew();
        var model = request.Model;
        var spec = request.Spec;
        spec.Validate(model.Height, model.Width);
        long expected = (long)model.Channels * model.Height * model.Width;
        if (request.Input.LongLength != expected)
            throw new KryptonException($"input has {request.Input.LongLength} values, the model expects {model.Channels}x{model.Height}x{model.Width}");
        if (spec.Target is int t && (t < 0 || t >= model.OutputSize))
            throw new KryptonException($"target {t} is out of range: the model has {model.OutputSize} outputs (0 to {model.OutputSize - 1})");

        var fill = FillValues.ToModelSpace(spec.Fill, request.Input, model.Channels, request.Normalization);
        var grid = new OcclusionGrid(model.Height, model.Width, spec.Patch, spec.Stride);
        var cells = spec.Positions is null ? grid.Cells(spec.RegionOfInterest).ToList() : [];
        var positions = spec.Positions ?? cells.Select(c => grid.Origin(c / grid.Columns, c % grid.Columns)).ToList();
        if (positions.Count == 0)
            throw new KryptonException("no patch position overlaps the region of interest");

        var clock = Stopwatch.StartNew();
        var (program, fallback) = ProgramFor(request);
        var compile = clock.Elapsed;
        clock.Restart();
        using var evaluator = program.Bind(request.Input, fill);
        var (logits, probabilities) = evaluator.Unoccluded();
        var baseTime = clock.Elapsed;
        int target = spec.Target ?? ArgMax(probabilities);
        evaluator.SetTargets([target]);
        float unoccluded = spec.Value == ValueKind.Logit ? logits[target] : probabilities[target];
        var top = Enumerable.Range(0, probabilities.Length).OrderByDescending(i => probabilities[i]).Take(Explainer.TopK)
            .Select(i => new ClassScore(i, probabilities[i], logits[i])).ToList();

        int batch = request.BatchSize ?? MemoryBudget.BatchSize(request.MemoryBudgetBytes ?? MemoryBudget.DefaultBudgetBytes(), program.BytesPerPosition, positions.Count);
        clock.Restart();
        float[] Values(IReadOnlyList<(int Y, int X)> at)
        {
            float[] v = OcclusionRunner.Evaluate(evaluator, at, batch, progress, cancellation);
            if (spec.Value == ValueKind.Drop)
                for (int i = 0; i < v.Length; i++) v[i] = unoccluded - v[i];
            return v;
        }
        float[] values = [];
        float[] map = [];
        string mode = program.Mode;
        int evaluated = positions.Count;
        if (request.DrillDown is { } drill)
        {
            if (spec.Positions is not null || spec.RegionOfInterest is not null)
                throw new KryptonException("drill-down refines the whole grid; it does not combine with --positions or --roi");
            int factor = drill.CoarseFactor();
            var (rows, columns) = DrillDown.CoarseLines(grid, factor);
            var coarseCells = rows.SelectMany(r => columns.Select(c => r * grid.Columns + c)).ToList();
            float[] coarse = Values(coarseCells.Select(c => grid.Origin(c / grid.Columns, c % grid.Columns)).ToList());
            map = DrillDown.Upsample(coarse, rows, columns, grid);
            for (int i = 0; i < coarseCells.Count; i++) map[coarseCells[i]] = coarse[i];
            var refined = drill.RefinedCells(map, coarseCells.ToHashSet(), spec.Value);
            float[] fine = Values(refined.Select(c => grid.Origin(c / grid.Columns, c % grid.Columns)).ToList());
            for (int i = 0; i < refined.Count; i++) map[refined[i]] = fine[i];
            mode += "+drill-down";
            evaluated = coarseCells.Count + refined.Count;
        }
        else
        {
            values = Values(positions);
            if (spec.Positions is null)
            {
                map = Enumerable.Repeat(float.NaN, grid.Count).ToArray();
                for (int i = 0; i < cells.Count; i++) map[cells[i]] = values[i];
            }
        }
        var sweep = clock.Elapsed;

        return new Explanation(spec, grid, target, map, unoccluded, probabilities[target], top, mode, evaluated, batch,
            new Timings(compile, baseTime, sweep, total.Elapsed), MemoryBudget.PeakProcessBytes(), fill, fallback)
        {
            PositionValues = spec.Positions is null ? null : values,
            EstimatedBytes = program.BytesPerPosition * batch,
        };
    }

    /// <summary>The program for the request's mode, compiled on first use; exact mode falls back to naive with a reason.</summary>
    private (OcclusionProgram Program, string? Fallback) ProgramFor(ExplainRequest request)
    {
        var model = request.Model;
        var spec = request.Spec;
        var options = request.Execution ?? ExecutionOptions.Default;
        if (!(request.Tau > 0 && request.Tau <= 1))
            throw new KryptonException($"projective-field threshold tau = {request.Tau} must lie in (0, 1]");
        if (request.Tau < 1 && request.Mode == OcclusionMode.Naive)
            throw new KryptonException("tau applies to incremental inference; it has no meaning in naive mode");
        var key = (model, spec.Patch, spec.Value, request.Mode, request.Tau, options);
        if (_programs.TryGetValue(key, out var known))
            return known;
        (OcclusionProgram, string?) made;
        try
        {
            made = request.Mode == OcclusionMode.Exact
                ? (new IncrementalProgram(IncrementalPlan.Build(Compilation.ScoreHead.Logits(model), spec.Patch.Height, spec.Patch.Width, request.Tau), spec.Value, options), null)
                : (new NaiveProgram(model, spec.Patch, spec.Value, options), null);
        }
        catch (IncrementalNotSupportedException e)
        {
            made = (new NaiveProgram(model, spec.Patch, spec.Value, options), e.Message);
        }
        _programs[key] = made;
        return made;
    }

    private static int ArgMax(float[] v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var (program, _) in _programs.Values) program.Dispose();
        _programs.Clear();
    }
}
