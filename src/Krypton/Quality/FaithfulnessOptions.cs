using Krypton.Planning;

namespace Krypton.Quality;

/// <summary>How deletion and insertion curves are measured.</summary>
/// <param name="Steps">Steps from no pixel to every covered pixel filled, each a share 1/Steps of the area whatever the patch and stride; the curves have Steps + 1 points.</param>
/// <param name="RandomOrders">Random maps (the map's cell values shuffled) the map is compared with: beating all R happens by chance once in R + 1.</param>
/// <param name="Seed">Seed of the random maps.</param>
/// <param name="BatchSize">Masked images per inference call; null to derive it from the memory budget.</param>
/// <param name="MemoryBudgetBytes">Memory a run may use; null for a share of the free memory.</param>
public sealed record FaithfulnessOptions(int Steps = 20, int RandomOrders = 9, int Seed = 0, int? BatchSize = null, long? MemoryBudgetBytes = null)
{
    /// <summary>The defaults: 20 steps (5 % of the area each), 9 random maps (chance of beating all: 1 in 10), seed 0.</summary>
    public static FaithfulnessOptions Default { get; } = new();

    /// <summary>Checks the ranges: at least one step and one random map; a batch size and a memory budget, when given, positive.</summary>
    /// <exception cref="KryptonException">One is out of range.</exception>
    public void Check()
    {
        if (Steps < 1)
            throw new KryptonException($"faithfulness needs at least 1 step, got {Steps}");
        if (RandomOrders < 1)
            throw new KryptonException($"faithfulness needs at least 1 random map, got {RandomOrders}");
        new ResourceOptions { BatchSize = BatchSize, MemoryBudgetBytes = MemoryBudgetBytes }.Check();
    }
}
