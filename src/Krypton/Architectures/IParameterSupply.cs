
namespace Krypton.Architectures;

/// <summary>Hands out a network's parameter tensors by their torchvision state-dict names.</summary>
internal interface IParameterSupply
{
    /// <summary>
    /// The tensor named <paramref name="name"/>, which must have <paramref name="shape"/>;
    /// <paramref name="role"/> and <paramref name="fanIn"/> (inputs feeding each output unit) scale random values.
    /// </summary>
    float[] Take(string name, int[] shape, ParameterRole role, int fanIn);

    /// <summary>Called once the network is built: complains about tensors nobody took.</summary>
    void Finish(string modelName);
}
