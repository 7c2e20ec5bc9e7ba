using Krypton.Model;

namespace Krypton.Planning;

/// <summary>The model a profile was tuned on.</summary>
/// <param name="Name">The graph's name.</param>
/// <param name="Description">Where it came from, in words.</param>
/// <param name="Sha256">SHA-256 of the model file, when it came from one.</param>
/// <param name="InputShape">[1, C, H, W].</param>
/// <param name="OutputSize">Outputs per image.</param>
/// <param name="Parameters">Learned parameters.</param>
public sealed record ProfileModel(string Name, string Description, string? Sha256, int[] InputShape, int OutputSize, long Parameters)
{
    /// <summary>The identity of a graph (no file hash).</summary>
    public static ProfileModel Of(ModelGraph model, string description, string? sha256) =>
        new(model.Name, description, sha256, model.InputShape, model.OutputSize, model.ParameterCount);
}
