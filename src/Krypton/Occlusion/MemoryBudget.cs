using System.Diagnostics;

namespace Krypton.Occlusion;

/// <summary>Chooses batch sizes from a memory budget and reports memory use.</summary>
public static class MemoryBudget
{
    /// <summary>Share of the free memory a run may use when no budget is given.</summary>
    public const double DefaultFraction = 0.25;

    /// <summary>Largest batch chosen automatically: beyond it CPU throughput no longer improves.</summary>
    public const int MaxAutomaticBatch = 64;

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

    /// <summary>The default budget: a fraction of the free memory.</summary>
    public static long DefaultBudgetBytes() => (long)(AvailableBytes() * DefaultFraction);

    /// <summary>
    /// The batch size that keeps <paramref name="bytesPerPosition"/> × batch within the budget,
    /// between 1 and <see cref="MaxAutomaticBatch"/>, and no larger than the number of positions.
    /// </summary>
    public static int BatchSize(long budgetBytes, long bytesPerPosition, int positions)
    {
        long fit = budgetBytes / Math.Max(bytesPerPosition, 1);
        return (int)Math.Clamp(Math.Min(fit, Math.Max(positions, 1)), 1, MaxAutomaticBatch);
    }

    /// <summary>Peak resident memory of this process so far, in bytes.</summary>
    public static long PeakProcessBytes()
    {
        using var p = Process.GetCurrentProcess();
        return p.PeakWorkingSet64;
    }
}
