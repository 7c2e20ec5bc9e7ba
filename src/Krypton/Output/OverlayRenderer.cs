using System.Runtime.InteropServices;
using Krypton.IO;
using Krypton.Imaging;
using Krypton.Spec;
using ScottPlot;
using SkiaSharp;

namespace Krypton.Output;

/// <summary>
/// Draws a heat map over the image as the model saw it (resized to the model input), in the
/// perceptually uniform viridis colormap, with a colour bar whose label says what the values mean.
/// </summary>
/// <remarks>
/// The heat map is upsampled bilinearly with each cell's value placed at the centre of its patch.
/// The coloured area is exactly the area the patches cover, from the first patch's top-left corner to
/// the last patch's bottom-right corner (clipped to the image). Between the outermost patch centres
/// and that border (half a patch wide) the value of the nearest edge cell is extended, not
/// extrapolated; pixels outside the covered area are shown uncoloured. Non-finite cells are left
/// uncoloured, together with the pixels whose interpolation would need them.
/// </remarks>
public static class OverlayRenderer
{
    private const int PadLeft = 8, PadTop = 8, PadBottom = 8, ColorBarPanel = 150;

    /// <summary>Renders overlay PNG bytes for a heat map given as [row, column].</summary>
    public static byte[] Render(LoadedImage image, float[,] heatmap, OverlayGeometry geometry,
        string colorBarLabel, OverlayStyle? style = null) =>
        Render(image, RowMajor.Flatten(heatmap), heatmap.GetLength(0), heatmap.GetLength(1),
            geometry, colorBarLabel, style);

    /// <summary>
    /// Renders overlay PNG bytes for a row-major heat map of <paramref name="rows"/> x <paramref name="cols"/>.
    /// <paramref name="image"/> must be in the coordinates of <paramref name="geometry"/> (the model's input size).
    /// </summary>
    /// <exception cref="KryptonException">The geometry is invalid or the heat map is empty.</exception>
    public static byte[] Render(LoadedImage image, ReadOnlySpan<float> heatmap, int rows, int cols,
        OverlayGeometry geometry, string colorBarLabel, OverlayStyle? style = null)
    {
        style ??= new OverlayStyle();
        Validate(heatmap.Length, rows, cols, geometry, style);
        int scale = DisplayScale(image.Width, image.Height, style);
        int width = image.Width * scale, height = image.Height * scale;
        var (lo, hi) = ValueRange(heatmap, style);
        var colormap = new ScottPlot.Colormaps.Viridis();

        using var composed = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(composed))
        {
            using var picture = image.ToBitmap8();
            using var pictureImage = SKImage.FromBitmap(picture);
            canvas.DrawImage(pictureImage, new SKRect(0, 0, width, height), new SKSamplingOptions(SKFilterMode.Linear));
            using var colours = ColourLayer(heatmap, rows, cols, geometry, scale, width, height, lo, hi, colormap, style.Opacity);
            canvas.DrawBitmap(colours, 0, 0);
        }

