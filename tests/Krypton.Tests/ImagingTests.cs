using System.Runtime.InteropServices;
using Krypton.Imaging;
using SkiaSharp;

namespace Krypton.Tests;

public sealed class ImagingTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Encodes 8-bit pixels (RGBA, or gray when channels = 1) with Skia and writes them to a file.</summary>
    private string WriteWithSkia(string name, int width, int height, byte[] samples, int channels,
        SKEncodedImageFormat format, SKAlphaType alpha = SKAlphaType.Opaque)
    {
        var info = new SKImageInfo(width, height, channels == 1 ? SKColorType.Gray8 : SKColorType.Rgba8888, alpha);
        using var bitmap = new SKBitmap(info);
        Marshal.Copy(samples, 0, bitmap.GetPixels(), samples.Length);
        using var data = bitmap.Encode(format, 100);
        var path = _temp.File(name);
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }

    private static byte[] RandomBytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public void Rgb_png_pixels_round_trip_exactly()
    {
        var rgba = RandomBytes(7 * 5 * 4, 1);
        for (int i = 3; i < rgba.Length; i += 4) rgba[i] = 255;
        var path = WriteWithSkia("rgb.png", 7, 5, rgba, 4, SKEncodedImageFormat.Png);

        var image = ImageLoader.Load(path);

        Assert.Equal((7, 5, 3, 8, path), (image.Width, image.Height, image.Channels, image.BitDepth, image.SourcePath));
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 7; x++)
                for (int c = 0; c < 3; c++)
                    Assert.Equal(rgba[(y * 7 + x) * 4 + c] / 255f, image[y, x, c]);
    }

    [Fact]
    public void Rgba_png_is_composited_on_white()
    {
        var rgba = RandomBytes(4 * 3 * 4, 2);
        for (int i = 3; i < rgba.Length; i += 4) rgba[i] = 128;
        var path = WriteWithSkia("rgba.png", 4, 3, rgba, 4, SKEncodedImageFormat.Png, SKAlphaType.Unpremul);

        var image = ImageLoader.Load(path);

        Assert.Equal(3, image.Channels);
        Assert.True(image.HadAlpha);
        float a = 128 / 255f;
        for (int p = 0; p < 12; p++)
            for (int c = 0; c < 3; c++)
                Assert.Equal(a * (rgba[4 * p + c] / 255f) + (1 - a), image.Pixels[3 * p + c], 6);
    }

    [Fact]
    public void Gray_png_stays_one_channel_or_is_replicated_for_a_three_channel_model()
    {
        var gray = RandomBytes(6 * 4, 3);
        var path = WriteWithSkia("gray.png", 6, 4, gray, 1, SKEncodedImageFormat.Png);

        var one = ImageLoader.Load(path);
        var three = ImageLoader.Load(path, channels: 3);

        Assert.Equal(1, one.Channels);
        Assert.Equal(gray.Select(g => g / 255f), one.Pixels);
        Assert.Equal(3, three.Channels);
        for (int p = 0; p < gray.Length; p++)
            for (int c = 0; c < 3; c++)
                Assert.Equal(gray[p] / 255f, three.Pixels[3 * p + c]);
    }

    [Fact]
    public void Rgb_becomes_bt601_luma_for_a_one_channel_model()
    {
        var image = new LoadedImage("x", 1, 1, 3, 8, [1f, 0.5f, 0.25f]);
        var gray = image.WithChannels(1);
        Assert.Equal(0.299 * 1 + 0.587 * 0.5 + 0.114 * 0.25, gray.Pixels[0], 5);
    }

    [Fact]
    public void Jpeg_loads_close_to_the_encoded_colours()
    {
        // A smooth picture, so quality-100 JPEG stays within a few levels of the original.
        int w = 16, h = 16;
        var rgba = new byte[w * h * 4];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int p = 4 * (y * w + x);
                (rgba[p], rgba[p + 1], rgba[p + 2], rgba[p + 3]) = ((byte)(x * 16), (byte)(y * 16), 128, 255);
            }
        var path = WriteWithSkia("smooth.jpg", w, h, rgba, 4, SKEncodedImageFormat.Jpeg);

        var image = ImageLoader.Load(path);

        Assert.Equal((16, 16, 3, 8), (image.Width, image.Height, image.Channels, image.BitDepth));
        for (int p = 0; p < w * h; p++)
            for (int c = 0; c < 3; c++)
                Assert.InRange(image.Pixels[3 * p + c] - rgba[4 * p + c] / 255f, -0.04f, 0.04f);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Sixteen_bit_gray_png_keeps_full_precision(int filter)
    {
        int w = 5, h = 4;
        var random = new Random(filter);
        var samples = Enumerable.Range(0, w * h).Select(_ => (ushort)random.Next(65536)).ToArray();
        // Values one step apart that 8 bits cannot tell apart.
        (samples[0], samples[1], samples[2], samples[3], samples[4]) = (256, 257, 258, 65534, 65535);
        var path = _temp.File("xray.png");
        File.WriteAllBytes(path, PngTestEncoder.Gray16(w, h, samples, y => (byte)((filter + y) % 5)));

        var image = ImageLoader.Load(path);

        Assert.Equal((w, h, 1, 16), (image.Width, image.Height, image.Channels, image.BitDepth));
        for (int i = 0; i < w * h; i++)
            Assert.Equal(samples[i], (int)Math.Round(image.Pixels[i] * 65535.0));
        Assert.True(image.Pixels[0] < image.Pixels[1] && image.Pixels[1] < image.Pixels[2]);
    }

    [Fact]
    public void Sixteen_bit_gray_png_is_replicated_for_a_three_channel_model_at_full_precision()
    {
        var path = _temp.File("xray3.png");
        File.WriteAllBytes(path, PngTestEncoder.Gray16(2, 1, [1000, 1001]));

        var image = ImageLoader.Load(path, channels: 3);

        Assert.Equal(3, image.Channels);
        Assert.Equal(Enumerable.Repeat(1000 / 65535f, 3), image.Pixels[..3]);
        Assert.Equal(Enumerable.Repeat(1001 / 65535f, 3), image.Pixels[3..]);
    }

    [Fact]
    public void Interlaced_sixteen_bit_png_is_refused_with_a_clear_message()
    {
        var path = _temp.File("interlaced.png");
        File.WriteAllBytes(path, PngTestEncoder.Gray16(2, 2, [1, 2, 3, 4], interlaced: true));

        var e = Assert.Throws<KryptonException>(() => ImageLoader.Load(path));
        Assert.Contains("interlaced", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Missing_file_is_reported_by_path()
    {
        var path = _temp.File("nope.png");
        var e = Assert.Throws<KryptonException>(() => ImageLoader.Load(path));
        Assert.Equal($"input file not found: {path}", e.Message);
    }

    [Fact]
    public void Lossless_webp_reads_its_exact_samples()
    {
        var rgba = RandomBytes(6 * 4 * 4, 21);
        for (int i = 3; i < rgba.Length; i += 4) rgba[i] = 255;
        var info = new SKImageInfo(6, 4, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        using var pixmap = bitmap.PeekPixels();
        using var data = pixmap.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossless, 100))!;
        var path = _temp.File("picture.webp");
        File.WriteAllBytes(path, data.ToArray());

        var image = ImageLoader.Load(path);
        Assert.Equal((6, 4, 3), (image.Width, image.Height, image.Channels));
        for (int p = 0; p < 24; p++)
            for (int c = 0; c < 3; c++)
                Assert.Equal(rgba[4 * p + c] / 255f, image.Pixels[3 * p + c]);
    }

    [Fact]
    public void Bmp_reads_bottom_up_bgr_rows_with_their_padding()
    {
        // 3×2, 24-bit: rows of 9 bytes padded to 12, stored bottom row first, blue-green-red.
        const int w = 3, h = 2, row = 12;
        var rgb = RandomBytes(w * h * 3, 22);
        var file = new byte[54 + row * h];
        void U32(int at, int v) => BitConverter.GetBytes(v).CopyTo(file, at);
        file[0] = (byte)'B'; file[1] = (byte)'M';
        U32(2, file.Length); U32(10, 54); U32(14, 40); U32(18, w); U32(22, h);
        file[26] = 1; file[28] = 24; U32(34, row * h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++)
                    file[54 + (h - 1 - y) * row + 3 * x + c] = rgb[(y * w + x) * 3 + (2 - c)];
        var path = _temp.File("picture.bmp");
        File.WriteAllBytes(path, file);

        var image = ImageLoader.Load(path);
        Assert.Equal((w, h, 3), (image.Width, image.Height, image.Channels));
        Assert.Equal(rgb.Select(b => b / 255f), image.Pixels);
    }

    [Fact]
    public void Text_file_is_not_an_image()
    {
        var path = _temp.File("notes.png");
        File.WriteAllText(path, "this is not a picture\nsecond line\n");
        var e = Assert.Throws<KryptonException>(() => ImageLoader.Load(path));
        Assert.Equal($"{path} is not a PNG, JPEG, BMP, WebP or TIFF image", e.Message);
    }

    [Fact]
    public void Corrupt_png_is_not_an_image()
    {
        var path = _temp.File("corrupt.png");
        var bytes = new byte[64];
        new Random(5).NextBytes(bytes);
        byte[] signature = [137, 80, 78, 71, 13, 10, 26, 10];
        signature.CopyTo(bytes, 0);
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<KryptonException>(() => ImageLoader.Load(path));
        Assert.Equal($"{path} is not a PNG, JPEG, BMP, WebP or TIFF image", e.Message);
    }

    [Fact]
    public void Truncated_png_gives_one_line_naming_the_file()
    {
        var good = WriteWithSkia("good.png", 32, 32, RandomBytes(32 * 32 * 4, 6), 4, SKEncodedImageFormat.Png);
        var path = _temp.File("truncated.png");
        File.WriteAllBytes(path, File.ReadAllBytes(good)[..200]);

        var e = Assert.Throws<KryptonException>(() => ImageLoader.Load(path));
        Assert.Contains(path, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Corrupt_sixteen_bit_png_is_not_an_image()
    {
        var bytes = PngTestEncoder.Gray16(4, 4, new ushort[16]);
        var path = _temp.File("corrupt16.png");
        File.WriteAllBytes(path, bytes[..45]);

        var e = Assert.Throws<KryptonException>(() => ImageLoader.Load(path));
        Assert.Equal($"{path} is not a PNG, JPEG, BMP, WebP or TIFF image", e.Message);
    }

    [Fact]
    public void Bilinear_upsampling_uses_half_pixel_centres_and_clamped_edges()
    {
        var source = new LoadedImage("x", 3, 2, 1, 16, [0f, 0.2f, 1f, 0.5f, 0.75f, 0.1f]);
        var resized = source.Resize(7, 5);

        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 7; x++)
            {
                // Independent reference: PyTorch's align_corners=False mapping.
                double sx = Math.Clamp((x + 0.5) * 3 / 7 - 0.5, 0, 2), sy = Math.Clamp((y + 0.5) * 2 / 5 - 0.5, 0, 1);
                int x0 = (int)sx, y0 = (int)sy, x1 = Math.Min(x0 + 1, 2), y1 = Math.Min(y0 + 1, 1);
                double fx = sx - x0, fy = sy - y0;
                double top = source[y0, x0, 0] * (1 - fx) + source[y0, x1, 0] * fx;
                double bottom = source[y1, x0, 0] * (1 - fx) + source[y1, x1, 0] * fx;
                Assert.Equal(top * (1 - fy) + bottom * fy, resized[y, x, 0], 4);
            }
    }

    [Fact]
    public void Resizing_keeps_sixteen_bit_steps()
    {
        var source = new LoadedImage("x", 2, 2, 1, 16, [1000 / 65535f, 1000 / 65535f, 1001 / 65535f, 1001 / 65535f]);
        var resized = source.Resize(4, 4);
        Assert.Equal(1000, resized[0, 0, 0] * 65535, 1);
        Assert.Equal(1001, resized[3, 3, 0] * 65535, 1);
    }

    [Fact]
    public void ImageNet_normalization_matches_hand_computation_in_NCHW_order()
    {
        // Pixel 0 is (1, 0, 0.5), pixel 1 is (0.2, 0.4, 0.6).
        var image = new LoadedImage("x", 2, 1, 3, 8, [1f, 0f, 0.5f, 0.2f, 0.4f, 0.6f]);

        var tensor = Preprocessing.ImageNet.ToTensor(image, 3, 1, 2);

        // (1 - 0.485) / 0.229, (0.2 - 0.485) / 0.229, (0 - 0.456) / 0.224, (0.4 - 0.456) / 0.224,
        // (0.5 - 0.406) / 0.225, (0.6 - 0.406) / 0.225, worked out by hand.
        double[] expected = [2.2489083, -1.2445415, -2.0357143, -0.25, 0.4177778, 0.8622222];
        Assert.Equal(expected.Length, tensor.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], tensor[i], 5);
    }

    [Fact]
    public void No_normalization_gives_pixel_values_and_resizes_to_the_model_size()
    {
        var image = new LoadedImage("x", 2, 2, 1, 8, [0.1f, 0.2f, 0.3f, 0.4f]);

        var same = Preprocessing.ToTensor(image, Preprocessing.None, 1, 2, 2);
        var bigger = Preprocessing.None.ToTensor(image, 3, 6, 5);

        Assert.Equal(image.Pixels, same);
        Assert.Equal(3 * 6 * 5, bigger.Length);
        Assert.Equal(0.1f, bigger[0], 5);              // top-left, channel 0
        Assert.Equal(0.4f, bigger[2 * 30 + 29], 5);    // bottom-right, channel 2
    }

    [Fact]
    public void Fill_value_converts_between_pixel_and_tensor_space()
    {
        var p = Preprocessing.ImageNet;
        Assert.Equal((0.5 - 0.485) / 0.229, p.PixelToTensor(0.5f, 0), 5);
        Assert.Equal((0 - 0.406) / 0.225, p.PixelToTensor(0f, 2), 5);
        Assert.Equal(0.3f, p.TensorToPixel(p.PixelToTensor(0.3f, 1), 1), 6);
    }

    [Fact]
    public void Three_value_normalization_refuses_a_one_channel_model()
    {
        var image = new LoadedImage("x", 1, 1, 1, 8, [0.5f]);
        var e = Assert.Throws<KryptonException>(() => Preprocessing.ImageNet.ToTensor(image, 1, 1, 1));
        Assert.Contains("3 mean/std values", e.Message);
    }

    [Fact]
    public void Invalid_normalization_is_refused()
    {
        Assert.Throws<KryptonException>(() => new Preprocessing([0.5f, 0.5f], [1f]));
        Assert.Throws<KryptonException>(() => new Preprocessing([0.5f], [0f]));
    }

    [Fact]
    public void Channel_means_are_per_channel_averages_in_pixel_space()
    {
        var image = new LoadedImage("x", 2, 1, 3, 8, [1f, 0f, 0.5f, 0.2f, 0.4f, 0.6f]);
        Assert.Equal([0.6f, 0.2f, 0.55f], image.ChannelMeans().Select(m => MathF.Round(m, 6)));
    }
}
