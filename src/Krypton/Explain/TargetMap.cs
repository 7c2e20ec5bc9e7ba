namespace Krypton.Explain;

/// <summary>One target's heat map, from the sweep that computed every target's.</summary>
/// <param name="Target">The flattened output index.</param>
/// <param name="HeatMap">Values row-major, Grid.Rows × Grid.Columns (NaN outside the region of interest); empty for explicit positions.</param>
/// <param name="UnoccludedValue">Its value (in the spec's units, before any drop) without occlusion.</param>
/// <param name="UnoccludedProbability">Its probability without occlusion.</param>
/// <param name="PositionValues">For explicit positions: their values, in order; else null.</param>
public sealed record TargetMap(int Target, float[] HeatMap, float UnoccludedValue, float UnoccludedProbability, float[]? PositionValues = null)
{
    /// <summary>The smallest and largest finite value (of the positions' values when there are positions); nulls when there is none.</summary>
    public (float? Min, float? Max) Range
    {
        get
        {
            var finite = (PositionValues ?? HeatMap).Where(float.IsFinite).ToArray();
            return finite.Length > 0 ? (finite.Min(), finite.Max()) : (null, null);
        }
    }
}
