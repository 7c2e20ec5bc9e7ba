using System.Globalization;

namespace Krypton.Quality;

/// <summary>
/// The deletion and insertion curves of a heat map, each against random maps. Pixels are taken in
/// the map's per-pixel order (each pixel the mean change of the cells whose patch covers it, largest
/// first), a fixed share of the covered area per step. Deletion fills them: a faithful map lowers
/// the target's probability faster than random maps do (a smaller area). Insertion starts from the
/// filled image and restores them: a faithful map brings the probability back faster (a larger
/// area). Random maps are the map's own cell values shuffled over its cells, so they are as blocky
/// as the map; the verdict counts how many of them the map beats.
/// </summary>
/// <param name="Target">The output explained.</param>
/// <param name="Pixels">Pixels ordered: those some computed cell's patch covers.</param>
/// <param name="Steps">Steps taken; the curves have Steps + 1 points.</param>
/// <param name="Fractions">Fraction of <paramref name="Pixels"/> filled (deletion) or restored (insertion) at each point, 0 to 1.</param>
/// <param name="Deletion">The deletion curves.</param>
/// <param name="Insertion">The insertion curves.</param>
/// <param name="Seed">Seed of the random maps.</param>
/// <param name="BatchSize">Masked images per inference call.</param>
/// <param name="Time">How long the measurement took.</param>
public sealed record FaithfulnessResult(
    int Target,
    int Pixels,
    int Steps,
    double[] Fractions,
    FaithfulnessCurves Deletion,
    FaithfulnessCurves Insertion,
    int Seed,
    int BatchSize,
    TimeSpan Time)
{
    /// <summary>Area under the deletion curve in heat-map order (lower is more faithful).</summary>
    public double DeletionAuc => Deletion.HeatMapAuc;

    /// <summary>Mean area under the random maps' deletion curves.</summary>
    public double RandomDeletionAuc => Deletion.RandomAuc;

    /// <summary>Area under the insertion curve in heat-map order (higher is more faithful).</summary>
    public double InsertionAuc => Insertion.HeatMapAuc;

    /// <summary>Mean area under the random maps' insertion curves.</summary>
    public double RandomInsertionAuc => Insertion.RandomAuc;

    /// <summary>Random maps whose deletion area the heat map's is below.</summary>
    public int DeletionWins => Deletion.RandomAucs.Count(r => Deletion.HeatMapAuc < r);

    /// <summary>Random maps whose insertion area the heat map's is above.</summary>
    public int InsertionWins => Insertion.RandomAucs.Count(r => Insertion.HeatMapAuc > r);

    /// <summary>Random maps compared with.</summary>
    public int RandomMaps => Deletion.RandomAucs.Length;

    /// <summary>True when the map beats every random map on both curves.</summary>
    public bool Faithful => DeletionWins == RandomMaps && InsertionWins == RandomMaps;

    /// <summary>
    /// The verdict in words, with its uncertainty: beating all R random maps on a curve happens by
    /// chance once in R + 1 when the map has nothing to do with the model.
    /// </summary>
    public string Verdict
    {
        get
        {
            int r = RandomMaps;
            string counts = $"deletion beats {DeletionWins} of {r} random maps, insertion {InsertionWins} of {r}";
            if (Faithful)
                return $"faithful: the map beats all {r} random maps on both curves (by chance: 1 in {r + 1} per curve)";
            if (DeletionWins == 0 && InsertionWins == 0)
                return $"not faithful: the map beats none of {r} random maps on either curve";
            return $"inconclusive: {counts}";
        }
    }

    /// <summary>One line: both areas against the random maps' mean ± standard deviation, and the verdict.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"deletion area {DeletionAuc:0.####} vs {Deletion.RandomAuc:0.####} ± {Deletion.RandomSpread:0.####} (random; lower is better), insertion area {InsertionAuc:0.####} vs {Insertion.RandomAuc:0.####} ± {Insertion.RandomSpread:0.####} (higher is better); {Verdict}");
}

/// <summary>One kind of curve (deletion or insertion): in heat-map order and for each random map.</summary>
/// <param name="HeatMap">The target's probability at each point, pixels in heat-map order.</param>
/// <param name="Random">The mean over the random maps at each point.</param>
/// <param name="HeatMapAuc">Area under <paramref name="HeatMap"/> over the fractions (trapezoid rule).</param>
/// <param name="RandomAucs">Area under each random map's curve.</param>
public sealed record FaithfulnessCurves(float[] HeatMap, float[] Random, double HeatMapAuc, double[] RandomAucs)
{
    /// <summary>Mean of <see cref="RandomAucs"/>.</summary>
    public double RandomAuc => RandomAucs.Average();

    /// <summary>Standard deviation of <see cref="RandomAucs"/> (0 for one).</summary>
    public double RandomSpread => RandomAucs.Length < 2 ? 0
        : Math.Sqrt(RandomAucs.Sum(a => (a - RandomAuc) * (a - RandomAuc)) / (RandomAucs.Length - 1));
}
