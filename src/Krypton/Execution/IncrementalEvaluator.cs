using Krypton.Compilation;
using Krypton.Incremental;
using Krypton.Occlusion;
using Microsoft.ML.OnnxRuntime;

namespace Krypton.Execution;

/// <summary>
/// Evaluates batches of positions with KRYPTON's incremental inference: the cache graph runs the
/// model once on the image and keeps every needed feature map; each batch then sends only the
/// positions through the compiled incremental graph, which reads those caches.
/// </summary>
public sealed class IncrementalEvaluator : IPositionEvaluator
{
    private readonly OnnxSession _session;
    private readonly Dictionary<string, OrtValue> _bound = [];
    private readonly float[] _logits;
    private readonly float[] _probabilities;
    private OrtValue _targets;
    private long[] _targetIndices;

    /// <summary>Compiles the plan, runs the cache graph on the image and binds the caches.</summary>
    public IncrementalEvaluator(IncrementalPlan plan, float[] image, float[] fill, ValueKind value, ExecutionOptions? options = null)
    {
        var g = plan.Graph;
        Compiled = IncrementalGraph.Compile(plan, value);
        using (var cacheSession = new OnnxSession(Compiled.CacheGraph, options))
        {
            using var x = OrtValue.CreateTensorValueFromMemory(image, [1, g.Channels, g.Height, g.Width]);
            var names = Compiled.Caches.Select(c => c.InputName).Concat([ScoreHead.LogitsOutput, ScoreHead.ProbabilitiesOutput]).ToList();
            using var results = cacheSession.Run(new Dictionary<string, OrtValue> { [IncrementalGraph.ImageInput] = x }, names);
            for (int i = 0; i < Compiled.Caches.Count; i++)
            {
                var r = results[i];
                _bound[Compiled.Caches[i].InputName] = OrtValue.CreateTensorValueFromMemory(
                    r.GetTensorDataAsSpan<float>().ToArray(), r.GetTensorTypeAndShape().Shape);
            }
            _logits = results[^2].GetTensorDataAsSpan<float>().ToArray();
            _probabilities = results[^1].GetTensorDataAsSpan<float>().ToArray();
        }
        _session = new OnnxSession(Compiled.IncrementalGraph, options);
        _bound[IncrementalGraph.FillInput] = OrtValue.CreateTensorValueFromMemory(fill, [1, g.Channels, 1, 1]);
        _targetIndices = [0];
        _targets = OrtValue.CreateTensorValueFromMemory(_targetIndices, [1]);
    }

    /// <summary>The compiled graphs.</summary>
    public CompiledIncremental Compiled { get; }

    /// <inheritdoc/>
    public int TargetCount => _targetIndices.Length;

    /// <inheritdoc/>
    public void SetTargets(IReadOnlyList<int> targets)
    {
        _targets.Dispose();
        _targetIndices = targets.Select(t => (long)t).ToArray();
        _targets = OrtValue.CreateTensorValueFromMemory(_targetIndices, [_targetIndices.Length]);
    }

    /// <inheritdoc/>
    public (float[] Logits, float[] Probabilities) Unoccluded() => (_logits, _probabilities);

    /// <inheritdoc/>
    public float[] Evaluate(ReadOnlySpan<(int Y, int X)> positions)
    {
        var flat = new long[positions.Length * 2];
        for (int i = 0; i < positions.Length; i++)
        {
            flat[2 * i] = positions[i].Y;
            flat[2 * i + 1] = positions[i].X;
        }
        using var pos = OrtValue.CreateTensorValueFromMemory(flat, [positions.Length, 2]);
        var inputs = new Dictionary<string, OrtValue>(_bound)
        {
            [IncrementalGraph.PositionsInput] = pos,
            [ScoreHead.TargetsInput] = _targets,
        };
        using var results = _session.Run(inputs, [ScoreHead.ValuesOutput]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _session.Dispose();
        foreach (var v in _bound.Values) v.Dispose();
        _targets.Dispose();
    }
}
