
namespace Krypton.Incremental;

/// <summary>
/// One axis of a fixed-size region: its length, and its start for every patch offset along the
/// axis (index = the patch's first row or column). Rows and columns are independent in the
/// geometry, so a position's region is (Y.Starts[y], X.Starts[x]).
/// </summary>
/// <param name="Length">Cells along the axis, the same for every position.</param>
/// <param name="Starts">First cell, per patch offset; may be negative for read windows.</param>
public sealed record AxisPlan(int Length, int[] Starts)
{
    /// <summary>Lowest start over all positions.</summary>
    public int MinStart => Starts.Min();

    /// <summary>Highest end (exclusive) over all positions.</summary>
    public int MaxEnd => Starts.Max() + Length;
}
