namespace Krypton.Quality;

/// <summary>
/// A deletion curve: the target's probability as the heat map's cells are occluded cumulatively,
/// most sensitive first, against the same for random orders. A faithful map lowers the
/// probability faster than chance, so its area is smaller.
/// </summary>
/// <param name="Target">The output explained.</param>
/// <param name="Cells">Cells ordered (the computed cells of the map).</param>
/// <param name="Steps">Steps taken; the curves have Steps + 1 points.</param>
/// <param name="Fractions">Fraction of the cells occluded at each point, 0 to 1.</param>
/// <param name="Curve">The target's probability at each point, cells in heat-map order.</param>
/// <param name="RandomCurve">The mean over the random orders of the target's probability at each point.</param>
/// <param name="DeletionAuc">Area under <paramref name="Curve"/> over the fractions (trapezoid rule).</param>
/// <param name="RandomAuc">Area under <paramref name="RandomCurve"/>.</param>
/// <param name="RandomAucs">Area under each random order's curve.</param>
/// <param name="Seed">Seed of the random orders.</param>
/// <param name="BatchSize">Masked images per inference call.</param>
/// <param name="Time">How long the measurement took.</param>
public sealed record FaithfulnessResult(
    int Target,
    int Cells,
    int Steps,
    double[] Fractions,
    float[] Curve,
    float[] RandomCurve,
    double DeletionAuc,
    double RandomAuc,
    double[] RandomAucs,
    int Seed,
    int BatchSize,
    TimeSpan Time);
