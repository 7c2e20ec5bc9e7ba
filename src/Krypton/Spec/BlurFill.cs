namespace Krypton.Spec;

/// <summary>
/// The image under the patch, blurred with a Gaussian of standard deviation <paramref name="Sigma"/>
/// pixels of the model input (null: half the patch's longer side): the patch removes detail at its
/// own scale but keeps the colours and the coarse shading, so the model sees no foreign gray square
/// (Fong and Vedaldi's "meaningful perturbation"). Blurring commutes with the per-channel affine
/// normalization, so it is done in model space.
/// </summary>
public sealed record BlurFill(float? Sigma) : Fill
{
    /// <inheritdoc/>
    public override bool IsUniform => false;

    /// <summary>The σ used with a patch of the given size.</summary>
    public float SigmaFor(Size2 patch) => Sigma ?? Math.Max(patch.Height, patch.Width) / 2f;

    /// <inheritdoc/>
    public override string ToString() =>
        Sigma is { } s ? $"blur:{s.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : "blur";
}
