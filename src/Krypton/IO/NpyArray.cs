namespace Krypton.IO;

/// <summary>A float32 array read from or written to a .npy file: row-major (C order) data and its shape.</summary>
/// <param name="Shape">The size of each axis, outermost first.</param>
/// <param name="Data">The values in C order; as many as the product of <paramref name="Shape"/>.</param>
public sealed record NpyArray(IReadOnlyList<int> Shape, float[] Data)
{
    /// <summary>The number of axes.</summary>
    public int Rank => Shape.Count;
}
