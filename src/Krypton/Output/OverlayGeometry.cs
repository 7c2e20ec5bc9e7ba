namespace Krypton.Output;

/// <summary>
/// Where the heat map lies on the image, in the pixels of the image the model saw: cell (i, j) is
/// the occlusion patch with top-left corner (row <c>OriginY + i * StrideY</c>, column
/// <c>OriginX + j * StrideX</c>) and size <c>PatchHeight</c> x <c>PatchWidth</c>.
/// </summary>
/// <param name="PatchHeight">Patch height in pixels.</param>
/// <param name="PatchWidth">Patch width in pixels.</param>
/// <param name="StrideY">Vertical step between patches.</param>
/// <param name="StrideX">Horizontal step between patches.</param>
/// <param name="OriginY">Row of the first patch's top edge (e.g. the top of a region of interest).</param>
/// <param name="OriginX">Column of the first patch's left edge.</param>
/// <remarks>Fractional values place a map on a resized picture (the original photo before the model's resize and crop).</remarks>
public sealed record OverlayGeometry(double PatchHeight, double PatchWidth, double StrideY, double StrideX, double OriginY = 0, double OriginX = 0)
{
    /// <summary>This geometry on a picture scaled by <paramref name="sx"/> horizontally and <paramref name="sy"/> vertically, shifted by (<paramref name="dx"/>, <paramref name="dy"/>) first.</summary>
    public OverlayGeometry Scaled(double sx, double sy, double dx = 0, double dy = 0) =>
        new(PatchHeight * sy, PatchWidth * sx, StrideY * sy, StrideX * sx, (OriginY + dy) * sy, (OriginX + dx) * sx);
}
