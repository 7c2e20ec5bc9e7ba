using Krypton.Compilation;
using Krypton.Model;
using Microsoft.ML.OnnxRuntime;
using Krypton.Runtime;

namespace Krypton.Explain;

/// <summary>
/// The masked-image graph of a model (<see cref="MaskedGraph"/>) in its session, opened once
/// and run on any image, fill and masks. Holds native memory: dispose it.
/// </summary>
public sealed class MaskedProgram : IDisposable
{
    private readonly OnnxSession _session;

    /// <summary>Opens a session over the masked graph of <paramref name="model"/> (<see cref="MaskedGraph.Emit"/>).</summary>
    public MaskedProgram(ModelGraph model, byte[] graph, ExecutionOptions? options = null)
    {
        Model = model;
        _session = new OnnxSession(graph, options);
    }

    /// <summary>The model.</summary>
    public ModelGraph Model { get; }

    /// <summary>Number of outputs (classes) per mask.</summary>
    public int OutputSize => ScoreHead.Logits(Model).OutputSize;

    /// <summary>Estimated working memory of one mask in a batch, in bytes.</summary>
    public long BytesPerMask => MaskedGraph.BytesPerMask(Model);

    /// <summary>
    /// Scores <paramref name="count"/> masked copies of the image. <paramref name="masks"/> holds
    /// count × H × W flags, row-major; true replaces the pixel (all channels) with the fill.
    /// Returns the logits and probabilities, each count × K, row-major.
    /// </summary>
    /// <param name="image">The model input [1, C, H, W].</param>
    /// <param name="fill">The fill image in model space, [1, C, H, W] (<see cref="Krypton.Explain.FillValues.Image"/>).</param>
    /// <param name="masks">The masks.</param>
    /// <param name="count">Number of masks.</param>
    /// <param name="cancellation">Stops the run.</param>
    public (float[] Logits, float[] Probabilities) Evaluate(float[] image, float[] fill, bool[] masks, int count, CancellationToken cancellation = default)
    {
        var m = Model;
        long plane = (long)m.Height * m.Width;
        if (image.LongLength != m.Channels * plane)
            throw new KryptonException($"image has {image.LongLength} values, the model expects {m.Channels}x{m.Height}x{m.Width}");
        if (fill.LongLength != m.Channels * plane)
            throw new KryptonException($"the fill image has {fill.LongLength} values, the model expects {m.Channels}x{m.Height}x{m.Width}");
        if (count <= 0 || masks.LongLength != count * plane)
            throw new KryptonException($"{count} masks of {m.Height}x{m.Width} need {count * plane} flags, got {masks.LongLength}");
        using var x = OrtValue.CreateTensorValueFromMemory(image, [1, m.Channels, m.Height, m.Width]);
        using var f = OrtValue.CreateTensorValueFromMemory(fill, [1, m.Channels, m.Height, m.Width]);
        using var k = OrtValue.CreateTensorValueFromMemory(masks, [count, 1, m.Height, m.Width]);
        var inputs = new Dictionary<string, OrtValue>
        {
            [ScoreHead.ImageInput] = x,
            [ScoreHead.FillInput] = f,
            [MaskedGraph.MasksInput] = k,
        };
        using var results = _session.Run(inputs, [ScoreHead.LogitsOutput, ScoreHead.ProbabilitiesOutput], cancellation);
        return (results[0].GetTensorDataAsSpan<float>().ToArray(), results[1].GetTensorDataAsSpan<float>().ToArray());
    }

    /// <inheritdoc/>
    public void Dispose() => _session.Dispose();
}