        OverlayFont.EnsureRegistered();
        var plot = new Plot();
        try
        {
            plot.Add.ImageRect(new ScottPlot.Image(composed), new CoordinateRect(0, image.Width, 0, image.Height));
            plot.Axes.SetLimits(0, image.Width, 0, image.Height);
            plot.HideAxesAndGrid();
            plot.Layout.Fixed(new PixelPadding(PadLeft, ColorBarPanel, PadBottom, PadTop));
            var bar = plot.Add.ColorBar(new FixedColorAxis(colormap, new ScottPlot.Range(lo, hi)));
            bar.Label = colorBarLabel;
            bar.LabelStyle.FontSize = 14;
            bar.LabelStyle.FontName = OverlayFont.Name;
            bar.LabelStyle.ForeColor = Colors.Black;
            bar.Axis.TickLabelStyle.FontName = OverlayFont.Name;
            bar.Axis.TickLabelStyle.ForeColor = Colors.Black;
            var size = FigureSize(image.Width, image.Height, style);
            return plot.GetImageBytes(size.Width, size.Height, ImageFormat.Png);
        }
        finally
        {
            plot.Dispose();
        }
    }

    /// <summary>The pixel size of the PNG that <see cref="Render(LoadedImage, float[,], OverlayGeometry, string, OverlayStyle?)"/> makes.</summary>
    public static (int Width, int Height) FigureSize(int imageWidth, int imageHeight, OverlayStyle? style = null)
    {
        int scale = DisplayScale(imageWidth, imageHeight, style ?? new OverlayStyle());
        return (imageWidth * scale + PadLeft + ColorBarPanel, imageHeight * scale + PadTop + PadBottom);
    }

    /// <summary>The pixel rectangle (left, top, width, height) the image occupies in the figure.</summary>
    public static (int Left, int Top, int Width, int Height) ImageArea(int imageWidth, int imageHeight, OverlayStyle? style = null)
    {
        int scale = DisplayScale(imageWidth, imageHeight, style ?? new OverlayStyle());
        return (PadLeft, PadTop, imageWidth * scale, imageHeight * scale);
    }

    private static int DisplayScale(int width, int height, OverlayStyle style) =>
        Math.Max(1, (int)Math.Ceiling(style.MinDisplaySide / (double)Math.Max(width, height)));

    private static void Validate(int length, int rows, int cols, OverlayGeometry g, OverlayStyle style)
    {
        if (rows <= 0 || cols <= 0 || length != rows * cols)
            throw new KryptonException($"a heat map of {rows}x{cols} needs {(long)rows * cols} values, got {length}");
        if (g.PatchHeight <= 0 || g.PatchWidth <= 0 || g.StrideY <= 0 || g.StrideX <= 0)
            throw new KryptonException(
                $"overlay geometry needs positive patch and stride, got patch {g.PatchHeight}x{g.PatchWidth}, stride {g.StrideY}x{g.StrideX}");
        if (style.Opacity is < 0 or > 1 || double.IsNaN(style.Opacity))
            throw new KryptonException($"overlay opacity must be between 0 and 1, got {style.Opacity}");
    }

    private static (double Lo, double Hi) ValueRange(ReadOnlySpan<float> heatmap, OverlayStyle style)
    {
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (var v in heatmap)
        {
            if (!float.IsFinite(v)) continue;
            lo = Math.Min(lo, v);
            hi = Math.Max(hi, v);
        }
        if (double.IsInfinity(lo)) (lo, hi) = (0, 1);
        lo = style.Min ?? lo;
        hi = style.Max ?? hi;
        if (!(hi > lo))
        {
            // A flat heat map still needs a colour bar with a non-empty scale.
            double pad = 1e-3 * Math.Max(1, Math.Abs(lo));
            (lo, hi) = (lo - pad, lo + pad);
        }
        return (lo, hi);
    }

    /// <summary>
    /// The colours to draw over the image: Skia upsamples the heat map (R = value scaled to [0, 1],
    /// G = 1 where finite) with a bilinear image shader whose clamp tiling gives the edge extension.
    /// </summary>
    private static SKBitmap ColourLayer(ReadOnlySpan<float> heatmap, int rows, int cols, OverlayGeometry g,
        int scale, int width, int height, double lo, double hi, IColormap colormap, double opacity)
    {
        var cells = new float[rows * cols * 4];
        for (int k = 0; k < rows * cols; k++)
        {
            float v = heatmap[k];
            bool finite = float.IsFinite(v);
            cells[4 * k] = finite ? (float)((v - lo) / (hi - lo)) : 0f;
            cells[4 * k + 1] = finite ? 1f : 0f;
            cells[4 * k + 3] = 1f;
        }
        var cellInfo = new SKImageInfo(cols, rows, SKColorType.RgbaF32, SKAlphaType.Unpremul);
        using var cellBitmap = new SKBitmap(cellInfo);
        Marshal.Copy(cells, 0, cellBitmap.GetPixels(), cells.Length);
        using var cellImage = SKImage.FromBitmap(cellBitmap);

        // Cell pixel centre j + 0.5 lands on patch centre OriginX + j * StrideX + PatchWidth / 2.
        var cellToDisplay = SKMatrix.CreateScaleTranslation(
            scale * g.StrideX, scale * g.StrideY,
            scale * (g.OriginX + g.PatchWidth / 2f - g.StrideX / 2f),
            scale * (g.OriginY + g.PatchHeight / 2f - g.StrideY / 2f));
        using var shader = cellImage.ToShader(SKShaderTileMode.Clamp, SKShaderTileMode.Clamp,
            new SKSamplingOptions(SKFilterMode.Linear), cellToDisplay);
        var covered = SKRect.Create(
            scale * g.OriginX, scale * g.OriginY,
            scale * (float)OcclusionGrid.CoveredLength(cols, g.StrideX, g.PatchWidth),
            scale * (float)OcclusionGrid.CoveredLength(rows, g.StrideY, g.PatchHeight));

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

        var lut = Enumerable.Range(0, 256).Select(i => colormap.GetColor(i / 255.0)).ToArray();
        byte alpha = (byte)Math.Round(opacity * 255);
        var rgba = new byte[width * height * 4];
        for (int p = 0; p < width * height; p++)
        {
            // Alpha 0: outside the covered area. G below 1: next to a non-finite cell.
            if (values[4 * p + 3] < 0.5f || values[4 * p + 1] < 0.999f) continue;
            var colour = lut[(int)Math.Round(Math.Clamp(values[4 * p], 0f, 1f) * 255)];
            rgba[4 * p] = colour.R;
            rgba[4 * p + 1] = colour.G;
            rgba[4 * p + 2] = colour.B;
            rgba[4 * p + 3] = alpha;
        }
        var layer = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        Marshal.Copy(rgba, 0, layer.GetPixels(), rgba.Length);
        return layer;
    }

    /// <summary>Gives the colour bar its colormap and value range without a plottable behind it.</summary>
    private sealed class FixedColorAxis(IColormap colormap, ScottPlot.Range range) : IHasColorAxis
    {
        public IColormap Colormap { get; } = colormap;

        public ScottPlot.Range GetRange() => range;
    }
}
