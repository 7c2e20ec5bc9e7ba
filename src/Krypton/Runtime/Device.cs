using System.Globalization;

namespace Krypton.Runtime;

/// <summary>
/// Where ONNX Runtime executes: the CPU (the default value) or CUDA GPU <see cref="Index"/>.
/// Parsed once from "cpu", "cuda" or "cuda:N"; written back as "cpu" or "cuda:N".
/// </summary>
public readonly record struct Device
{
    private Device(bool cuda, int index) => (IsCuda, Index) = (cuda, index);

    /// <summary>The CPU.</summary>
    public static Device Cpu => default;

    /// <summary>CUDA GPU <paramref name="index"/> (as CUDA numbers the visible devices).</summary>
    /// <exception cref="KryptonException">The index is negative.</exception>
    public static Device Cuda(int index = 0) => index >= 0 ? new(true, index) : throw new KryptonException($"CUDA device {index} does not exist: devices are numbered from 0");

    /// <summary>True for a CUDA GPU.</summary>
    public bool IsCuda { get; }

    /// <summary>The CUDA device number (0 for the CPU).</summary>
    public int Index { get; }

    /// <summary>Parses "cpu", "cuda" (GPU 0) or "cuda:N".</summary>
    /// <exception cref="KryptonException">Anything else.</exception>
    public static Device Parse(string text)
    {
        string t = text.Trim().ToLowerInvariant();
        if (t == "cpu") return Cpu;
        if (t == "cuda") return Cuda(0);
        if (t.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(t[5..], NumberStyles.None, CultureInfo.InvariantCulture, out int id))
            return Cuda(id);
        throw new KryptonException($"device '{text}' is not cpu, cuda or cuda:N");
    }

    /// <summary>"cpu" or "cuda:N", as <see cref="Parse"/> reads it.</summary>
    public override string ToString() => IsCuda ? $"cuda:{Index.ToString(CultureInfo.InvariantCulture)}" : "cpu";
}
