using System.Diagnostics;
using Krypton.Compilation;
using Krypton.Planning;
using Krypton.Spec;

namespace Krypton.Explain;

/// <summary>
/// Plans and runs occlusion experiments and keeps what it compiled (plans, graphs, and programs
/// with their ONNX Runtime sessions, one per model, patch size, value kind, mode, τ and execution
/// options), so that later images reuse it. Holds native memory: dispose it.
/// </summary>
public sealed class OcclusionEngine : IDisposable
{
    private readonly Planner _planner = new();
    private readonly ProgramCache _programs;

    /// <summary>An engine with nothing compiled yet.</summary>
    public OcclusionEngine() => _programs = new ProgramCache(_planner);

    /// <summary>Number of programs compiled so far.</summary>
    public int CompiledPrograms => _programs.Count;

    /// <summary>
    /// Decides how the experiment will be computed, before any work (<see cref="Planner.Plan"/>),
    /// after checking the input against the model. Compiles the incremental graphs (not their sessions) to size the memory.
    /// </summary>
    public OcclusionPlan Plan(ExplainRequest request)
    {
        var model = request.Model;
        request.Spec.Validate(model.Height, model.Width);
        long expected = (long)model.Channels * model.Height * model.Width;
        if (request.Input.LongLength != expected)
            throw new KryptonException($"input has {request.Input.LongLength} values, the model expects {model.Channels}x{model.Height}x{model.Width}");
        return _planner.Plan(model, request.Spec, request.Method, request.Resources);
    }

    /// <summary>
    /// Plans and runs the experiment. <paramref name="values"/>, when given, sees each batch of
    /// cells with their values as they arrive (the request's <see cref="ExplainRequest.Order"/>
    /// says in which order the grid is swept; the map is the same in any order).
    /// </summary>
    public Explanation Explain(ExplainRequest request, IProgress<OcclusionProgress>? progress = null, CancellationToken cancellation = default,
        IProgress<MapValues>? values = null)
    {
        var total = Stopwatch.StartNew();
        using var bound = Bind(request);
        var clock = Stopwatch.StartNew();
        var maps = bound.NewSweep(progress, cancellation, request.Order, values).Run(bound.Targets, bound.Logits, bound.Probabilities, bound.Primary);
        var sweep = clock.Elapsed;
        var model = request.Model;
        return new Explanation(request.Spec, bound.Grid, bound.Plan, maps, bound.Primary, bound.TopClasses,
            new Timings(bound.Compile, bound.UnoccludedTime, sweep, total.Elapsed)
            { Plan = bound.Planning }, MemoryBudget.PeakProcessBytes(),
            FillValues.ToModelSpace(request.Spec.Fill, request.Input, model.Channels, request.Normalization))
        {
            CacheMemory = bound.CacheMemory,
        };
    }

    /// <summary>
    /// Plans the experiment, opens its program and runs the unoccluded image: what every position
    /// needs, kept so that positions can then be evaluated one call at a time
    /// (<see cref="BoundImage.Probe"/>), as an interactive user clicks them. Dispose it.
    /// </summary>
    public BoundImage Bind(ExplainRequest request)
    {
        var clock = Stopwatch.StartNew();
        var plan = Plan(request);
        var planning = clock.Elapsed;
        var model = request.Model;
        var spec = request.Spec;
        var execution = request.Resources.Execution;
        var fill = FillValues.Image(spec.Fill, request.Input, model.Channels, model.Height, model.Width, request.Normalization, spec.Patch, execution);
        clock.Restart();
        var program = _programs.For(model, spec, plan, execution);
        var compile = clock.Elapsed;
        clock.Restart();
        var evaluator = program.Bind(request.Input, fill);
        try
        {
            var (logits, probabilities) = evaluator.Unoccluded();
            var unoccludedTime = clock.Elapsed;
            // In another precision, the float32 model's own ranking chooses the target: the map explains
            // the class the model predicts, not one the approximation happens to rank first.
            var (targets, primary) = (spec.Target ?? TargetSelection.Predicted).Resolve(evaluator.ReferenceProbabilities ?? probabilities);
            evaluator.SetTargets(targets);
            var top = Enumerable.Range(0, probabilities.Length).OrderByDescending(i => probabilities[i]).Take(Explainer.TopK)
                .Select(i => new ClassScore(i, probabilities[i], logits[i])).ToList();
            return new BoundImage(evaluator, request, plan, spec.GridFor(model.Height, model.Width), logits, probabilities, targets, primary, top)
            {
                Planning = planning, Compile = compile, UnoccludedTime = unoccludedTime,
            };
        }
        catch
        {
            evaluator.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _programs.Dispose();
}
