namespace Krypton.Output;

/// <summary>What an overlay's colour scale spans.</summary>
public enum ScaleKind
{
    /// <summary>From no change to the target's unoccluded probability (for logit and delta maps, the unoccluded value's magnitude or the largest change): a flat map looks flat. Several targets of one sweep share the largest such scale; a folder's maps of probabilities share the scale 0 to 1.</summary>
    Absolute,

    /// <summary>Stretched to the map's own largest change: structure in a nearly flat map becomes visible, and the picture says the scale is relative.</summary>
    Relative,
}

/// <summary>How overlays are scaled.</summary>
/// <param name="Scale">Absolute (the default) or relative.</param>
/// <param name="SharedMax">For an absolute scale: the change every map of the run is drawn on (a folder run's common scale), instead of each sweep's own; null for none.</param>
public sealed record OverlayOptions(ScaleKind Scale = ScaleKind.Absolute, double? SharedMax = null)
{
    /// <summary>Absolute, each sweep on its own scale.</summary>
    public static OverlayOptions Default { get; } = new();

    /// <summary>The option's name on the command line and in explanation.json.</summary>
    public static string Name(ScaleKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>Parses absolute or relative.</summary>
    /// <exception cref="KryptonException">Anything else.</exception>
    public static ScaleKind ParseScale(string text) => text.Trim().ToLowerInvariant() switch
    {
        "absolute" => ScaleKind.Absolute,
        "relative" => ScaleKind.Relative,
        _ => throw KryptonException.Naming($"{Term.Scale} '{text}' is not absolute or relative"),
    };
}
