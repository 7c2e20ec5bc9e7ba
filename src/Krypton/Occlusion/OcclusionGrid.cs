namespace Krypton.Occlusion;

/// <summary>
/// The positions of an occlusion experiment, exactly as KRYPTON §1 defines them:
/// H_M = floor((H − h + 1) / S_y) rows and W_M = floor((W − w + 1) / S_x) columns; cell (i, j)
/// puts the patch's top-left corner at (i·S_y, j·S_x).
/// Border behaviour: the last cell starts at (H_M − 1)·S_y ≤ H − h, so the patch never leaves the
/// image. When (H − h) is a multiple of S_y the formula leaves out the position flush with the
/// bottom edge, as the paper's code does; rows past (H_M − 1)·S_y + h are never occluded, and
/// <see cref="CoveredHeight"/> / <see cref="CoveredWidth"/> say how far coverage reaches.
/// </summary>
public sealed record OcclusionGrid(int ImageHeight, int ImageWidth, Size2 Patch, Size2 Stride)
{
    /// <summary>Rows of the heat map.</summary>
    public int Rows => Math.Max(0, (ImageHeight - Patch.Height + 1) / Stride.Height);

    /// <summary>Columns of the heat map.</summary>
    public int Columns => Math.Max(0, (ImageWidth - Patch.Width + 1) / Stride.Width);

    /// <summary>Number of cells.</summary>
    public int Count => Rows * Columns;

    /// <summary>Input rows [0, CoveredHeight) are occluded by at least one position.</summary>
    public int CoveredHeight => Rows == 0 ? 0 : (Rows - 1) * Stride.Height + Patch.Height;

    /// <summary>Input columns [0, CoveredWidth) are occluded by at least one position.</summary>
    public int CoveredWidth => Columns == 0 ? 0 : (Columns - 1) * Stride.Width + Patch.Width;

    /// <summary>Top-left pixel of the patch for cell (row, column).</summary>
    public (int Y, int X) Origin(int row, int column) => (row * Stride.Height, column * Stride.Width);

    /// <summary>Top-left pixel of the patch for a cell given by its row-major index.</summary>
    public (int Y, int X) Origin(int cell) => Origin(cell / Columns, cell % Columns);

    /// <summary>Cells (row-major index) whose patch overlaps the region, or all cells when it is null.</summary>
    public IEnumerable<int> Cells(PixelRegion? region = null)
    {
        for (int i = 0; i < Rows; i++)
            for (int j = 0; j < Columns; j++)
            {
                var (y, x) = Origin(i, j);
                if (region is null || region.Overlaps(y, x, Patch.Height, Patch.Width))
                    yield return i * Columns + j;
            }
    }
}
