using Krypton.Compilation;
using Krypton.Model;
using Microsoft.ML.OnnxRuntime;
using Krypton.Runtime;
using Krypton.Spec;

namespace Krypton.Explain;

/// <summary>The naive occlusion graph (one full inference per position, batched) and its session.</summary>
public sealed class NaiveProgram : OcclusionProgram
{
    private readonly ModelGraph _model;
    private readonly OnnxSession _session;

    /// <summary>Compiles the naive graph for a model, a patch size and a value kind.</summary>
    public NaiveProgram(ModelGraph model, Size2 patch, ValueKind value, ExecutionOptions? options = null)
    {
        _model = model;
        _session = new OnnxSession(NaiveOcclusionGraph.Emit(model, patch, value), options);
    }

    /// <inheritdoc/>
    public override string Mode => "naive";

    /// <inheritdoc/>
    public override long BytesPerPosition => BytesPerPositionOf(_model);

    /// <summary>Working memory of one position of the naive graph: every activation and the occluded copy.</summary>
    public static long BytesPerPositionOf(ModelGraph model) => model.ActivationBytes + 4L * model.Channels * model.Height * model.Width;

    /// <inheritdoc/>
    public override IPositionEvaluator Bind(float[] image, float[] fill)
    {
        var m = _model;
        var inputs = new Dictionary<string, OrtValue>
        {
            [ScoreHead.ImageInput] = OrtValue.CreateTensorValueFromMemory(image, [1, m.Channels, m.Height, m.Width]),
            [ScoreHead.FillInput] = OrtValue.CreateTensorValueFromMemory(fill, [1, m.Channels, m.Height, m.Width]),
        };
        // A patch placed past the bottom-right corner covers nothing: the unoccluded scores.
        return new BoundEvaluator(_session, inputs, [.. inputs.Values], e =>
        {
            var r = e.Run([(m.Height, m.Width)], [ScoreHead.LogitsOutput, ScoreHead.ProbabilitiesOutput]);
            return (r[0], r[1]);
        });
    }

    /// <inheritdoc/>
    public override void Dispose() => _session.Dispose();
}
