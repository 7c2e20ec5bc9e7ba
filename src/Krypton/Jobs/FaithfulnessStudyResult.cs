using Krypton.Quality;
using Krypton.Spec;

namespace Krypton.Jobs;

/// <summary>Deletion and insertion areas over many images, and their means.</summary>
/// <param name="Images">Per image, in the order given.</param>
/// <param name="Spec">The occlusion experiment of every image.</param>
/// <param name="Options">How each curve was measured.</param>
/// <param name="Time">Total time.</param>
public sealed record FaithfulnessStudyResult(IReadOnlyList<ImageFaithfulness> Images, OcclusionSpec Spec, FaithfulnessOptions Options, TimeSpan Time)
{
    /// <summary>Mean deletion area in heat-map order: lower is more faithful.</summary>
    public double MeanDeletionAuc => Images.Average(i => i.DeletionAuc);

    /// <summary>Mean deletion area of the random maps.</summary>
    public double MeanRandomDeletionAuc => Images.Average(i => i.RandomDeletionAuc);

    /// <summary>Mean insertion area in heat-map order: higher is more faithful.</summary>
    public double MeanInsertionAuc => Images.Average(i => i.InsertionAuc);

    /// <summary>Mean insertion area of the random maps.</summary>
    public double MeanRandomInsertionAuc => Images.Average(i => i.RandomInsertionAuc);

    /// <summary>Images whose deletion area is below the random maps' mean.</summary>
    public int DeletionWins => Images.Count(i => i.DeletionAuc < i.RandomDeletionAuc);

    /// <summary>Images whose insertion area is above the random maps' mean.</summary>
    public int InsertionWins => Images.Count(i => i.InsertionAuc > i.RandomInsertionAuc);

    /// <summary>Images whose map beat every random map on both curves.</summary>
    public int FaithfulImages => Images.Count(i => i.Faithful);

    /// <summary>Standard error of the mean of random − heat-map deletion area (paired), or NaN for one image.</summary>
    public double DeletionStandardError => StandardError(Images.Select(i => i.RandomDeletionAuc - i.DeletionAuc).ToArray());

    /// <summary>Standard error of the mean of heat-map − random insertion area (paired), or NaN for one image.</summary>
    public double InsertionStandardError => StandardError(Images.Select(i => i.InsertionAuc - i.RandomInsertionAuc).ToArray());

    private static double StandardError(double[] d)
    {
        int n = d.Length;
        if (n < 2) return double.NaN;
        double mean = d.Average();
        return Math.Sqrt(d.Sum(v => (v - mean) * (v - mean)) / (n - 1) / n);
    }
}
