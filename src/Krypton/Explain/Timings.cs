namespace Krypton.Explain;

/// <summary>How long each step took.</summary>
public sealed record Timings(TimeSpan Compile, TimeSpan Unoccluded, TimeSpan Sweep, TimeSpan Total)
{
    /// <summary>Positions per second of the sweep.</summary>
    public double PositionsPerSecond(int positions) => positions / Math.Max(Sweep.TotalSeconds, 1e-9);
}
