namespace Krypton.Explain;

/// <summary>
/// One cell of a heat map as a region of the input, with how much occluding it lowers the target.
/// </summary>
/// <param name="Rank">1 for the most sensitive region.</param>
/// <param name="Cell">Row-major cell index in the heat map.</param>
/// <param name="Row">Heat-map row.</param>
/// <param name="Column">Heat-map column.</param>
/// <param name="Y">Top row of the patch in input pixels.</param>
/// <param name="X">Left column of the patch in input pixels.</param>
/// <param name="Height">Patch height.</param>
/// <param name="Width">Patch width.</param>
/// <param name="Drop">Unoccluded value minus occluded value (probability, or logit for a logit map).</param>
/// <param name="Value">The target's value with this patch occluded.</param>
public sealed record SensitiveRegion(int Rank, int Cell, int Row, int Column, int Y, int X, int Height, int Width, float Drop, float Value)
{
    /// <summary>The pixels of the patch.</summary>
    public Spec.PixelRegion Patch => new(Y, X, Height, Width);
}
