namespace Krypton.Explain;

/// <summary>
/// Compiled occlusion graphs with their ONNX Runtime sessions, for one model, patch size and
/// value kind: opened once, then bound to any number of images. Holds native memory: dispose it.
/// </summary>
public abstract class OcclusionProgram : IDisposable
{
    /// <summary>Binds an image and a fill image (both model space, [1, C, H, W]; <see cref="FillValues.Image"/>).</summary>
    public abstract IPositionEvaluator Bind(float[] image, float[] fill);

    /// <inheritdoc/>
    public abstract void Dispose();
}
