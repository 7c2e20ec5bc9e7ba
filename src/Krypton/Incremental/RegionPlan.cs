
namespace Krypton.Incremental;

/// <summary>A rectangle of fixed size whose place depends on the patch position.</summary>
public sealed record RegionPlan(AxisPlan Y, AxisPlan X)
{
    /// <summary>True when the region spans the whole map of an [N, C, H, W] shape.</summary>
    public bool Covers(int[] shape) => Y.Length == shape[2] && X.Length == shape[3];

    /// <summary>True when both regions take the same cells at every position (same sizes and starts).</summary>
    public bool SameCells(RegionPlan other) =>
        Y.Length == other.Y.Length && X.Length == other.X.Length && Y.Starts.AsSpan().SequenceEqual(other.Y.Starts) && X.Starts.AsSpan().SequenceEqual(other.X.Starts);
}
