namespace Krypton.Runtime;

/// <summary>Where and how ONNX Runtime executes emitted graphs.</summary>
/// <param name="Threads">Intra-op threads (0: one per core).</param>
/// <param name="Device">The CPU (the default) or a CUDA GPU, through ONNX Runtime's CUDA execution provider.</param>
/// <param name="ProfilePrefix">When set, ONNX Runtime writes a per-node profile (JSON) with this file-name prefix.</param>
public sealed record ExecutionOptions(int Threads = 0, Device Device = default, string? ProfilePrefix = null)
{
    /// <summary>The defaults: all cores, CPU.</summary>
    public static ExecutionOptions Default { get; } = new();

    /// <summary>True for a CUDA device.</summary>
    public bool IsCuda => Device.IsCuda;

    /// <summary>Intra-op threads as run: <see cref="Threads"/>, or one per core when it is 0.</summary>
    public int EffectiveThreads => Threads > 0 ? Threads : Environment.ProcessorCount;
}
