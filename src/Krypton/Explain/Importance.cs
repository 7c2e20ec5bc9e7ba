using Krypton.Spec;

namespace Krypton.Explain;

/// <summary>
/// How much each cell of a map matters, whatever the map records: the change of the target when
/// the patch is in place (its unoccluded value minus its occluded value; positive where occlusion
/// lowers it), the scale it is judged on, and whether the map is flat.
/// </summary>
public static class Importance
{
    /// <summary>
    /// A map is flat when its changes span less than this share of its absolute scale (<see cref="AbsoluteScale"/>):
    /// no patch moves the target by more than 1 % of its unoccluded probability.
    /// </summary>
    public const double FlatThreshold = 0.01;

    /// <summary>The change a map value stands for: the value itself in a drop or delta map, else the unoccluded value minus it; NaN stays NaN.</summary>
    public static float ChangeOf(Explanation e, TargetMap map, float value) =>
        e.Spec.Value.IsDrop() ? value : map.UnoccludedValue - value;

    /// <summary>The change per cell (<see cref="ChangeOf"/>).</summary>
    public static float[] Changes(Explanation e, TargetMap map) =>
        e.Spec.Value.IsDrop() ? map.HeatMap : Array.ConvertAll(map.HeatMap, v => ChangeOf(e, map, v));

    /// <summary>
    /// The largest change the map's units make meaningful: the target's unoccluded probability for
    /// probability and drop maps (a patch cannot lower it further); for logit and delta maps, which
    /// have no such bound, the unoccluded value's magnitude or the largest change, whichever is larger.
    /// </summary>
    public static double AbsoluteScale(Explanation e, TargetMap map) => e.Spec.Value is ValueKind.Probability or ValueKind.Drop
        ? map.UnoccludedProbability
        : Math.Max(Math.Abs(map.UnoccludedValue), LargestChange(Changes(e, map)));

    /// <summary>The largest finite |change|; 0 when there is none.</summary>
    public static double LargestChange(float[] changes) => changes.Where(float.IsFinite).Select(v => Math.Abs((double)v)).DefaultIfEmpty(0).Max();

    /// <summary>The span of the finite changes (largest minus smallest); 0 when there is none.</summary>
    public static double Span(float[] changes)
    {
        var finite = changes.Where(float.IsFinite).ToArray();
        return finite.Length == 0 ? 0 : finite.Max() - (double)finite.Min();
    }

    /// <summary>True when the map's changes span less than <see cref="FlatThreshold"/> of its absolute scale: no region matters more than another.</summary>
    public static bool IsFlat(Explanation e, TargetMap map) => Span(Changes(e, map)) < FlatThreshold * AbsoluteScale(e, map);

    /// <summary>
    /// Raises smaller than this share of the scale are below an overlay's notice (opacity under 0.2):
    /// a map whose raises all stay below it is drawn on a sequential scale of drops.
    /// </summary>
    public const double VisibleRaise = 0.05;

    /// <summary>True when occlusion raises the target somewhere by more than <see cref="VisibleRaise"/> of the scale.</summary>
    public static bool RaisesAnywhere(float[] changes, double scale) => changes.Where(float.IsFinite).Any(v => v < -VisibleRaise * scale);
}
