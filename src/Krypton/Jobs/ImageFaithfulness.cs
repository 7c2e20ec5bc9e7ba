namespace Krypton.Jobs;

/// <summary>The deletion-curve areas of one image.</summary>
/// <param name="Image">The image's name (its file name).</param>
/// <param name="Target">The class explained.</param>
/// <param name="Probability">The target's probability without occlusion.</param>
/// <param name="DeletionAuc">Area under the curve with cells in heat-map order.</param>
/// <param name="RandomAuc">Area under the mean curve of the random orders.</param>
public sealed record ImageFaithfulness(string Image, int Target, float Probability, double DeletionAuc, double RandomAuc);
