namespace Krypton.Output;

/// <summary>
/// The scale an overlay's colours are on: a change (the target's unoccluded value minus its value
/// with the patch in place) of <paramref name="Max"/> gets the strongest colour, no change none.
/// </summary>
/// <param name="Max">The change drawn with the strongest colour (positive).</param>
/// <param name="Diverging">True when occlusion also raises the target somewhere: raises get a second colour ramp and the colour bar runs from −Max to Max; else it runs from 0 to Max.</param>
public sealed record OverlayScale(double Max, bool Diverging);

/// <summary>What the overlay's text says.</summary>
/// <param name="ColorBarLabel">Beside the colour bar: what the values mean, with units.</param>
/// <param name="Title">Above the picture: the target and its unoccluded value.</param>
/// <param name="Notes">Below the title, one per line: a relative scale, a flat map.</param>
public sealed record OverlayText(string ColorBarLabel, string? Title = null, IReadOnlyList<string>? Notes = null);
