using Krypton.Planning;

namespace Krypton.Quality;

/// <summary>How a deletion curve is measured.</summary>
/// <param name="Steps">Steps from no cell to every cell occluded; the curve has Steps + 1 points (fewer steps when the map has fewer cells).</param>
/// <param name="RandomOrders">Random orders averaged for the baseline curve.</param>
/// <param name="Seed">Seed of the random orders.</param>
/// <param name="BatchSize">Masked images per inference call; null to derive it from the memory budget.</param>
/// <param name="MemoryBudgetBytes">Memory a run may use; null for a share of the free memory.</param>
public sealed record FaithfulnessOptions(int Steps = 20, int RandomOrders = 5, int Seed = 0, int? BatchSize = null, long? MemoryBudgetBytes = null)
{
    /// <summary>The defaults: 20 steps, 5 random orders, seed 0.</summary>
    public static FaithfulnessOptions Default { get; } = new();

    /// <summary>Checks the ranges: at least one step and one random order; a batch size and a memory budget, when given, positive.</summary>
    /// <exception cref="KryptonException">One is out of range.</exception>
    public void Check()
    {
        if (Steps < 1)
            throw new KryptonException($"faithfulness needs at least 1 step, got {Steps}");
        if (RandomOrders < 1)
            throw new KryptonException($"faithfulness needs at least 1 random order, got {RandomOrders}");
        new ResourceOptions { BatchSize = BatchSize, MemoryBudgetBytes = MemoryBudgetBytes }.Check();
    }
}
