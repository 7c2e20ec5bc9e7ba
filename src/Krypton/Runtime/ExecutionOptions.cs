namespace Krypton.Runtime;

/// <summary>Where and how ONNX Runtime executes emitted graphs.</summary>
/// <param name="Threads">Intra-op threads (0: one per core).</param>
/// <param name="Device">The CPU (the default) or a CUDA GPU, through ONNX Runtime's CUDA execution provider.</param>
/// <param name="ProfilePrefix">When set, ONNX Runtime writes a per-node profile (JSON) with this file-name prefix.</param>
public sealed record ExecutionOptions(int Threads = 0, Device Device = default, string? ProfilePrefix = null)
{
    /// <summary>The defaults: all cores, CPU.</summary>
    public static ExecutionOptions Default { get; } = new();

    /// <summary>
    /// Lets the CUDA provider run float32 convolutions and matrix products in TensorFloat-32 (the
    /// tf32 precision). Off by default, so that GPU maps equal CPU maps; no effect on a CPU.
    /// </summary>
    public bool Tf32 { get; init; }

    /// <summary>True for a CUDA device.</summary>
    public bool IsCuda => Device.IsCuda;

    /// <summary>Intra-op threads as run: <see cref="Threads"/>, or one per core when it is 0.</summary>
    public int EffectiveThreads => Threads > 0 ? Threads : Environment.ProcessorCount;

    /// <summary>Checks the thread count: 0 (all cores) or positive.</summary>
    /// <exception cref="KryptonException">It is negative.</exception>
    public void Check()
    {
        if (Threads < 0)
            throw KryptonException.Naming($"{Term.Threads} {Threads} must be 0 (all cores) or a positive number of threads");
    }
}
