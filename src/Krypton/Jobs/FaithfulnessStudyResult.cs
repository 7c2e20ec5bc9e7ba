using Krypton.Quality;
using Krypton.Spec;

namespace Krypton.Jobs;

/// <summary>Deletion-curve areas over many images, and their means.</summary>
/// <param name="Images">Per image, in the order given.</param>
/// <param name="Spec">The occlusion experiment of every image.</param>
/// <param name="Options">How each curve was measured.</param>
/// <param name="Time">Total time.</param>
public sealed record FaithfulnessStudyResult(IReadOnlyList<ImageFaithfulness> Images, OcclusionSpec Spec, FaithfulnessOptions Options, TimeSpan Time)
{
    /// <summary>Mean area with cells in heat-map order: lower is more faithful.</summary>
    public double MeanDeletionAuc => Images.Average(i => i.DeletionAuc);

    /// <summary>Mean area with cells in random order.</summary>
    public double MeanRandomAuc => Images.Average(i => i.RandomAuc);

    /// <summary>Images whose heat-map order has the smaller area.</summary>
    public int HeatMapWins => Images.Count(i => i.DeletionAuc < i.RandomAuc);

    /// <summary>Standard error of the mean of RandomAuc − DeletionAuc (paired), or NaN for one image.</summary>
    public double StandardErrorOfDifference
    {
        get
        {
            int n = Images.Count;
            if (n < 2) return double.NaN;
            var d = Images.Select(i => i.RandomAuc - i.DeletionAuc).ToArray();
            double mean = d.Average();
            double variance = d.Sum(v => (v - mean) * (v - mean)) / (n - 1);
            return Math.Sqrt(variance / n);
        }
    }
}
