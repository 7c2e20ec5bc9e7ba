using System.Runtime.InteropServices;
using Krypton.IO;
using Krypton.Imaging;
using ScottPlot;
using SkiaSharp;

namespace Krypton.Output;

/// <summary>
/// Draws how much the prediction depends on each region over the image as the model saw it (in
/// gray, so that every colour is the map's): the change of the target when a patch covers a region
/// (its unoccluded value minus its value with the patch in place) coloured on a fixed scale, fully
/// transparent where nothing changes and more opaque as the change grows. Drops (occlusion lowers
/// the target) go from red through orange to yellow (the upper part of inferno); where occlusion
/// raises the target the scale diverges, and raises go from blue to cyan. The colour bar shows each
/// colour as drawn at its opacity over mid-gray, and a title names the target, the scale and, for a
/// flat map, says so.
/// </summary>
/// <remarks>
/// The map is upsampled bilinearly with each cell's value placed at the centre of its patch. The
/// coloured area is exactly the area the patches cover, from the first patch's top-left corner to
/// the last patch's bottom-right corner (clipped to the image). Between the outermost patch centres
/// and that border (half a patch wide) the value of the nearest edge cell is extended, not
/// extrapolated; pixels outside the covered area are shown uncoloured. Non-finite cells are left
/// uncoloured, together with the pixels whose interpolation would need them.
/// </remarks>
public static class OverlayRenderer
{
    private const int PadLeft = 8, PadTop = 8, PadBottom = 8, ColorBarPanel = 150, TitleLine = 20;

    /// <summary>The colour bar's width and the centre of its label, in pixels right of the picture: the tick labels (at most five characters at 12 px) end before 110.</summary>
    private const int BarWidth = 36, LabelCentre = 128;

    /// <summary>The gray the colour bar draws its colours over.</summary>
    public const byte BarBackground = 128;

    /// <summary>The colour of a drop at <paramref name="t"/> in [0, 1] of the scale, before opacity: inferno from 0.40 (red) to 0.95 (yellow).</summary>
    public static ScottPlot.Color DropColour(double t) => Inferno.GetColor(0.40 + 0.55 * Math.Clamp(t, 0, 1));

    /// <summary>The colour of a raise at <paramref name="t"/> in [0, 1] of the scale, before opacity: from blue to cyan.</summary>
    public static ScottPlot.Color RaiseColour(double t)
    {
        double u = Math.Clamp(t, 0, 1);
        return new ScottPlot.Color((byte)Math.Round(40 + 40 * u), (byte)Math.Round(90 + 150 * u), (byte)Math.Round(220 + 35 * u));
    }

    private static readonly ScottPlot.Colormaps.Inferno Inferno = new();

    /// <summary>Renders overlay PNG bytes for a map of changes given as [row, column].</summary>
    public static byte[] Render(LoadedImage image, float[,] changes, OverlayGeometry geometry, OverlayScale scale, OverlayText text, OverlayStyle? style = null) =>
        Render(image, RowMajor.Flatten(changes), changes.GetLength(0), changes.GetLength(1), geometry, scale, text, style);

    /// <summary>
    /// Renders overlay PNG bytes for a row-major map of changes (unoccluded minus occluded value,
    /// positive where occlusion lowers the target) of <paramref name="rows"/> x <paramref name="cols"/>.
    /// <paramref name="image"/> must be in the coordinates of <paramref name="geometry"/> (the model's input size).
    /// </summary>
    /// <exception cref="KryptonException">The geometry or scale is invalid, or the map is empty.</exception>
    public static byte[] Render(LoadedImage image, ReadOnlySpan<float> changes, int rows, int cols,
        OverlayGeometry geometry, OverlayScale scale, OverlayText text, OverlayStyle? style = null)
    {
        style ??= new OverlayStyle();
        Validate(changes.Length, rows, cols, geometry, scale, style);
        int lines = TitleLines(text);
        int factor = DisplayScale(image.Width, image.Height, style);
        int width = image.Width * factor, height = image.Height * factor;

        using var composed = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(composed))
        {
            using var picture = image.ToBitmap8();
            using var pictureImage = SKImage.FromBitmap(picture);
            // The picture in gray (Rec. 709 luma), so every colour on it is the map's.
            using var gray = new SKPaint { ColorFilter = SKColorFilter.CreateColorMatrix(
            [
                0.2126f, 0.7152f, 0.0722f, 0, 0,
                0.2126f, 0.7152f, 0.0722f, 0, 0,
                0.2126f, 0.7152f, 0.0722f, 0, 0,
                0, 0, 0, 1, 0,
            ]) };
            canvas.DrawImage(pictureImage, new SKRect(0, 0, width, height), new SKSamplingOptions(SKFilterMode.Linear), gray);
            using var colours = ColourLayer(changes, rows, cols, geometry, factor, width, height, scale, style);
            canvas.DrawBitmap(colours, 0, 0);
        }

