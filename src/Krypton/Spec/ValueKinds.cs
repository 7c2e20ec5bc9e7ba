namespace Krypton.Spec;

/// <summary>What the kinds of value have in common.</summary>
public static class ValueKinds
{
    /// <summary>
    /// True for the values that are a difference, unoccluded minus occluded (<see cref="ValueKind.Drop"/>,
    /// <see cref="ValueKind.Delta"/>): high where the region matters, rather than low.
    /// </summary>
    public static bool IsDrop(this ValueKind value) => value is ValueKind.Drop or ValueKind.Delta;
}
