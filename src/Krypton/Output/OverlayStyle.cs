namespace Krypton.Output;

/// <summary>How an overlay looks.</summary>
/// <param name="Opacity">Opacity of the heat-map colours over the image, 0 to 1.</param>
/// <param name="Min">Value drawn with the colormap's first colour; the heat map's minimum when null.</param>
/// <param name="Max">Value drawn with the colormap's last colour; the heat map's maximum when null.</param>
/// <param name="MinDisplaySide">Small images are enlarged by a whole factor until their longer side reaches this many pixels.</param>
public sealed record OverlayStyle(double Opacity = 0.5, double? Min = null, double? Max = null, int MinDisplaySide = 512);
