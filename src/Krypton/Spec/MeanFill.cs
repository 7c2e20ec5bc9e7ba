namespace Krypton.Spec;

/// <summary>The image's own per-channel mean.</summary>
public sealed record MeanFill : Fill
{
    /// <inheritdoc/>
    public override string ToString() => "mean";
}
