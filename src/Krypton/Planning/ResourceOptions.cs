using Krypton.Runtime;

namespace Krypton.Planning;

/// <summary>What a run may use: its batch size or memory budget, and where it executes.</summary>
public sealed record ResourceOptions
{
    /// <summary>The defaults: batches from the memory budget, a share of the free memory, all cores of the CPU.</summary>
    public static ResourceOptions Default { get; } = new();

    /// <summary>Positions per inference call; null to derive it from the memory budget.</summary>
    public int? BatchSize { get; init; }

    /// <summary>Memory a run may use; null for a share of the free memory.</summary>
    public long? MemoryBudgetBytes { get; init; }

    /// <summary>Device and threads.</summary>
    public ExecutionOptions Execution { get; init; } = ExecutionOptions.Default;

    /// <summary>Checks the ranges: a batch size and a memory budget, when given, are positive; threads 0 (all cores) or positive.</summary>
    /// <exception cref="KryptonException">One is out of range.</exception>
    public void Check()
    {
        if (BatchSize is <= 0)
            throw KryptonException.Naming($"{Term.BatchSize} {BatchSize} must be positive");
        if (MemoryBudgetBytes is <= 0)
            throw KryptonException.Naming($"{Term.MemoryBudget} of {MemoryBudgetBytes} bytes must be positive");
        Execution.Check();
    }
}
