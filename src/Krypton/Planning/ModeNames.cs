namespace Krypton.Planning;

/// <summary>The words --mode takes for <see cref="OcclusionMode"/>: exact and naive.</summary>
public static class ModeNames
{
    /// <summary>The mode as --mode names it.</summary>
    public static string Of(OcclusionMode mode) => mode.ToString().ToLowerInvariant();

    /// <summary>Parses --mode (exact or naive, any case).</summary>
    /// <exception cref="KryptonException">Another word.</exception>
    public static OcclusionMode Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "exact" => OcclusionMode.Exact,
        "naive" => OcclusionMode.Naive,
        _ => throw new KryptonException($"mode '{text.Trim()}' is not available; modes: exact, naive"),
    };
}
