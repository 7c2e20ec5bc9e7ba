using ScottPlot;
using SkiaSharp;

namespace Krypton.Output;

/// <summary>
/// The font overlay text is drawn with: a Latin-1 subset of DejaVu Sans embedded in the library
/// (see Fonts/make_font_subset.sh), so colour-bar labels render on machines without system fonts
/// and look the same everywhere. Registered with ScottPlot under its own name, so other ScottPlot
/// users in the process are unaffected.
/// </summary>
internal static class OverlayFont
{
    public const string Name = "Krypton DejaVu Sans";

    private static readonly Lazy<SKTypeface> Face = new(Load);

    /// <summary>The typeface, for text drawn with Skia directly.</summary>
    public static SKTypeface Typeface => Face.Value;
    private static readonly object Gate = new();
    private static bool _registered;

    /// <summary>Makes <see cref="Name"/> resolvable by ScottPlot (idempotent, thread-safe).</summary>
    public static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (_registered) return;
            Fonts.FontResolvers.Insert(0, new Resolver());
            _registered = true;
        }
    }

    private static SKTypeface Load()
    {
        using var stream = typeof(OverlayFont).Assembly.GetManifestResourceStream("Krypton.Output.Fonts.DejaVuSans-Latin1.ttf")
            ?? throw new InvalidOperationException("the embedded overlay font is missing from the Krypton assembly");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return SKTypeface.FromData(SKData.CreateCopy(bytes))
            ?? throw new InvalidOperationException("Skia could not read the embedded overlay font");
    }

    private sealed class Resolver : IFontResolver
    {
        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing spacing) =>
            fontName == Name ? Face.Value : null;

        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) =>
            fontName == Name ? Face.Value : null;
    }
}
