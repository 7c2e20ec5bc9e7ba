namespace Krypton.Explain;

/// <summary>
/// Values a sweep has just computed, for someone watching the map grow: the cells (row-major
/// indices into the grid) and their values in the map's units, position-major
/// [cells, targets] in the order of the explanation's targets.
/// </summary>
/// <param name="Cells">Grid cells, row-major indices.</param>
/// <param name="Values">Values, [cells, targets].</param>
/// <param name="Targets">The targets (flattened output indices), in the order of <paramref name="Values"/>' columns.</param>
/// <param name="Unoccluded">Each target's value on the unoccluded image, in the spec's units before any drop (as <see cref="TargetMap.UnoccludedValue"/>).</param>
/// <param name="UnoccludedProbabilities">Each target's probability on the unoccluded image (what an absolute scale of probabilities spans).</param>
/// <param name="PrimaryColumn">The column of the primary target (the map the single-map outputs show).</param>
public sealed record MapValues(int[] Cells, float[] Values, IReadOnlyList<int> Targets, float[] Unoccluded, float[] UnoccludedProbabilities, int PrimaryColumn)
{
    /// <summary>The primary target's values, one per cell.</summary>
    public float[] PrimaryValues()
    {
        int k = Targets.Count;
        return Enumerable.Range(0, Cells.Length).Select(i => Values[i * k + PrimaryColumn]).ToArray();
    }
}
