using Krypton.Compilation;
using Krypton.Incremental;
using Krypton.Occlusion;
using Microsoft.ML.OnnxRuntime;

namespace Krypton.Execution;

/// <summary>
/// KRYPTON's incremental inference, compiled: the cache graph (the model run once per image,
/// keeping every feature map the plan reads) and the incremental graph (a batch of positions in,
/// target values out), with their sessions.
/// </summary>
public sealed class IncrementalProgram : OcclusionProgram
{
    private readonly IncrementalPlan _plan;
    private readonly OnnxSession _cacheSession;
    private readonly OnnxSession _session;

    /// <summary>Compiles the plan's graphs for a value kind and opens their sessions.</summary>
    public IncrementalProgram(IncrementalPlan plan, ValueKind value, ExecutionOptions? options = null)
        : this(plan, IncrementalGraph.Compile(plan, value), options)
    {
    }

    /// <summary>Opens sessions for graphs already compiled from the plan.</summary>
    public IncrementalProgram(IncrementalPlan plan, CompiledIncremental compiled, ExecutionOptions? options = null)
    {
        _plan = plan;
        Compiled = compiled;
        _cacheSession = new OnnxSession(Compiled.CacheGraph, options);
        _session = new OnnxSession(Compiled.IncrementalGraph, options);
    }

    /// <summary>The compiled graphs.</summary>
    public CompiledIncremental Compiled { get; }

    /// <inheritdoc/>
    public override string Mode => _plan.Tau < 1 ? "approximate" : "exact";

    /// <inheritdoc/>
    public override long BytesPerPosition => Compiled.BytesPerPosition;

    /// <inheritdoc/>
    public override IPositionEvaluator Bind(float[] image, float[] fill)
    {
        var g = _plan.Graph;
        var inputs = new Dictionary<string, OrtValue>();
        float[] logits, probabilities;
        using (var x = OrtValue.CreateTensorValueFromMemory(image, [1, g.Channels, g.Height, g.Width]))
        {
            var names = Compiled.Caches.Select(c => c.InputName).Concat([ScoreHead.LogitsOutput, ScoreHead.ProbabilitiesOutput]).ToList();
            using var results = _cacheSession.Run(new Dictionary<string, OrtValue> { [ScoreHead.ImageInput] = x }, names);
            for (int i = 0; i < Compiled.Caches.Count; i++)
                inputs[Compiled.Caches[i].InputName] = OrtValue.CreateTensorValueFromMemory(
                    results[i].GetTensorDataAsSpan<float>().ToArray(), results[i].GetTensorTypeAndShape().Shape);
            logits = results[^2].GetTensorDataAsSpan<float>().ToArray();
            probabilities = results[^1].GetTensorDataAsSpan<float>().ToArray();
        }
        inputs[ScoreHead.FillInput] = OrtValue.CreateTensorValueFromMemory(fill, [1, g.Channels, 1, 1]);
        return new BoundEvaluator(_session, inputs, _ => (logits, probabilities));
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _cacheSession.Dispose();
        _session.Dispose();
    }
}
