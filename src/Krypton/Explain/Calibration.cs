using Krypton.Compilation;
using Krypton.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace Krypton.Explain;

/// <summary>
/// The float32 reference of a reduced-precision run (<see cref="CalibrationGraph"/>), in its own
/// session in plain float32 (TF32 off): the model's own scores on the unoccluded image and, for
/// int8, the graphs' scales and zero points. Holds native memory: dispose it.
/// </summary>
internal sealed class Calibration(OnnxSession session) : IDisposable
{
    private readonly OnnxSession _session = session;

    /// <summary>The options of the reference's session: those of the run, in plain float32.</summary>
    public static ExecutionOptions OptionsFor(ExecutionOptions? options) => (options ?? ExecutionOptions.Default) with { Tf32 = false };

    /// <summary>
    /// The float32 model's class probabilities for <paramref name="image"/>, and for int8 the scales and
    /// zero points of it and <paramref name="fill"/> ([1, C, H, W] each), in host memory, by the names
    /// the int8 graphs take them (<see cref="ReducedLayout.ScalesInput"/>, <see cref="ReducedLayout.ZeroPointsInput"/>; none otherwise).
    /// </summary>
    public (IReadOnlyDictionary<string, OrtValue> Inputs, float[] Probabilities) Run(OrtValue image, OrtValue fill)
    {
        bool int8 = _session.OutputNames.Contains(CalibrationGraph.ScalesOutput);
        using var results = _session.Run(new Dictionary<string, OrtValue> { [ScoreHead.ImageInput] = image, [ScoreHead.FillInput] = fill },
            int8 ? [ScoreHead.ProbabilitiesOutput, CalibrationGraph.ScalesOutput, CalibrationGraph.ZeroPointsOutput] : [ScoreHead.ProbabilitiesOutput]);
        float[] probabilities = results[0].GetTensorDataAsSpan<float>().ToArray();
        if (!int8) return (new Dictionary<string, OrtValue>(), probabilities);
        float[] scales = results[1].GetTensorDataAsSpan<float>().ToArray();
        byte[] zeroPoints = results[2].GetTensorDataAsSpan<byte>().ToArray();
        return (new Dictionary<string, OrtValue>
        {
            [ReducedLayout.ScalesInput] = OrtValue.CreateTensorValueFromMemory(scales, [scales.Length]),
            [ReducedLayout.ZeroPointsInput] = OrtValue.CreateTensorValueFromMemory(zeroPoints, [zeroPoints.Length]),
        }, probabilities);
    }

    /// <inheritdoc/>
    public void Dispose() => _session.Dispose();
}
