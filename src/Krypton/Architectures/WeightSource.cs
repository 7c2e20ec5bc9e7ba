
namespace Krypton.Architectures;

/// <summary>
/// Where the parameters of a built-in architecture come from: seeded random values
/// (<see cref="Random"/>) or a safetensors file with torchvision's state-dict names
/// (<see cref="Safetensors"/>).
/// </summary>
public abstract record WeightSource
{
    private protected WeightSource() { }

    /// <summary>Seeded random weights, scaled so activations keep their size through the depth.</summary>
    public static WeightSource Random(int seed = 0) => new RandomWeights(seed);

    /// <summary>Weights read from a safetensors file whose tensor names are torchvision's state-dict keys.</summary>
    public static WeightSource Safetensors(string path) => new SafetensorsWeights(path);

    internal abstract IParameterSupply Open();
}
