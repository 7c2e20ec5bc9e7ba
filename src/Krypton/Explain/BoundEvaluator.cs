using Krypton.Compilation;
using Krypton.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace Krypton.Explain;

/// <summary>
/// An image bound to a program through ONNX Runtime's I/O binding: the fixed inputs (image or
/// caches, fill) are bound once and stay in the session's device memory for every batch; each
/// batch sends only the positions (and the targets when they change), and only the requested
/// outputs come back to host memory.
/// </summary>
internal sealed class BoundEvaluator : IPositionEvaluator
{
    private readonly OnnxSession _session;
    private readonly OrtIoBinding _binding;
    private readonly IReadOnlyList<IDisposable> _owned;
    private readonly (float[] Logits, float[] Probabilities) _unoccluded;
    private OrtValue? _targets;

    /// <summary>
    /// Binds the fixed inputs and takes ownership of <paramref name="owned"/>, which keeps their
    /// memory alive (on the CPU the binding reads it in place).
    /// </summary>
    public BoundEvaluator(OnnxSession session, IReadOnlyDictionary<string, OrtValue> fixedInputs, IReadOnlyList<IDisposable> owned,
        Func<BoundEvaluator, (float[], float[])> unoccluded)
    {
        _session = session;
        _owned = owned;
        _binding = session.CreateBinding();
        foreach (var (name, value) in fixedInputs) _binding.BindInput(name, value);
        SetTargets([0]);
        _unoccluded = unoccluded(this);
    }

    /// <inheritdoc/>
    public string? CacheMemory { get; init; }

    /// <inheritdoc/>
    public float[]? ReferenceProbabilities { get; init; }

    public int TargetCount { get; private set; }

    public void SetTargets(IReadOnlyList<int> targets)
    {
        var indices = targets.Select(t => (long)t).ToArray();
        var value = OrtValue.CreateTensorValueFromMemory(indices, [indices.Length]);
        _binding.BindInput(ScoreHead.TargetsInput, value);
        _targets?.Dispose();
        _targets = value;
        TargetCount = indices.Length;
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
        _binding.BindInput(ScoreHead.PositionsInput, pos);
        // Bound afresh each run: a run leaves its outputs allocated in the binding, at this batch's size.
        _binding.ClearBoundOutputs();
        foreach (var name in outputs) _binding.BindOutputToDevice(name, OrtMemoryInfo.DefaultInstance);
        using var results = _session.Run(_binding, cancellation);
        return results.Select(r => r.GetTensorDataAsSpan<float>().ToArray()).ToArray();
    }

    public void Dispose()
    {
        _binding.Dispose();
        _targets?.Dispose();
        foreach (var o in _owned) o.Dispose();
    }
}
