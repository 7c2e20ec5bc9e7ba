namespace Krypton.Explain;

/// <summary>How long each step took.</summary>
/// <param name="Compile">Opening the sessions (ONNX Runtime reads and optimizes the emitted graphs).</param>
/// <param name="Unoccluded">The unoccluded run (and, in a reduced precision, its float32 reference).</param>
/// <param name="Sweep">Every position.</param>
/// <param name="Total">The whole explanation, <see cref="Plan"/> and the fill included.</param>
public sealed record Timings(TimeSpan Compile, TimeSpan Unoccluded, TimeSpan Sweep, TimeSpan Total)
{
    /// <summary>Planning: the method, the incremental plan and its graphs emitted (the first time), and the time estimate (on first use per process, the throughput probe).</summary>
    public TimeSpan Plan { get; init; }

    /// <summary>Positions per second of the sweep.</summary>
    public double PositionsPerSecond(int positions) => positions / Math.Max(Sweep.TotalSeconds, 1e-9);
}
