namespace Krypton.Spec;

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
    public int CoveredHeight => CoveredLength(Rows, Stride.Height, Patch.Height);

    /// <summary>Input columns [0, CoveredWidth) are occluded by at least one position.</summary>
    public int CoveredWidth => CoveredLength(Columns, Stride.Width, Patch.Width);

    /// <summary>
    /// Pixels along one axis that <paramref name="positions"/> patches of length <paramref name="patch"/>,
    /// <paramref name="stride"/> apart, cover from the first one's start: (n − 1)·stride + patch.
    /// </summary>
    public static int CoveredLength(int positions, int stride, int patch) => positions == 0 ? 0 : (positions - 1) * stride + patch;

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

    /// <summary>
    /// The map at input resolution: each pixel's mean over the cells whose patch covers it (cells
    /// that are NaN, outside a region of interest, are left out), NaN where none does. This is
    /// the per-pixel convention of Captum's Occlusion and MONAI's OcclusionSensitivity ("mean" mode).
    /// </summary>
    /// <param name="map">Row-major, <see cref="Rows"/> × <see cref="Columns"/>.</param>
    /// <returns>Row-major, <see cref="ImageHeight"/> × <see cref="ImageWidth"/>.</returns>
    public float[] PerPixel(float[] map)
    {
        if (map.Length != Count)
            throw new ArgumentException($"a {Rows}x{Columns} grid has {Count} cells, the map {map.Length}");
        // Each cell adds its value (and 1) to its patch's rectangle: corners into difference
        // tables, then running sums along both axes give every pixel's total.
        int h = ImageHeight, w = ImageWidth, stride = w + 1;
        var sum = new double[(h + 1) * stride];
        var count = new double[(h + 1) * stride];
        for (int cell = 0; cell < Count; cell++)
        {
            if (!float.IsFinite(map[cell])) continue;
            var (y, x) = Origin(cell);
            AddRectangle(sum, y, x, map[cell]);
            AddRectangle(count, y, x, 1.0);
        }
        foreach (var table in new[] { sum, count })
        {
            for (int i = 0; i <= h; i++)
                for (int j = 1; j <= w; j++) table[i * stride + j] += table[i * stride + j - 1];
            for (int i = 1; i <= h; i++)
                for (int j = 0; j <= w; j++) table[i * stride + j] += table[(i - 1) * stride + j];
        }
        var pixels = new float[h * w];
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++)
            {
                double n = Math.Round(count[i * stride + j]);
                pixels[i * w + j] = n > 0 ? (float)(sum[i * stride + j] / n) : float.NaN;
            }
        return pixels;

        void AddRectangle(double[] table, int y, int x, double v)
        {
            int y1 = y + Patch.Height, x1 = x + Patch.Width;
            table[y * stride + x] += v;
            table[y * stride + x1] -= v;
            table[y1 * stride + x] -= v;
            table[y1 * stride + x1] += v;
        }
    }
}
