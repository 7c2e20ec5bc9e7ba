namespace Krypton.IO;

/// <summary>Two-dimensional arrays as the flat row-major arrays that files and renderers take.</summary>
internal static class RowMajor
{
    /// <summary>The values of <paramref name="array"/> row by row.</summary>
    public static float[] Flatten(float[,] array)
    {
        int rows = array.GetLength(0), cols = array.GetLength(1);
        var data = new float[rows * cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                data[i * cols + j] = array[i, j];
        return data;
    }
}
