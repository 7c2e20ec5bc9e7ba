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

    [Fact]
    public void Overlay_blends_viridis_at_patch_centres_over_the_image()
    {
        var heat = new float[3, 4];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 4; j++)
                heat[i, j] = i * 4 + j;
        var image = Gray(32, 24, 0.5f);

        var png = OverlayRenderer.Render(image, heat, new OverlayGeometry(8, 8, 8, 8), "probability of class 3");
        using var figure = SKBitmap.Decode(png);

        Assert.NotNull(figure);
        Assert.Equal(OverlayRenderer.FigureSize(32, 24), (figure.Width, figure.Height));
        var area = OverlayRenderer.ImageArea(32, 24);
        int scale = area.Width / 32;
        Assert.True(scale >= 1 && area.Width == 32 * scale && area.Height == 24 * scale);
        var viridis = new ScottPlot.Colormaps.Viridis();
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 4; j++)
            {
                var colour = viridis.GetColor(heat[i, j] / 11.0);
                var pixel = At(figure, area, scale, j * 8 + 4, i * 8 + 4);
                Assert.InRange(pixel.Red, (colour.R + 128) / 2 - 5, (colour.R + 128) / 2 + 5);
                Assert.InRange(pixel.Green, (colour.G + 128) / 2 - 5, (colour.G + 128) / 2 + 5);
                Assert.InRange(pixel.Blue, (colour.B + 128) / 2 - 5, (colour.B + 128) / 2 + 5);
            }
    }

    [Fact]
    public void Overlay_leaves_the_image_uncoloured_outside_the_patches()
    {
        var image = Gray(32, 32, 0.5f);
        var heat = new float[1, 2] { { 0f, 1f } };

        var png = OverlayRenderer.Render(image, heat, new OverlayGeometry(8, 8, 4, 4, OriginY: 8, OriginX: 8), "drop in probability");
        using var figure = SKBitmap.Decode(png);
        var area = OverlayRenderer.ImageArea(32, 32);
        int scale = area.Width / 32;

        var outside = At(figure, area, scale, 2, 2);
        Assert.Equal((128, 128, 128), (outside.Red, outside.Green, outside.Blue));
        var belowGrid = At(figure, area, scale, 12, 20);
        Assert.Equal((128, 128, 128), (belowGrid.Red, belowGrid.Green, belowGrid.Blue));
        // Covered area: columns 8..20, rows 8..16. The left edge gets cell 0's colour (extended to the border).
        var viridisLow = new ScottPlot.Colormaps.Viridis().GetColor(0);
        var leftEdge = At(figure, area, scale, 8.5, 12);
        Assert.InRange(leftEdge.Red, (viridisLow.R + 128) / 2 - 5, (viridisLow.R + 128) / 2 + 5);
        Assert.InRange(leftEdge.Blue, (viridisLow.B + 128) / 2 - 5, (viridisLow.B + 128) / 2 + 5);
    }

    [Fact]
    public void Overlay_has_a_colour_bar_and_label_text_right_of_the_image()
    {
        var heat = new float[4, 4];
        for (int i = 0; i < 16; i++) heat[i / 4, i % 4] = i;
        var png = OverlayRenderer.Render(Gray(64, 64, 0.2f), heat, new OverlayGeometry(16, 16, 16, 16), "probability of class 3");
        if (Environment.GetEnvironmentVariable("KRYPTON_OVERLAY_SAMPLE") is { } sample) File.WriteAllBytes(sample, png);
        using var figure = SKBitmap.Decode(png);
        var area = OverlayRenderer.ImageArea(64, 64);

        // The colour bar: the columns right of the image with many distinct colours.
        var barColumns = Enumerable.Range(area.Left + area.Width + 1, figure.Width - area.Left - area.Width - 1)
            .Where(x => Enumerable.Range(0, figure.Height).Select(y => figure.GetPixel(x, y)).Distinct().Count() > 50)
            .ToList();
        Assert.NotEmpty(barColumns);
        // The bar is the first run of such columns (text further right can also have many shades).
        int barRight = barColumns[0];
        while (barColumns.Contains(barRight + 1)) barRight++;
        int barX = (barColumns[0] + barRight) / 2;
        var column = Enumerable.Range(0, figure.Height).Select(y => figure.GetPixel(barX, y))
            .Where(c => !(c.Red > 240 && c.Green > 240 && c.Blue > 240) && c.Red + c.Green + c.Blue > 60).ToList();
        var viridis = new ScottPlot.Colormaps.Viridis();
        AssertNear(viridis.GetColor(1), column[1]);   // top: the maximum
        AssertNear(viridis.GetColor(0), column[^2]);  // bottom: the minimum

        // Text (tick numbers and the label) draws dark pixels right of the bar, beyond its tick marks.
        int dark = 0;
        for (int x = barRight + 10; x < figure.Width; x++)
            for (int y = 0; y < figure.Height; y++)
            {
                var c = figure.GetPixel(x, y);
                if (c.Red < 90 && c.Green < 90 && c.Blue < 90) dark++;
            }
        Assert.True(dark > 300, $"colour bar text did not render ({dark} dark pixels)");
    }

    private static void AssertNear(ScottPlot.Color expected, SKColor actual)
    {
        Assert.InRange(actual.Red, expected.R - 25, expected.R + 25);
        Assert.InRange(actual.Green, expected.G - 25, expected.G + 25);
        Assert.InRange(actual.Blue, expected.B - 25, expected.B + 25);
    }

    [Fact]
    public void Overlay_refuses_a_zero_stride()
    {
        var e = Assert.Throws<KryptonException>(() =>
            OverlayRenderer.Render(Gray(8, 8, 0.5f), new float[1, 1], new OverlayGeometry(4, 4, 0, 4), "x"));
        Assert.Contains("stride", e.Message);
    }

    [Fact]
    public void Overlay_of_a_flat_or_non_finite_heat_map_still_renders()
    {
        var flat = OverlayRenderer.Render(Gray(8, 8, 0.5f), new float[2, 2] { { 1, 1 }, { 1, float.NaN } },
            new OverlayGeometry(4, 4, 4, 4), "x");
        using var figure = SKBitmap.Decode(flat);
        Assert.NotNull(figure);
    }
}