        OverlayFont.EnsureRegistered();
        var plot = new Plot();
        try
        {
            plot.Add.ImageRect(new ScottPlot.Image(composed), new CoordinateRect(0, image.Width, 0, image.Height));
            plot.Axes.SetLimits(0, image.Width, 0, image.Height);
            plot.HideAxesAndGrid();
            plot.Layout.Fixed(new PixelPadding(PadLeft, ColorBarPanel, PadBottom, PadTop + lines * TitleLine));
            if (lines > 0)
            {
                plot.Title(string.Join("\n", new[] { text.Title }.Concat(text.Notes ?? []).OfType<string>()));
                plot.Axes.Title.Label.FontName = OverlayFont.Name;
                plot.Axes.Title.Label.FontSize = 14;
                plot.Axes.Title.Label.Bold = false;
                plot.Axes.Title.Label.ForeColor = Colors.Black;
            }
            var bar = plot.Add.ColorBar(new FixedColorAxis(new AsDrawn(scale, style), scale.Diverging ? new ScottPlot.Range(-scale.Max, scale.Max) : new ScottPlot.Range(0, scale.Max)));
            bar.Width = BarWidth;
            bar.Axis.TickLabelStyle.FontName = OverlayFont.Name;
            bar.Axis.TickLabelStyle.FontSize = 12;
            bar.Axis.TickLabelStyle.ForeColor = Colors.Black;
            var size = FigureSize(image.Width, image.Height, style, lines);
            using var figure = new SKBitmap(size.Width, size.Height);
            using (var canvas = new SKCanvas(figure))
            {
                plot.Render(canvas, size.Width, size.Height);
                // The bar's label, drawn here rather than by the plot: at a fixed place right of the
                // widest tick label, so they never overlap, centred on the picture's height.
                var area = ImageArea(image.Width, image.Height, style, lines);
                // 14 px, smaller when the picture is too short for the label (9 px at least).
                using var font = new SKFont(OverlayFont.Typeface, 14);
                float length = font.MeasureText(text.ColorBarLabel);
                if (length > area.Height - 8)
                    font.Size = Math.Max(9, 14 * (area.Height - 8) / length);
                using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
                canvas.Save();
                canvas.Translate(area.Left + area.Width + LabelCentre, area.Top + area.Height / 2f);
                canvas.RotateDegrees(90);
                canvas.DrawText(text.ColorBarLabel, 0, font.Size * 0.35f, SKTextAlign.Center, font, ink);
                canvas.Restore();
            }
            using var png = figure.Encode(SKEncodedImageFormat.Png, 100);
            return png.ToArray();
        }
        finally
        {
            plot.Dispose();
        }
    }

    private static int TitleLines(OverlayText text) => (text.Title is null ? 0 : 1) + (text.Notes?.Count ?? 0);

    /// <summary>The pixel size of the PNG that <see cref="Render(LoadedImage, float[,], OverlayGeometry, OverlayScale, OverlayText, OverlayStyle?)"/> makes with <paramref name="titleLines"/> lines of title and notes.</summary>
    public static (int Width, int Height) FigureSize(int imageWidth, int imageHeight, OverlayStyle? style = null, int titleLines = 0)
    {
        int scale = DisplayScale(imageWidth, imageHeight, style ?? new OverlayStyle());
        return (imageWidth * scale + PadLeft + ColorBarPanel, imageHeight * scale + PadTop + titleLines * TitleLine + PadBottom);
    }

    /// <summary>The pixel rectangle (left, top, width, height) the image occupies in the figure.</summary>
    public static (int Left, int Top, int Width, int Height) ImageArea(int imageWidth, int imageHeight, OverlayStyle? style = null, int titleLines = 0)
    {
        int scale = DisplayScale(imageWidth, imageHeight, style ?? new OverlayStyle());
        return (PadLeft, PadTop + titleLines * TitleLine, imageWidth * scale, imageHeight * scale);
    }

    private static int DisplayScale(int width, int height, OverlayStyle style) =>
        Math.Max(1, (int)Math.Ceiling(style.MinDisplaySide / (double)Math.Max(width, height)));

    private static void Validate(int length, int rows, int cols, OverlayGeometry g, OverlayScale scale, OverlayStyle style)
    {
        if (rows <= 0 || cols <= 0 || length != rows * cols)
            throw new KryptonException($"a heat map of {rows}x{cols} needs {(long)rows * cols} values, got {length}");
        if (g.PatchHeight <= 0 || g.PatchWidth <= 0 || g.StrideY <= 0 || g.StrideX <= 0)
            throw new KryptonException(
                $"overlay geometry needs positive patch and stride, got patch {g.PatchHeight}x{g.PatchWidth}, stride {g.StrideY}x{g.StrideX}");
        if (!(scale.Max > 0) || double.IsInfinity(scale.Max))
            throw new KryptonException($"an overlay's scale must be a positive number, got {scale.Max}");
        if (style.MaxOpacity is < 0 or > 1 || double.IsNaN(style.MaxOpacity))
            throw new KryptonException($"overlay opacity must be between 0 and 1, got {style.MaxOpacity}");
    }

    /// <summary>
    /// The colours to draw over the image: Skia upsamples the map (R = change / scale, G = 1 where
    /// finite) with a bilinear image shader whose clamp tiling gives the edge extension.
    /// </summary>
    private static SKBitmap ColourLayer(ReadOnlySpan<float> changes, int rows, int cols, OverlayGeometry g,
        int factor, int width, int height, OverlayScale scale, OverlayStyle style)
    {
        var cells = new float[rows * cols * 4];
        for (int k = 0; k < rows * cols; k++)
        {
            float v = changes[k];
            bool finite = float.IsFinite(v);
            cells[4 * k] = finite ? (float)(v / scale.Max) : 0f;
            cells[4 * k + 1] = finite ? 1f : 0f;
            cells[4 * k + 3] = 1f;
        }
        var cellInfo = new SKImageInfo(cols, rows, SKColorType.RgbaF32, SKAlphaType.Unpremul);
        using var cellBitmap = new SKBitmap(cellInfo);
        Marshal.Copy(cells, 0, cellBitmap.GetPixels(), cells.Length);
        using var cellImage = SKImage.FromBitmap(cellBitmap);

        // Cell pixel centre j + 0.5 lands on patch centre OriginX + j * StrideX + PatchWidth / 2.
        var cellToDisplay = SKMatrix.CreateScaleTranslation(
            (float)(factor * g.StrideX), (float)(factor * g.StrideY),
            (float)(factor * (g.OriginX + g.PatchWidth / 2 - g.StrideX / 2)),
            (float)(factor * (g.OriginY + g.PatchHeight / 2 - g.StrideY / 2)));
        using var shader = cellImage.ToShader(SKShaderTileMode.Clamp, SKShaderTileMode.Clamp,
            new SKSamplingOptions(SKFilterMode.Linear), cellToDisplay);
        var covered = SKRect.Create(
            (float)(factor * g.OriginX), (float)(factor * g.OriginY),
            (float)(factor * ((cols - 1) * g.StrideX + g.PatchWidth)),
            (float)(factor * ((rows - 1) * g.StrideY + g.PatchHeight)));

        var fieldInfo = new SKImageInfo(width, height, SKColorType.RgbaF32, SKAlphaType.Unpremul);
        using var field = new SKBitmap(fieldInfo);
        using (var canvas = new SKCanvas(field))
        {
            canvas.Clear(SKColors.Transparent);
            using var paint = new SKPaint { Shader = shader, BlendMode = SKBlendMode.Src };
            canvas.DrawRect(covered, paint);
        }
        var values = new float[width * height * 4];
        Marshal.Copy(field.GetPixels(), values, 0, values.Length);

        var rgba = new byte[width * height * 4];
        for (int p = 0; p < width * height; p++)
        {
            // Alpha 0: outside the covered area. G below 1: next to a non-finite cell.
            if (values[4 * p + 3] < 0.5f || values[4 * p + 1] < 0.999f) continue;
            var (colour, alpha) = ColourOf(values[4 * p], scale, style);
            rgba[4 * p] = colour.R;
            rgba[4 * p + 1] = colour.G;
            rgba[4 * p + 2] = colour.B;
            rgba[4 * p + 3] = (byte)Math.Round(alpha * 255);
        }
        var layer = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        Marshal.Copy(rgba, 0, layer.GetPixels(), rgba.Length);
        return layer;
    }

    /// <summary>
    /// The colour and opacity of a change at <paramref name="t"/> = change / scale: a drop's colour
    /// for t above 0, a raise's below 0 on a diverging scale (on a sequential one raises are left
    /// transparent: the scale says they are below the map's notice).
    /// </summary>
    public static (ScottPlot.Color Colour, double Alpha) ColourOf(double t, OverlayScale scale, OverlayStyle style)
    {
        double u = Math.Clamp(t, -1, 1);
        if (u >= 0)
            return (DropColour(u), style.OpacityAt(u));
        return scale.Diverging ? (RaiseColour(-u), style.OpacityAt(u)) : (DropColour(0), 0);
    }

    /// <summary>The colour bar's colours: each change's colour as drawn at its opacity over <see cref="BarBackground"/> gray.</summary>
    private sealed class AsDrawn(OverlayScale scale, OverlayStyle style) : IColormap
    {
        public string Name => "krypton change";

        public ScottPlot.Color GetColor(double position)
        {
            double t = scale.Diverging ? 2 * position - 1 : position;
            var (c, a) = ColourOf(t, scale, style);
            byte Mix(byte v) => (byte)Math.Round(BarBackground * (1 - a) + v * a);
            return new ScottPlot.Color(Mix(c.R), Mix(c.G), Mix(c.B));
        }
    }

    /// <summary>Gives the colour bar its colormap and value range without a plottable behind it.</summary>
    private sealed class FixedColorAxis(IColormap colormap, ScottPlot.Range range) : IHasColorAxis
    {
        public IColormap Colormap { get; } = colormap;

        public ScottPlot.Range GetRange() => range;
    }
}
