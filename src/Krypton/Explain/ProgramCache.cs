using Krypton.Compilation;
using Krypton.Incremental;
using Krypton.Model;
using Krypton.Planning;
using Krypton.Runtime;
using Krypton.Spec;

namespace Krypton.Explain;

/// <summary>
/// The programs an engine has opened, one per model, patch size, value kind, mode, τ and execution
/// options: the graphs come from the planner (incremental) or the naive graph's emitter, the
/// sessions are opened here once. Holds native memory: dispose it.
/// </summary>
internal sealed class ProgramCache(Planner planner) : IDisposable
{
    private readonly Dictionary<(ModelGraph, Size2, ValueKind, OcclusionMode, double, Precision, ExecutionOptions), OcclusionProgram> _programs = [];

    /// <summary>Number of programs opened so far.</summary>
    public int Count => _programs.Count;

    /// <summary>The program that runs the plan, opened on first use.</summary>
    public OcclusionProgram For(ModelGraph model, OcclusionSpec spec, OcclusionPlan plan, ExecutionOptions execution)
    {
        double tau = plan.Mode == OcclusionMode.Exact ? plan.Approximation.Tau : 1.0;
        var precision = plan.Approximation.Precision;
        var key = (model, spec.Patch, spec.Value, plan.Mode, tau, precision, execution);
        if (_programs.TryGetValue(key, out var known))
            return known;
        OcclusionProgram made;
        execution = execution.For(precision);
        if (plan.Mode == OcclusionMode.Exact && planner.Incremental(model, spec.Patch, tau) is (IncrementalPlan incremental, _))
            made = new IncrementalProgram(model, planner.Compiled(incremental, spec.Value, precision), execution);
        else
            made = new NaiveProgram(model, NaiveOcclusionGraph.Emit(model, spec.Patch, spec.Value, precision), execution,
                precision == Precision.Fp32 ? null : NaiveOcclusionGraph.Calibration(model, precision));
        return _programs[key] = made;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var program in _programs.Values) program.Dispose();
        _programs.Clear();
    }
}
