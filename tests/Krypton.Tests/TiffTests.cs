using BitMiracle.LibTiff.Classic;
using Krypton.Imaging;

namespace Krypton.Tests;

/// <summary>TIFF input, written here with LibTiff.NET: 16-bit gray at full precision, 8-bit colour in any compression, one-line refusals.</summary>
public sealed class TiffTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Write(string name, int width, int height, int bits, int samples, Photometric photometric, Compression compression,
        Func<int, byte[]> row, SampleFormat format = SampleFormat.UINT)
    {
        string path = _temp.File(name);
        using (var tiff = Tiff.Open(path, "w"))
        {
            tiff.SetField(TiffTag.IMAGEWIDTH, width);
            tiff.SetField(TiffTag.IMAGELENGTH, height);
            tiff.SetField(TiffTag.BITSPERSAMPLE, bits);
            tiff.SetField(TiffTag.SAMPLESPERPIXEL, samples);
            tiff.SetField(TiffTag.SAMPLEFORMAT, format);
            tiff.SetField(TiffTag.PHOTOMETRIC, photometric);
            tiff.SetField(TiffTag.PLANARCONFIG, PlanarConfig.CONTIG);
            tiff.SetField(TiffTag.COMPRESSION, compression);
            tiff.SetField(TiffTag.ROWSPERSTRIP, 2);
            for (int y = 0; y < height; y++) Assert.True(tiff.WriteScanline(row(y), y));
        }
        return path;
    }

    [Theory]
    [InlineData(Photometric.MINISBLACK)]
    [InlineData(Photometric.MINISWHITE)]
    public void Sixteen_bit_gray_keeps_every_bit(Photometric photometric)
    {
        const int w = 5, h = 3;
        var values = Enumerable.Range(0, w * h).Select(i => (ushort)(i * 4099 + 1)).ToArray();
        var path = Write("gray16.tif", w, h, 16, 1, photometric, Compression.NONE,
            y => values.Skip(y * w).Take(w).SelectMany(BitConverter.GetBytes).ToArray());
        var image = ImageLoader.Load(path);
        Assert.Equal((w, h, 1, 16), (image.Width, image.Height, image.Channels, image.BitDepth));
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i] / 65535f;
            Assert.Equal(photometric == Photometric.MINISWHITE ? 1 - v : v, image.Pixels[i]);
        }
    }

    [Fact]
    public void Eight_bit_rgb_reads_through_any_compression()
    {
        const int w = 4, h = 5;
        var rgb = new byte[w * h * 3];
        new Random(3).NextBytes(rgb);
        var path = Write("rgb.tif", w, h, 8, 3, Photometric.RGB, Compression.LZW, y => rgb[(y * w * 3)..((y + 1) * w * 3)]);
        var image = ImageLoader.Load(path);
        Assert.Equal((w, h, 3), (image.Width, image.Height, image.Channels));
        Assert.Equal(rgb.Select(b => b / 255f), image.Pixels);
    }

    [Fact]
    public void Float_samples_are_refused_in_one_line()
    {
        var path = Write("float.tif", 2, 2, 32, 1, Photometric.MINISBLACK, Compression.NONE,
            y => new[] { 0.5f, 2f }.SelectMany(BitConverter.GetBytes).ToArray(), SampleFormat.IEEEFP);
        var e = Assert.Throws<KryptonException>(() => ImageLoader.Load(path));
        Assert.Equal($"{path} is a TIFF of 32-bit ieeefp samples (1 per pixel); Krypton reads 16-bit grayscale TIFF (in strips) and 8-bit gray, colour and palette TIFF", e.Message);
    }

    [Fact]
    public void A_tiff_header_over_garbage_is_not_an_image()
    {
        var path = _temp.File("broken.tif");
        var bytes = new byte[80];
        new Random(4).NextBytes(bytes);
        "II*\0"u8.ToArray().CopyTo(bytes, 0);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<KryptonException>(() => ImageLoader.Load(path));
        Assert.Contains(path, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
