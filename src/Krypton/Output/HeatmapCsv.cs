using System.Globalization;
using System.Text;
using Krypton.IO;

namespace Krypton.Output;

/// <summary>
/// Heat maps as CSV: one line per heat-map row, values separated by commas, no header, invariant
/// culture, each float in its shortest round-trip form ("R"), so reading the file back gives the
/// exact floats. Non-finite values are written as NaN, Infinity, -Infinity.
/// </summary>
public static class HeatmapCsv
{
    /// <summary>The CSV text of a heat map given as [row, column].</summary>
    public static string Format(float[,] heatmap) =>
        Format(RowMajor.Flatten(heatmap), heatmap.GetLength(0), heatmap.GetLength(1));

    /// <summary>The CSV text of a row-major heat map of <paramref name="rows"/> x <paramref name="cols"/>.</summary>
    public static string Format(ReadOnlySpan<float> data, int rows, int cols)
    {
        if (rows < 0 || cols < 0 || data.Length != rows * cols)
            throw new ArgumentException($"a {rows}x{cols} heat map needs {rows * cols} values, got {data.Length}");
        var text = new StringBuilder();
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                if (j > 0) text.Append(',');
                text.Append(data[i * cols + j].ToString("R", CultureInfo.InvariantCulture));
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    /// <summary>Writes the heat map to <paramref name="path"/> (atomically).</summary>
    public static void Write(string path, float[,] heatmap) => AtomicFile.WriteAllText(path, Format(heatmap));

    /// <summary>Writes a row-major heat map to <paramref name="path"/> (atomically).</summary>
    public static void Write(string path, ReadOnlySpan<float> data, int rows, int cols) =>
        AtomicFile.WriteAllText(path, Format(data, rows, cols));
}
