namespace Krypton.Jobs;

/// <summary>The deletion and insertion areas of one image (<see cref="Quality.FaithfulnessResult"/>).</summary>
/// <param name="Image">The image's name (its file name).</param>
/// <param name="Target">The class explained.</param>
/// <param name="Probability">The target's probability without occlusion.</param>
/// <param name="DeletionAuc">Area under the deletion curve, pixels in heat-map order (lower is better).</param>
/// <param name="RandomDeletionAuc">Mean area under the random maps' deletion curves.</param>
/// <param name="InsertionAuc">Area under the insertion curve, pixels in heat-map order (higher is better).</param>
/// <param name="RandomInsertionAuc">Mean area under the random maps' insertion curves.</param>
/// <param name="Faithful">True when the map beat every random map on both curves.</param>
public sealed record ImageFaithfulness(string Image, int Target, float Probability, double DeletionAuc, double RandomDeletionAuc,
    double InsertionAuc, double RandomInsertionAuc, bool Faithful)
{
    /// <summary>The areas of a measured curve pair.</summary>
    public static ImageFaithfulness Of(string image, int target, float probability, Quality.FaithfulnessResult f) =>
        new(image, target, probability, f.DeletionAuc, f.RandomDeletionAuc, f.InsertionAuc, f.RandomInsertionAuc, f.Faithful);
}
