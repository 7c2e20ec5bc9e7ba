using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Krypton.Imaging;
using Krypton.Output;
using SkiaSharp;
using Krypton.IO;

namespace Krypton.Tests;

public sealed class OutputTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    // ---- .npy ----

    [Theory]
    [InlineData(new[] { 2, 3, 4 })]
    [InlineData(new[] { 1, 3, 2, 2 })]
    [InlineData(new[] { 5 })]
    [InlineData(new int[0])]
    public void Npy_round_trips_shape_and_bits(int[] shape)
    {
        int count = shape.Aggregate(1, (a, b) => a * b);
        var data = Enumerable.Range(0, count).Select(i => (float)Math.Sin(i) * 1e3f).ToArray();
        if (count > 2) (data[0], data[1]) = (float.NaN, -0f);
        var path = _temp.File("a.npy");

        NpyFile.Write(path, data, shape);
        var back = NpyFile.Read(path);

        Assert.Equal(shape, back.Shape);
        Assert.Equal(data.Select(BitConverter.SingleToInt32Bits), back.Data.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Npy_header_is_what_numpy_expects()
    {
        var path = _temp.File("h.npy");
        NpyFile.Write(path, [1f, 2f, 3f, 4f, 5f, 6f], [2, 3]);
        var bytes = File.ReadAllBytes(path);

        // Read back by hand, following the format description in numpy/lib/format.py.
        Assert.Equal(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }, bytes[..8]);
        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        Assert.Equal(0, (10 + headerLength) % 64);
        var header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.StartsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", header);
        Assert.EndsWith("\n", header);
        Assert.Equal(10 + headerLength + 6 * 4, bytes.Length);
        for (int i = 0; i < 6; i++)
            Assert.Equal(i + 1f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(10 + headerLength + 4 * i)));
    }

    /// <summary>A .npy file built byte by byte the way numpy 1.x writes a float64 array.</summary>
    private static byte[] NumpyStyleFile(string descr, string fortran, string shape, byte[] payload, int version = 1)
    {
        var dict = $"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape}, }}";
        int prefix = version == 1 ? 10 : 12;
        var header = dict.PadRight(((prefix + dict.Length + 1 + 63) / 64 * 64) - prefix - 1) + "\n";
        var output = new MemoryStream();
        output.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)version, 0]);
        var length = new byte[version == 1 ? 2 : 4];
        if (version == 1) BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
        else BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)header.Length);
        output.Write(length);
        output.Write(Encoding.ASCII.GetBytes(header));
        output.Write(payload);
        return output.ToArray();
    }

    [Fact]
    public void Npy_files_written_by_numpy_are_read()
    {
        // Made by TestData/make_npy_fixtures.py; expected values follow the same formulas.
        var f4 = NpyFile.Read(TestFiles.Path_("numpy_f4_2x3x4.npy"));
        Assert.Equal([2, 3, 4], f4.Shape);
        Assert.Equal(Enumerable.Range(0, 24).Select(i => i / 8f - 1f), f4.Data);

        var f8 = NpyFile.ReadImageTensor(TestFiles.Path_("numpy_f8_1x3x2x2.npy"));
        Assert.Equal([3, 2, 2], f8.Shape);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (float)(i * 0.1)), f8.Data);

        var fortran = Assert.Throws<KryptonException>(() => NpyFile.Read(TestFiles.Path_("numpy_fortran_2x3.npy")));
        Assert.Contains("Fortran order", fortran.Message);
    }

    [Fact]
    public void Float64_npy_is_read_as_float32()
    {
        var payload = new byte[4 * 8];
        double[] values = [0.1, -2.5, 1e-3, 42];
        for (int i = 0; i < 4; i++) BinaryPrimitives.WriteDoubleLittleEndian(payload.AsSpan(8 * i), values[i]);
        var path = _temp.File("f8.npy");
        File.WriteAllBytes(path, NumpyStyleFile("<f8", "False", "(2, 2)", payload, version: 2));

        var array = NpyFile.ReadHeatmap(path);

        Assert.Equal([2, 2], array.Shape);
        Assert.Equal(values.Select(v => (float)v), array.Data);
    }

    [Theory]
    [InlineData("<i4", "False", "(2,)", "dtype '<i4'")]
    [InlineData(">f4", "False", "(2,)", "dtype '>f4'")]
    [InlineData("<f4", "True", "(2,)", "Fortran order")]
    public void Unsupported_npy_layouts_are_refused_by_name(string descr, string fortran, string shape, string expected)
    {
        var path = _temp.File("bad.npy");
        File.WriteAllBytes(path, NumpyStyleFile(descr, fortran, shape, new byte[8]));

        var e = Assert.Throws<KryptonException>(() => NpyFile.Read(path));
        Assert.Contains(expected, e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Npy_with_bad_magic_or_truncated_data_is_refused()
    {
        var notNpy = _temp.File("text.npy");
        File.WriteAllText(notNpy, "hello, this is text");
        Assert.Contains("bad magic", Assert.Throws<KryptonException>(() => NpyFile.Read(notNpy)).Message);

        var truncated = _temp.File("short.npy");
        File.WriteAllBytes(truncated, NumpyStyleFile("<f4", "False", "(3, 4)", new byte[10]));
        Assert.Contains("truncated", Assert.Throws<KryptonException>(() => NpyFile.Read(truncated)).Message);
    }

    [Fact]
    public void Image_tensor_accepts_CHW_and_1CHW_but_not_a_batch()
    {
        var chw = _temp.File("chw.npy");
        var nchw = _temp.File("nchw.npy");
        var batch = _temp.File("batch.npy");
        var data = Enumerable.Range(0, 12).Select(i => (float)i).ToArray();
        NpyFile.Write(chw, data, [3, 2, 2]);
        NpyFile.Write(nchw, data, [1, 3, 2, 2]);
        NpyFile.Write(batch, data.Concat(data).ToArray(), [2, 3, 2, 2]);

        Assert.Equal([3, 2, 2], NpyFile.ReadImageTensor(chw).Shape);
        var fromNchw = NpyFile.ReadImageTensor(nchw);
        Assert.Equal([3, 2, 2], fromNchw.Shape);
        Assert.Equal(data, fromNchw.Data);
        Assert.Contains("batch of 2", Assert.Throws<KryptonException>(() => NpyFile.ReadImageTensor(batch)).Message);
    }

    // ---- atomic files and CSV ----

    [Fact]
    public void Atomic_write_leaves_no_file_when_the_writer_throws()
    {
        var path = _temp.File("out.bin");

        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[1000]);
            throw new InvalidOperationException("interrupted");
        }));

        Assert.Empty(Directory.EnumerateFileSystemEntries(_temp.Path));
    }

    [Fact]
    public void Atomic_write_keeps_the_old_file_when_the_writer_throws_and_replaces_it_on_success()
    {
        var path = _temp.File("keep.txt");
        AtomicFile.WriteAllText(path, "old");

        var e = Assert.Throws<KryptonException>(() =>
            AtomicFile.Write(path, s => { s.WriteByte(1); throw new IOException("disk full"); }));
        Assert.Contains("disk full", e.Message);
        Assert.Equal("old", File.ReadAllText(path));

        AtomicFile.WriteAllBytes(path, "new"u8);
        Assert.Equal("new", File.ReadAllText(path));
        Assert.Single(Directory.EnumerateFileSystemEntries(_temp.Path));
    }

    [Fact]
    public void Atomic_write_into_a_missing_folder_is_one_clear_line()
    {
        var path = Path.Combine(_temp.Path, "missing", "x.txt");
        var e = Assert.Throws<KryptonException>(() => AtomicFile.WriteAllText(path, "x"));
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void Heatmap_csv_has_one_line_per_row_and_reads_back_exactly()
    {
        var heat = new float[2, 3] { { 0.1f, -1e-7f, 3f }, { 1f / 3f, 12345.678f, float.Epsilon } };
        var path = _temp.File("heat.csv");

        HeatmapCsv.Write(path, heat);
        var lines = File.ReadAllLines(path);

        Assert.Equal(2, lines.Length);
        for (int i = 0; i < 2; i++)
        {
            var cells = lines[i].Split(',');
            Assert.Equal(3, cells.Length);
            for (int j = 0; j < 3; j++)
                Assert.Equal(heat[i, j], float.Parse(cells[j], CultureInfo.InvariantCulture));
        }
    }

    // ---- overlay ----

    private static LoadedImage Gray(int width, int height, float value) =>
        new("gray", width, height, 1, 8, Enumerable.Repeat(value, width * height).ToArray());

    private static SKColor At(SKBitmap figure, (int Left, int Top, int Width, int Height) area, int scale, double x, double y) =>
        figure.GetPixel(area.Left + (int)(x * scale), area.Top + (int)(y * scale));

    private static readonly OverlayText Label = new("drop in probability when occluded");

    /// <summary>The colour a change of <paramref name="t"/> (of the scale) gives over gray <paramref name="gray"/>.</summary>
    private static (int R, int G, int B) Expected(double t, OverlayScale scale, byte gray)
    {
        var (c, a) = OverlayRenderer.ColourOf(t, scale, new OverlayStyle());
        int Mix(byte v) => (int)Math.Round(gray * (1 - a) + v * a);
        return (Mix(c.R), Mix(c.G), Mix(c.B));
    }

    private static void AssertNear((int R, int G, int B) expected, SKColor actual, int tolerance = 4)
    {
        Assert.InRange(actual.Red, expected.R - tolerance, expected.R + tolerance);
        Assert.InRange(actual.Green, expected.G - tolerance, expected.G + tolerance);
        Assert.InRange(actual.Blue, expected.B - tolerance, expected.B + tolerance);
    }

    [Fact]
    public void Overlay_is_transparent_where_nothing_changes_and_strongest_at_the_largest_drop()
    {
        // A known map of drops on a scale of 0.8: zero (the top-left 2x2 cells), a quarter, a half and the whole scale.
        var drops = new float[3, 3] { { 0f, 0f, 0.2f }, { 0f, 0f, 0.2f }, { 0.4f, 0.4f, 0.8f } };
        var scale = new OverlayScale(0.8, Diverging: false);
        var image = Gray(48, 48, 0.5f);   // 128 after 8-bit rounding

        var png = OverlayRenderer.Render(image, drops, new OverlayGeometry(16, 16, 16, 16), scale, Label);
        using var figure = SKBitmap.Decode(png);
        Assert.Equal(OverlayRenderer.FigureSize(48, 48), (figure.Width, figure.Height));
        var area = OverlayRenderer.ImageArea(48, 48);
        int factor = area.Width / 48;

        // No change: the picture itself, untouched.
        foreach (var (x, y) in new[] { (2, 2), (8, 8), (20, 12) })
        {
            var none = At(figure, area, factor, x, y);
            Assert.Equal((128, 128, 128), (none.Red, none.Green, none.Blue));
        }
        // Each cell's centre: its colour at its opacity over the gray picture.
        AssertNear(Expected(0.25, scale, 128), At(figure, area, factor, 44, 12));
        AssertNear(Expected(0.5, scale, 128), At(figure, area, factor, 12, 44));
        AssertNear(Expected(1.0, scale, 128), At(figure, area, factor, 46, 46));
        // Strongest at the largest drop: furthest from the picture's gray, and the scale's top colour.
        int Distance(SKColor c) => Math.Abs(c.Red - 128) + Math.Abs(c.Green - 128) + Math.Abs(c.Blue - 128);
        var centres = new[] { (8, 8), (44, 12), (12, 44), (46, 46) }.Select(p => Distance(At(figure, area, factor, p.Item1, p.Item2))).ToArray();
        Assert.Equal(centres.Max(), centres[3]);
        Assert.True(centres[0] < centres[1] && centres[1] < centres[2] && centres[2] < centres[3], string.Join(", ", centres));
        var top = OverlayRenderer.DropColour(1);
        Assert.True(top.R > 200 && top.G > 180 && top.B < 140, $"the strongest drop is yellow: {top}");
    }

    [Fact]
    public void Overlay_colour_bar_spans_the_stated_range_with_its_label_clear_of_the_ticks()
    {
        var drops = new float[4, 4];
        for (int i = 0; i < 16; i++) drops[i / 4, i % 4] = i / 30f;
        var scale = new OverlayScale(0.6, Diverging: false);
        var text = new OverlayText("drop in probability when occluded", "class 3: probability 0.6 without occlusion", ["flat map: a note"]);
        var png = OverlayRenderer.Render(Gray(64, 64, 0.2f), drops, new OverlayGeometry(16, 16, 16, 16), scale, text);
        if (Environment.GetEnvironmentVariable("KRYPTON_OVERLAY_SAMPLE") is { } sample) File.WriteAllBytes(sample, png);
        using var figure = SKBitmap.Decode(png);
        var area = OverlayRenderer.ImageArea(64, 64, titleLines: 2);
        Assert.Equal(OverlayRenderer.FigureSize(64, 64, titleLines: 2), (figure.Width, figure.Height));

        // The bar: the first run of columns right of the picture whose pixels take many colours.
        var barColumns = Enumerable.Range(area.Left + area.Width + 1, figure.Width - area.Left - area.Width - 1)
            .Where(x => Enumerable.Range(area.Top, area.Height).Select(y => figure.GetPixel(x, y)).Distinct().Count() > 40)
            .ToList();
        Assert.NotEmpty(barColumns);
        int barRight = barColumns[0];
        while (barColumns.Contains(barRight + 1)) barRight++;
        int barX = (barColumns[0] + barRight) / 2;
        // Top and bottom of the bar: the colours of 0.6 (the whole scale) and of 0, as drawn over mid-gray.
        AssertNear(Expected(1, scale, OverlayRenderer.BarBackground), figure.GetPixel(barX, area.Top + 2), 12);
        AssertNear(Expected(0, scale, OverlayRenderer.BarBackground), figure.GetPixel(barX, area.Top + area.Height - 3), 12);

        // Ink right of the bar: tick labels, then a gap, then the label; none of it above the picture.
        bool Dark(int x, int y) { var c = figure.GetPixel(x, y); return c.Red < 110 && c.Green < 110 && c.Blue < 110; }
        var inked = Enumerable.Range(barRight + 8, figure.Width - barRight - 8).Where(x => Enumerable.Range(area.Top, area.Height).Any(y => Dark(x, y))).ToList();
        var runs = new List<(int From, int To)>();
        foreach (int x in inked)
            if (runs.Count > 0 && runs[^1].To >= x - 3) runs[^1] = (runs[^1].From, x); else runs.Add((x, x));
        Assert.True(runs.Count >= 2, $"tick labels and the bar label should be apart: ink at {string.Join(", ", runs)}");
        Assert.True(runs[^1].From - runs[^2].To > 4, $"the label touches the tick labels: {string.Join(", ", runs)}");
        Assert.True(runs[^1].To - runs[^1].From >= 8, "the label is drawn");
        // The title and the note sit above the picture, clear of the bar's label.
        int titleInk = Enumerable.Range(0, area.Top).Sum(y => Enumerable.Range(0, figure.Width).Count(x => Dark(x, y)));
        Assert.True(titleInk > 200, $"title text did not render ({titleInk} dark pixels)");
        Assert.DoesNotContain(Enumerable.Range(0, area.Top - 1), y => Enumerable.Range(runs[^1].From, runs[^1].To - runs[^1].From + 1).Any(x => Dark(x, y) && y > area.Top - 4));
    }

    [Fact]
    public void Overlay_diverges_where_occlusion_raises_the_target()
    {
        var changes = new float[1, 2] { { -0.5f, 0.5f } };
        var scale = new OverlayScale(0.5, Diverging: true);
        var png = OverlayRenderer.Render(Gray(32, 16, 0.5f), changes, new OverlayGeometry(16, 16, 16, 16), scale, Label);
        using var figure = SKBitmap.Decode(png);
        var area = OverlayRenderer.ImageArea(32, 16);
        int factor = area.Width / 32;
        var raise = At(figure, area, factor, 8, 8);
        var drop = At(figure, area, factor, 24, 8);
        AssertNear(Expected(-1, scale, 128), raise);
        AssertNear(Expected(1, scale, 128), drop);
        Assert.True(raise.Blue > raise.Red + 60, $"a raise is blue: {raise}");
        Assert.True(drop.Red > drop.Blue + 60, $"a drop is warm: {drop}");
        // On a sequential scale the same raise is left transparent.
        png = OverlayRenderer.Render(Gray(32, 16, 0.5f), changes, new OverlayGeometry(16, 16, 16, 16), scale with { Diverging = false }, Label);
        using var sequential = SKBitmap.Decode(png);
        var left = At(sequential, area, factor, 8, 8);
        Assert.Equal((128, 128, 128), (left.Red, left.Green, left.Blue));
    }

    [Fact]
    public void Overlay_leaves_the_image_uncoloured_outside_the_patches()
    {
        var image = Gray(32, 32, 0.5f);
        var drops = new float[1, 2] { { 1f, 1f } };
        var scale = new OverlayScale(1, Diverging: false);

        var png = OverlayRenderer.Render(image, drops, new OverlayGeometry(8, 8, 4, 4, OriginY: 8, OriginX: 8), scale, Label);
        using var figure = SKBitmap.Decode(png);
        var area = OverlayRenderer.ImageArea(32, 32);
        int factor = area.Width / 32;

        var outside = At(figure, area, factor, 2, 2);
        Assert.Equal((128, 128, 128), (outside.Red, outside.Green, outside.Blue));
        var belowGrid = At(figure, area, factor, 12, 20);
        Assert.Equal((128, 128, 128), (belowGrid.Red, belowGrid.Green, belowGrid.Blue));
        // Covered area: columns 8..20, rows 8..16, every pixel of it the full drop's colour.
        AssertNear(Expected(1, scale, 128), At(figure, area, factor, 8.5, 12));
        AssertNear(Expected(1, scale, 128), At(figure, area, factor, 19.5, 15.5));
    }

    [Fact]
    public void Overlay_shows_the_picture_in_gray_under_the_colours()
    {
        var red = new LoadedImage("red", 16, 16, 3, 8, Enumerable.Range(0, 16 * 16 * 3).Select(i => i % 3 == 0 ? 1f : 0f).ToArray());
        var png = OverlayRenderer.Render(red, new float[1, 1], new OverlayGeometry(16, 16, 16, 16), new OverlayScale(1, false), Label);
        using var figure = SKBitmap.Decode(png);
        var area = OverlayRenderer.ImageArea(16, 16);
        var pixel = At(figure, area, area.Width / 16, 8, 8);
        Assert.Equal(pixel.Red, pixel.Green);
        Assert.Equal(pixel.Red, pixel.Blue);
        Assert.InRange(pixel.Red, 50, 56);   // Rec. 709 luma of pure red: 0.2126 * 255
    }

    [Fact]
    public void Overlay_refuses_a_zero_stride_or_scale()
    {
        var e = Assert.Throws<KryptonException>(() =>
            OverlayRenderer.Render(Gray(8, 8, 0.5f), new float[1, 1], new OverlayGeometry(4, 4, 0, 4), new OverlayScale(1, false), Label));
        Assert.Contains("stride", e.Message);
        e = Assert.Throws<KryptonException>(() =>
            OverlayRenderer.Render(Gray(8, 8, 0.5f), new float[1, 1], new OverlayGeometry(4, 4, 4, 4), new OverlayScale(0, false), Label));
        Assert.Contains("scale", e.Message);
    }

    [Fact]
    public void Overlay_of_a_non_finite_map_still_renders()
    {
        var png = OverlayRenderer.Render(Gray(8, 8, 0.5f), new float[2, 2] { { 1, 1 }, { 1, float.NaN } },
            new OverlayGeometry(4, 4, 4, 4), new OverlayScale(1, false), Label);
        using var figure = SKBitmap.Decode(png);
        Assert.NotNull(figure);
    }
}
