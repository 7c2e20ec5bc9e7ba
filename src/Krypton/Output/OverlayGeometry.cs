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
public sealed record OverlayGeometry(int PatchHeight, int PatchWidth, int StrideY, int StrideX, int OriginY = 0, int OriginX = 0);
