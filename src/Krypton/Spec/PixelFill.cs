namespace Krypton.Spec;

/// <summary>A constant pixel intensity in [0, 1], the same on every channel.</summary>
public sealed record PixelFill(float Value, string Name) : Fill
{
    /// <inheritdoc/>
    public override string ToString() => Name;
}
