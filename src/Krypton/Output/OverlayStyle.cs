namespace Krypton.Output;

/// <summary>How an overlay looks.</summary>
/// <param name="MaxOpacity">Opacity of the colour at the largest change on the scale (0 to 1); no change is fully transparent.</param>
/// <param name="MinDisplaySide">Small images are enlarged by a whole factor until their longer side reaches this many pixels.</param>
public sealed record OverlayStyle(double MaxOpacity = 0.9, int MinDisplaySide = 512)
{
    /// <summary>
    /// Opacity grows as the square root of |change / scale|, so that a change of a fifth of the scale
    /// is already plain (opacity 0.40 at the defaults) while no change stays transparent.
    /// </summary>
    public const double OpacityGamma = 0.5;

    /// <summary>The opacity of a change at <paramref name="t"/> = |change| / scale (clamped to 1).</summary>
    public double OpacityAt(double t) => MaxOpacity * Math.Pow(Math.Clamp(Math.Abs(t), 0, 1), OpacityGamma);
}
