
namespace Krypton.Explain;

/// <summary>Progress of an occlusion run, in positions.</summary>
/// <param name="Done">Positions evaluated so far.</param>
/// <param name="Total">Positions to evaluate.</param>
/// <param name="Elapsed">Time since the sweep started.</param>
public readonly record struct OcclusionProgress(int Done, int Total, TimeSpan Elapsed)
{
    /// <summary>Estimated time left, from the rate so far; null before the first batch.</summary>
    public TimeSpan? Remaining => Done == 0 ? null : TimeSpan.FromTicks((long)(Elapsed.Ticks * (double)(Total - Done) / Done));
}
