namespace Krypton.Spec;

/// <summary>
/// The positions of an occlusion experiment: cell (i, j) puts the patch's top-left corner at
/// (i·S_y, j·S_x). With <see cref="GridKind.Full"/> (the default) the rows are
/// ⌈(H − h) / S_y⌉ + 1 and every pixel is covered (as Captum places its windows): the last patch is
/// cut off at the bottom edge when (H − h) is not a multiple of S_y, and covers only the rows it
/// reaches (<see cref="PatchAt(int)"/>). With <see cref="GridKind.Krypton"/> the rows are KRYPTON §1's
/// ⌊(H − h + 1) / S_y⌋: every patch is whole, and rows past (H_M − 1)·S_y + h are never occluded.
/// Columns likewise. A patch as large as the input is one position either way;
/// <see cref="CoveredHeight"/> / <see cref="CoveredWidth"/> say how far coverage reaches.
/// </summary>
/// <param name="ImageHeight">Input height H.</param>
/// <param name="ImageWidth">Input width W.</param>
/// <param name="Patch">Patch size (h, w).</param>
/// <param name="Stride">Distance between positions (S_y, S_x).</param>
/// <param name="Kind">How positions are laid out.</param>
public sealed record OcclusionGrid(int ImageHeight, int ImageWidth, Size2 Patch, Size2 Stride, GridKind Kind = GridKind.Full)
{
    /// <summary>Rows of the heat map.</summary>
    public int Rows => Positions(ImageHeight, Patch.Height, Stride.Height);

    /// <summary>Columns of the heat map.</summary>
    public int Columns => Positions(ImageWidth, Patch.Width, Stride.Width);

    /// <summary>Positions along one axis of length <paramref name="size"/> for this grid's kind.</summary>
    private int Positions(int size, int patch, int stride)
    {
        if (patch > size || patch < 1 || stride < 1) return 0;
        if (Kind == GridKind.Krypton)
            return Math.Max(1, (size - patch + 1) / stride);
        // ⌈(S − w) / s⌉ + 1, but no window that would start past the input (a stride above the patch).
        return Math.Min((size - patch + stride - 1) / stride + 1, (size + stride - 1) / stride);
    }

    /// <summary>Number of cells.</summary>
    public int Count => Rows * Columns;

    /// <summary>Input rows [0, CoveredHeight) are occluded by at least one position.</summary>
    public int CoveredHeight => Math.Min(CoveredLength(Rows, Stride.Height, Patch.Height), ImageHeight);

    /// <summary>Input columns [0, CoveredWidth) are occluded by at least one position.</summary>
    public int CoveredWidth => Math.Min(CoveredLength(Columns, Stride.Width, Patch.Width), ImageWidth);

    /// <summary>
    /// Pixels along one axis that <paramref name="positions"/> patches of length <paramref name="patch"/>,
    /// <paramref name="stride"/> apart, cover from the first one's start: (n − 1)·stride + patch
    /// (before any cut at the border).
    /// </summary>
    public static int CoveredLength(int positions, int stride, int patch) => positions == 0 ? 0 : (positions - 1) * stride + patch;

    /// <summary>The pixels the patch of a cell covers: its top-left corner and its size, cut off at the border.</summary>
    public PixelRegion PatchAt(int cell)
    {
        var (y, x) = Origin(cell);
        return new PixelRegion(y, x, Math.Min(Patch.Height, ImageHeight - y), Math.Min(Patch.Width, ImageWidth - x));
    }

    /// <summary>True when some patch is cut off at the border (the full grid where (S − w) is not a multiple of the stride).</summary>
    public bool HasCutOffPatches =>
        Rows > 0 && Columns > 0 && ((Rows - 1) * Stride.Height + Patch.Height > ImageHeight || (Columns - 1) * Stride.Width + Patch.Width > ImageWidth);

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
                if (region is null || region.Overlaps(PatchAt(i * Columns + j)))
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
            var patch = PatchAt(cell);
            AddRectangle(sum, patch, map[cell]);
            AddRectangle(count, patch, 1.0);
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

        void AddRectangle(double[] table, PixelRegion r, double v)
        {
            int y = r.Y, x = r.X, y1 = r.Y + r.Height, x1 = r.X + r.Width;
            table[y * stride + x] += v;
            table[y * stride + x1] -= v;
            table[y1 * stride + x] -= v;
            table[y1 * stride + x1] += v;
        }
    }
}
