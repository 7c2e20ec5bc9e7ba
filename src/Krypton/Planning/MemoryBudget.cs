using System.Diagnostics;
using System.Globalization;
using Krypton.Runtime;

namespace Krypton.Planning;

/// <summary>Chooses batch sizes from a memory budget and reports memory use.</summary>
public static class MemoryBudget
{
    /// <summary>Share of the free memory a run may use when no budget is given.</summary>
    public const double DefaultFraction = 0.25;

    /// <summary>
    /// Largest batch chosen automatically for incremental inference on a CPU: 32 ran ResNet18 4 %
    /// and InceptionV3 3 % faster than 64, and VGG16 as fast, with less memory (2 cores here;
    /// docs/benchmarks.md); 16 and 128 were slower.
    /// </summary>
    public const int MaxAutomaticBatch = 32;

    /// <summary>Largest batch chosen automatically for naive inference on a CPU: whole images at batch 16 ran 12–15 % faster than at 64 here (ResNet18, 2 cores).</summary>
    public const int MaxAutomaticNaiveBatch = 16;

    /// <summary>Free memory now (MemAvailable on Linux, else what the runtime reports).</summary>
    public static long AvailableBytes()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
                if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }

    /// <summary>Largest batch chosen automatically on a GPU, where larger batches keep paying off for longer.</summary>
    public const int MaxAutomaticGpuBatch = 256;

    /// <summary>Share of the GPU's free memory a run may use when no budget is given (the rest is ONNX Runtime's arena and the weights).</summary>
    public const double DefaultGpuFraction = 0.5;

    /// <summary>The default budget: a fraction of the free memory.</summary>
    public static long DefaultBudgetBytes() => (long)(AvailableBytes() * DefaultFraction);

    /// <summary>The default budget on a device: a share of the GPU's free memory for CUDA, of the host's otherwise.</summary>
    public static long DefaultBudgetBytes(ExecutionOptions options) =>
        options.IsCuda && GpuFreeBytes(options.Device.Index) is long free ? (long)(free * DefaultGpuFraction) : DefaultBudgetBytes();

    /// <summary>Free memory of a GPU as nvidia-smi reports it, or null when it cannot be asked.</summary>
    public static long? GpuFreeBytes(int device)
    {
        try
        {
            var psi = new ProcessStartInfo("nvidia-smi", ["--query-gpu=memory.free", "--format=csv,noheader,nounits", "-i", SmiDevice(device, Environment.GetEnvironmentVariable("CUDA_VISIBLE_DEVICES"))])
            { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi);
            if (p is null) return null;
            string text = p.StandardOutput.ReadToEnd();
            p.WaitForExit(10_000);
            return p.ExitCode == 0 && long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long mib) ? mib << 20 : null;
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
    }

    /// <summary>
    /// The GPU nvidia-smi should ask about for CUDA device <paramref name="device"/>: CUDA (and so
    /// ONNX Runtime) numbers only the devices CUDA_VISIBLE_DEVICES lists, in its order, while
    /// nvidia-smi numbers them all; the list's entry (an index or a UUID, both of which -i takes)
    /// names the same GPU.
    /// </summary>
    internal static string SmiDevice(int device, string? visibleDevices)
    {
        var visible = (visibleDevices ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return visible.Length > device ? visible[device] : device.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The batch size that keeps <paramref name="bytesPerPosition"/> × batch within the budget,
    /// between 1 and <see cref="MaxAutomaticBatch"/> (<see cref="MaxAutomaticNaiveBatch"/> for
    /// whole-image inference, <see cref="MaxAutomaticGpuBatch"/> on a GPU), and no larger than the
    /// number of positions.
    /// </summary>
    public static int BatchSize(long budgetBytes, long bytesPerPosition, int positions, bool gpu = false, bool wholeImages = false)
    {
        long fit = budgetBytes / Math.Max(bytesPerPosition, 1);
        int cap = gpu ? MaxAutomaticGpuBatch : wholeImages ? MaxAutomaticNaiveBatch : MaxAutomaticBatch;
        return (int)Math.Clamp(Math.Min(fit, Math.Max(positions, 1)), 1, cap);
    }

    /// <summary>
    /// The batch size to run <paramref name="model"/> with: <paramref name="requested"/> when given,
    /// else <paramref name="automatic"/> (from the budget), never above the model's
    /// <see cref="Model.ModelGraph.MaxBatch"/> (a file that fixes its batch at 1).
    /// </summary>
    /// <exception cref="KryptonException">The requested size is more than the model takes (its range is <see cref="ResourceOptions.Check"/>'s).</exception>
    public static int For(Model.ModelGraph model, int? requested, Func<int> automatic)
    {
        if (requested is not int asked)
            return Math.Min(automatic(), model.MaxBatch);
        if (asked > model.MaxBatch)
            throw new KryptonException($"the model fixes its batch at {model.MaxBatch} image(s), so batch size {asked} cannot run (export it with a dynamic batch axis to run positions together)");
        return asked;
    }

    /// <summary>Peak resident memory of this process so far, in bytes.</summary>
    public static long PeakProcessBytes()
    {
        using var p = Process.GetCurrentProcess();
        return p.PeakWorkingSet64;
    }
}
