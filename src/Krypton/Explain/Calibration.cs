using Krypton.Compilation;
using Krypton.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace Krypton.Explain;

/// <summary>
/// The int8 graphs' scales and zero points for an image, computed by <see cref="CalibrationGraph"/>
/// in its own session (the float32 model once on the unoccluded image). Holds native memory: dispose it.
/// </summary>
internal sealed class Calibration(byte[] graph, ExecutionOptions? options) : IDisposable
{
    private readonly OnnxSession _session = new(graph, options);

    /// <summary>
    /// The scales and zero points of <paramref name="image"/> and <paramref name="fill"/> ([1, C, H, W] each),
    /// in host memory, by the names the int8 graphs take them (<see cref="ReducedLayout.ScalesInput"/>, <see cref="ReducedLayout.ZeroPointsInput"/>).
    /// </summary>
    public IReadOnlyDictionary<string, OrtValue> Run(OrtValue image, OrtValue fill)
    {
        using var results = _session.Run(new Dictionary<string, OrtValue> { [ScoreHead.ImageInput] = image, [ScoreHead.FillInput] = fill },
            [CalibrationGraph.ScalesOutput, CalibrationGraph.ZeroPointsOutput]);
        float[] scales = results[0].GetTensorDataAsSpan<float>().ToArray();
        byte[] zeroPoints = results[1].GetTensorDataAsSpan<byte>().ToArray();
        return new Dictionary<string, OrtValue>
        {
            [ReducedLayout.ScalesInput] = OrtValue.CreateTensorValueFromMemory(scales, [scales.Length]),
            [ReducedLayout.ZeroPointsInput] = OrtValue.CreateTensorValueFromMemory(zeroPoints, [zeroPoints.Length]),
        };
    }

    /// <inheritdoc/>
    public void Dispose() => _session.Dispose();
}
