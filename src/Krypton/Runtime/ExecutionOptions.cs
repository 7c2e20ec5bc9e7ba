using System.Globalization;

namespace Krypton.Runtime;

/// <summary>Where and how ONNX Runtime executes emitted graphs.</summary>
/// <param name="Threads">Intra-op threads (0: one per core).</param>
/// <param name="Device">"cpu" (the default) or "cuda:N" (ONNX Runtime's CUDA execution provider on GPU N; see <see cref="ParseDevice"/>).</param>
/// <param name="ProfilePrefix">When set, ONNX Runtime writes a per-node profile (JSON) with this file-name prefix.</param>
public sealed record ExecutionOptions(int Threads = 0, string Device = "cpu", string? ProfilePrefix = null)
{
    /// <summary>The defaults: all cores, CPU.</summary>
    public static ExecutionOptions Default { get; } = new();

    /// <summary>True for a CUDA device.</summary>
    public bool IsCuda => Device.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(Device[5..], NumberStyles.None, CultureInfo.InvariantCulture, out _);

    /// <summary>The CUDA device number (0 for the CPU).</summary>
    public int CudaDeviceId => IsCuda ? int.Parse(Device[5..], CultureInfo.InvariantCulture) : 0;

    /// <summary>Parses "cpu", "cuda" (GPU 0) or "cuda:N" into the canonical "cpu" or "cuda:N".</summary>
    /// <exception cref="KryptonException">Anything else.</exception>
    public static string ParseDevice(string text)
    {
        string t = text.Trim().ToLowerInvariant();
        if (t == "cpu") return "cpu";
        if (t == "cuda") return "cuda:0";
        if (t.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(t[5..], NumberStyles.None, CultureInfo.InvariantCulture, out int id))
            return $"cuda:{id}";
        throw new KryptonException($"device '{text}' is not cpu, cuda or cuda:N");
    }
}
