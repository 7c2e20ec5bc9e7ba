using Krypton.Compilation;
using Krypton.Model;
using Krypton.Occlusion;
using Microsoft.ML.OnnxRuntime;

namespace Krypton.Execution;

/// <summary>
/// Evaluates batches of patch positions with the naive occlusion graph: one full inference per
/// position. The image, fill and targets are bound once; each call sends only positions.
/// </summary>
public sealed class NaiveEvaluator : IPositionEvaluator
{
    private readonly OnnxSession _session;
    private readonly OrtValue _image;
    private readonly OrtValue _fill;
    private OrtValue _targets;
    private long[] _targetIndices;
    private readonly int _height;
    private readonly int _width;

    /// <summary>Compiles the graph for the model and binds one image.</summary>
    /// <param name="model">The model graph.</param>
    /// <param name="image">The input tensor [1, C, H, W] in model space.</param>
    /// <param name="fill">Fill value per channel, in model space.</param>
    /// <param name="patch">Patch size.</param>
    /// <param name="value">What to record (probability or logit; drop is probability here).</param>
    /// <param name="options">Execution options.</param>
    public NaiveEvaluator(ModelGraph model, float[] image, float[] fill, Size2 patch, ValueKind value, ExecutionOptions? options = null)
    {
        _session = new OnnxSession(NaiveOcclusionGraph.Emit(model, patch, value), options);
        _height = model.Height;
        _width = model.Width;
        _image = OrtValue.CreateTensorValueFromMemory(image, [1, model.Channels, model.Height, model.Width]);
        _fill = OrtValue.CreateTensorValueFromMemory(fill, [1, model.Channels, 1, 1]);
        _targetIndices = [0];
        _targets = OrtValue.CreateTensorValueFromMemory(_targetIndices, [1]);
    }

    /// <inheritdoc/>
    public void SetTargets(IReadOnlyList<int> targets)
    {
        _targets.Dispose();
        _targetIndices = targets.Select(t => (long)t).ToArray();
        _targets = OrtValue.CreateTensorValueFromMemory(_targetIndices, [_targetIndices.Length]);
    }

    /// <inheritdoc/>
    public int TargetCount => _targetIndices.Length;

    /// <inheritdoc/>
    public float[] Evaluate(ReadOnlySpan<(int Y, int X)> positions) =>
        Run(positions, ScoreHead.ValuesOutput)[0];

    /// <inheritdoc/>
    public (float[] Logits, float[] Probabilities) Unoccluded()
    {
        // A patch placed past the bottom-right corner covers nothing.
        var r = Run([(_height, _width)], ScoreHead.LogitsOutput, ScoreHead.ProbabilitiesOutput);
        return (r[0], r[1]);
    }

    private float[][] Run(ReadOnlySpan<(int Y, int X)> positions, params string[] outputs)
    {
        var flat = new long[positions.Length * 2];
        for (int i = 0; i < positions.Length; i++)
        {
            flat[2 * i] = positions[i].Y;
            flat[2 * i + 1] = positions[i].X;
        }
        using var pos = OrtValue.CreateTensorValueFromMemory(flat, [positions.Length, 2]);
        var inputs = new Dictionary<string, OrtValue>
        {
            [NaiveOcclusionGraph.ImageInput] = _image,
            [NaiveOcclusionGraph.FillInput] = _fill,
            [NaiveOcclusionGraph.PositionsInput] = pos,
            [ScoreHead.TargetsInput] = _targets,
        };
        using var results = _session.Run(inputs, outputs);
        return results.Select(r => r.GetTensorDataAsSpan<float>().ToArray()).ToArray();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _session.Dispose();
        _image.Dispose();
        _fill.Dispose();
        _targets.Dispose();
    }
}
