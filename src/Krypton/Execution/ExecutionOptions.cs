namespace Krypton.Execution;

/// <summary>Where and how ONNX Runtime executes emitted graphs.</summary>
/// <param name="Threads">Intra-op threads (0: one per core).</param>
/// <param name="Device">"cpu" (the default).</param>
/// <param name="ProfilePrefix">When set, ONNX Runtime writes a per-node profile (JSON) with this file-name prefix.</param>
public sealed record ExecutionOptions(int Threads = 0, string Device = "cpu", string? ProfilePrefix = null)
{
    /// <summary>The defaults: all cores, CPU.</summary>
    public static ExecutionOptions Default { get; } = new();
}
