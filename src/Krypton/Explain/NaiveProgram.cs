using Krypton.Compilation;
using Krypton.Model;
using Microsoft.ML.OnnxRuntime;
using Krypton.Runtime;

namespace Krypton.Explain;

/// <summary>The naive occlusion graph (one full inference per position, batched) in its session.</summary>
public sealed class NaiveProgram : OcclusionProgram
{
    private readonly ModelGraph _model;
    private readonly OnnxSession _session;
    private readonly Calibration? _calibration;

    /// <summary>
    /// Opens a session over the naive occlusion graph of <paramref name="model"/> (<see cref="NaiveOcclusionGraph.Emit"/>);
    /// a graph in another precision than float32 comes with its float32 reference (<see cref="CalibrationGraph.Emit"/>).
    /// </summary>
    public NaiveProgram(ModelGraph model, byte[] graph, ExecutionOptions? options = null, byte[]? calibration = null)
    {
        _model = model;
        List<(byte[], ExecutionOptions?)> graphs = [(graph, options)];
        if (calibration is not null) graphs.Add((calibration, Calibration.OptionsFor(options)));
        var sessions = OnnxSession.OpenAll(graphs);
        _session = sessions[0];
        if (sessions.Length > 1) _calibration = new Calibration(sessions[1]);
    }

    /// <inheritdoc/>
    public override IPositionEvaluator Bind(float[] image, float[] fill)
    {
        var m = _model;
        var inputs = new Dictionary<string, OrtValue>
        {
            [ScoreHead.ImageInput] = OrtValue.CreateTensorValueFromMemory(image, [1, m.Channels, m.Height, m.Width]),
            [ScoreHead.FillInput] = OrtValue.CreateTensorValueFromMemory(fill, [1, m.Channels, m.Height, m.Width]),
        };
        float[]? reference = null;
        if (_calibration is not null)
        {
            var (scales, probabilities) = _calibration.Run(inputs[ScoreHead.ImageInput], inputs[ScoreHead.FillInput]);
            foreach (var (name, value) in scales) inputs[name] = value;
            reference = probabilities;
        }
        // A patch placed past the bottom-right corner covers nothing: the unoccluded scores.
        return new BoundEvaluator(_session, inputs, [.. inputs.Values], e =>
        {
            var r = e.Run([(m.Height, m.Width)], [ScoreHead.LogitsOutput, ScoreHead.ProbabilitiesOutput]);
            return (r[0], r[1]);
        }) { ReferenceProbabilities = reference };
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _session.Dispose();
        _calibration?.Dispose();
    }
}
