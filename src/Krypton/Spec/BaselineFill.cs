namespace Krypton.Spec;

/// <summary>
/// Another image's pixels under the patch: a picture or .npy tensor at <paramref name="Path"/>,
/// prepared exactly like the input (channels, size, normalization; a tensor used as is), such as a
/// reference scan without the finding, or the dataset's mean image (Captum's "baseline" tensor).
/// </summary>
public sealed record BaselineFill(string Path) : Fill
{
    /// <inheritdoc/>
    public override bool IsUniform => false;

    /// <inheritdoc/>
    public override string ToString() => $"baseline:{Path}";
}
