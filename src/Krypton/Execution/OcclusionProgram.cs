using Krypton.Compilation;
using Krypton.Occlusion;
using Microsoft.ML.OnnxRuntime;

namespace Krypton.Execution;

/// <summary>
/// Compiled occlusion graphs with their ONNX Runtime sessions, for one model, patch size and
/// value kind: made once, then bound to any number of images. Holds native memory: dispose it.
/// </summary>
public abstract class OcclusionProgram : IDisposable
{
    /// <summary>"naive", "exact" or "approximate" (incremental inference with τ below 1).</summary>
    public abstract string Mode { get; }

    /// <summary>Estimated working memory of one position in a batch, in bytes.</summary>
    public abstract long BytesPerPosition { get; }

    /// <summary>Binds an image (model space, [1, C, H, W]) and a fill (model space, per channel).</summary>
    public abstract IPositionEvaluator Bind(float[] image, float[] fill);

    /// <inheritdoc/>
    public abstract void Dispose();
}

/// <summary>
/// An image bound to a program: the fixed inputs are made once, each batch sends only the
/// positions (and the targets), and only the target values come back.
/// </summary>
internal sealed class BoundEvaluator : IPositionEvaluator
{
    private readonly OnnxSession _session;
    private readonly Dictionary<string, OrtValue> _fixed;
    private readonly (float[] Logits, float[] Probabilities) _unoccluded;
    private OrtValue _targets;
    private long[] _targetIndices = [0];

    /// <summary>Takes ownership of the fixed inputs.</summary>
    public BoundEvaluator(OnnxSession session, Dictionary<string, OrtValue> fixedInputs, Func<BoundEvaluator, (float[], float[])> unoccluded)
    {
        _session = session;
        _fixed = fixedInputs;
        _targets = OrtValue.CreateTensorValueFromMemory(_targetIndices, [1]);
        _unoccluded = unoccluded(this);
    }

    public int TargetCount => _targetIndices.Length;

    public void SetTargets(IReadOnlyList<int> targets)
    {
        _targets.Dispose();
        _targetIndices = targets.Select(t => (long)t).ToArray();
        _targets = OrtValue.CreateTensorValueFromMemory(_targetIndices, [_targetIndices.Length]);
    }

    public (float[] Logits, float[] Probabilities) Unoccluded() => _unoccluded;

    public float[] Evaluate(ReadOnlySpan<(int Y, int X)> positions, CancellationToken cancellation = default) =>
        Run(positions, [ScoreHead.ValuesOutput], cancellation)[0];

    /// <summary>Runs the program's graph on positions and returns the named outputs.</summary>
    public float[][] Run(ReadOnlySpan<(int Y, int X)> positions, string[] outputs, CancellationToken cancellation = default)
    {
        var flat = new long[positions.Length * 2];
        for (int i = 0; i < positions.Length; i++)
        {
            flat[2 * i] = positions[i].Y;
            flat[2 * i + 1] = positions[i].X;
        }
        using var pos = OrtValue.CreateTensorValueFromMemory(flat, [positions.Length, 2]);
        var inputs = new Dictionary<string, OrtValue>(_fixed)
        {
            [ScoreHead.PositionsInput] = pos,
            [ScoreHead.TargetsInput] = _targets,
        };
        using var results = _session.Run(inputs, outputs, cancellation);
        return results.Select(r => r.GetTensorDataAsSpan<float>().ToArray()).ToArray();
    }

    public void Dispose()
    {
        foreach (var v in _fixed.Values) v.Dispose();
        _targets.Dispose();
    }
}
