namespace Krypton.Training;

/// <summary>Labelled feature vectors: <c>Features</c> is [count, dimension] row-major, labels are class indices.</summary>
/// <param name="Features">Row-major feature matrix.</param>
/// <param name="Labels">One class index per row.</param>
/// <param name="Dimension">Features per row.</param>
public sealed record FeatureSet(float[] Features, int[] Labels, int Dimension)
{
    /// <summary>Number of rows.</summary>
    public int Count => Labels.Length;
}
