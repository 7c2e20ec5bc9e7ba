namespace Krypton.Spec;

/// <summary>What the kinds of value have in common.</summary>
public static class ValueKinds
{
    /// <summary>
    /// True for the values that are a difference, unoccluded minus occluded (<see cref="ValueKind.Drop"/>,
    /// <see cref="ValueKind.Delta"/>): high where the region matters, rather than low.
    /// </summary>
    public static bool IsDrop(this ValueKind value) => value is ValueKind.Drop or ValueKind.Delta;

    /// <summary>Parses a value kind as the tools name it: prob (or probability), logit, drop, delta; any case.</summary>
    /// <exception cref="KryptonException">Another word.</exception>
    public static ValueKind Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "prob" or "probability" => ValueKind.Probability,
        "logit" => ValueKind.Logit,
        "drop" => ValueKind.Drop,
        "delta" => ValueKind.Delta,
        _ => throw new KryptonException($"--value '{text}' is not prob, logit, drop or delta"),
    };

    /// <summary>The value kind as <see cref="Parse"/> reads it: prob, logit, drop or delta.</summary>
    public static string Name(ValueKind value) => value == ValueKind.Probability ? "prob" : value.ToString().ToLowerInvariant();
}
