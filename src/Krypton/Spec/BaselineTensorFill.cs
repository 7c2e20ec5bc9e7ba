namespace Krypton.Spec;

/// <summary>
/// An image already in the model's input space, [1, C, H, W] row-major, whose pixels replace the
/// input's under the patch: the library's form of <see cref="BaselineFill"/>.
/// </summary>
public sealed record BaselineTensorFill(float[] Tensor) : Fill
{
    /// <inheritdoc/>
    public override bool IsUniform => false;

    /// <inheritdoc/>
    public override string ToString() => "baseline tensor";
}
