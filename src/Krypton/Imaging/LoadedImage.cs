using System.Runtime.InteropServices;
using SkiaSharp;

namespace Krypton.Imaging;

/// <summary>
/// A decoded picture as float pixel values in [0, 1], laid out HWC: the value of channel
/// <c>c</c> at row <c>y</c>, column <c>x</c> is <c>Pixels[(y * Width + x) * Channels + c]</c>.
/// HWC is the order decoders produce and pictures are drawn in; <see cref="Preprocessing.ToTensor(LoadedImage, int, int, int)"/>
/// makes the NCHW tensor a model wants.
/// </summary>
public sealed record LoadedImage
{
    /// <summary>Creates an image; the pixel array is taken as is (not copied).</summary>
    /// <param name="sourcePath">Where the picture came from (for messages and provenance).</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <param name="channels">1 (grayscale) or 3 (RGB).</param>
    /// <param name="bitDepth">Bits per sample in the source file (8 or 16).</param>
    /// <param name="pixels">HWC values in [0, 1], <c>width * height * channels</c> of them.</param>
    public LoadedImage(string sourcePath, int width, int height, int channels, int bitDepth, float[] pixels)
    {
        if (width <= 0 || height <= 0)
            throw new KryptonException($"image size must be positive, got {width}x{height}");
        if (channels is not (1 or 3))
            throw new KryptonException($"an image has 1 or 3 channels, got {channels}");
        if (pixels.Length != (long)width * height * channels)
            throw new KryptonException(
                $"image of {width}x{height}x{channels} needs {(long)width * height * channels} values, got {pixels.Length}");
        SourcePath = sourcePath;
        Width = width;
        Height = height;
        Channels = channels;
        BitDepth = bitDepth;
        Pixels = pixels;
    }

    /// <summary>Where the picture came from.</summary>
    public string SourcePath { get; }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>1 (grayscale) or 3 (RGB); an alpha channel is dropped on load.</summary>
    public int Channels { get; }

    /// <summary>Bits per sample in the source file: 8, or 16 for 16-bit PNGs.</summary>
    public int BitDepth { get; }

    /// <summary>HWC pixel values in [0, 1]; see the type's remarks for the layout.</summary>
    public float[] Pixels { get; }

    /// <summary>True when the file had an alpha channel that was composited on a background (<see cref="ImageLoader.Decode"/>).</summary>
    public bool HadAlpha { get; init; }

    /// <summary>The value of channel <paramref name="channel"/> at row <paramref name="y"/>, column <paramref name="x"/>.</summary>
    public float this[int y, int x, int channel] => Pixels[((long)y * Width + x) * Channels + channel];

    /// <summary>The mean of each channel over the whole picture, in pixel space ([0, 1]).</summary>
    public float[] ChannelMeans()
    {
        var sums = new double[Channels];
        for (int i = 0; i < Pixels.Length; i++)
            sums[i % Channels] += Pixels[i];
        var count = (double)Width * Height;
        return sums.Select(s => (float)(s / count)).ToArray();
    }

    /// <summary>
    /// This picture with <paramref name="channels"/> channels: grayscale is replicated into R, G and
    /// B; RGB becomes grayscale by ITU-R BT.601 luma (0.299 R + 0.587 G + 0.114 B, as PIL's
    /// <c>convert("L")</c>). Returns this image when it already has that many channels.
    /// </summary>
    public LoadedImage WithChannels(int channels)
    {
        if (channels == Channels) return this;
        if (channels is not (1 or 3))
            throw new KryptonException($"a model input image must have 1 or 3 channels, the model wants {channels}");
        int n = Width * Height;
        var result = new float[n * channels];
        if (channels == 3)
        {
            for (int i = 0; i < n; i++)
                result[3 * i] = result[3 * i + 1] = result[3 * i + 2] = Pixels[i];
        }
        else
        {
            for (int i = 0; i < n; i++)
                result[i] = 0.299f * Pixels[3 * i] + 0.587f * Pixels[3 * i + 1] + 0.114f * Pixels[3 * i + 2];
        }
        return new LoadedImage(SourcePath, Width, Height, channels, BitDepth, result) { HadAlpha = HadAlpha };
    }

    /// <summary>
    /// This picture resized to <paramref name="width"/> x <paramref name="height"/> with bilinear
    /// filtering (Skia, half-pixel centres, edges clamped), in 32-bit float so 16-bit sources keep
    /// their precision. Shrinking by 2x or more first halves the picture (each halving averages 2x2
    /// blocks, as mipmaps do), so a large photo is averaged rather than sampled, as PIL's antialiased
    /// resize does (close to it, not bit for bit). Returns this image when the size already matches.
    /// </summary>
    public LoadedImage Resize(int width, int height)
    {
        if (width == Width && height == Height) return this;
        if (width <= 0 || height <= 0)
            throw new KryptonException($"cannot resize an image to {width}x{height}");
        using var source = ToFloatBitmap();
        using var target = new SKBitmap(new SKImageInfo(width, height, SKColorType.RgbaF32, SKAlphaType.Unpremul));
        // Shrinking by 2x or more halves first (bilinear at exactly half the size averages each 2x2
        // block), as mipmaps do, so that a large photo is averaged rather than sampled.
        var current = source;
        try
        {
            while (current.Width >= 2 * width || current.Height >= 2 * height)
            {
                int w = current.Width >= 2 * width ? current.Width / 2 : current.Width, h = current.Height >= 2 * height ? current.Height / 2 : current.Height;
                var half = new SKBitmap(new SKImageInfo(w, h, SKColorType.RgbaF32, SKAlphaType.Unpremul));
                if (!current.ScalePixels(half, new SKSamplingOptions(SKFilterMode.Linear)))
                    throw new InvalidOperationException("Skia could not resize a float image");
                if (current != source) current.Dispose();
                current = half;
            }
            if (!current.ScalePixels(target, new SKSamplingOptions(SKFilterMode.Linear)))
                throw new InvalidOperationException("Skia could not resize a float image");
        }
        finally
        {
            if (current != source) current.Dispose();
        }
        var rgba = new float[width * height * 4];
        Marshal.Copy(target.GetPixels(), rgba, 0, rgba.Length);
        var result = new float[width * height * Channels];
        for (int i = 0; i < width * height; i++)
            for (int c = 0; c < Channels; c++)
                result[i * Channels + c] = Math.Clamp(rgba[4 * i + c], 0f, 1f);
        return new LoadedImage(SourcePath, width, height, Channels, BitDepth, result) { HadAlpha = HadAlpha };
    }

    /// <summary>The <paramref name="width"/> x <paramref name="height"/> part of this picture whose top-left pixel is (<paramref name="y"/>, <paramref name="x"/>).</summary>
    /// <exception cref="KryptonException">The part does not lie inside the picture.</exception>
    public LoadedImage Crop(int y, int x, int height, int width)
    {
        if (y < 0 || x < 0 || height <= 0 || width <= 0 || y + height > Height || x + width > Width)
            throw new KryptonException($"cannot crop {width}x{height} at ({x}, {y}) from a {Width}x{Height} image");
        if (y == 0 && x == 0 && height == Height && width == Width) return this;
        var result = new float[width * height * Channels];
        for (int r = 0; r < height; r++)
            Array.Copy(Pixels, ((y + r) * Width + x) * Channels, result, r * width * Channels, width * Channels);
        return new LoadedImage(SourcePath, width, height, Channels, BitDepth, result) { HadAlpha = HadAlpha };
    }

    /// <summary>The picture as 8-bit RGBA (gray replicated, opaque), for drawing.</summary>
    internal SKBitmap ToBitmap8()
    {
        var bitmap = new SKBitmap(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var bytes = new byte[Width * Height * 4];
        for (int i = 0; i < Width * Height; i++)
        {
            for (int c = 0; c < 3; c++)
            {
                float v = Pixels[i * Channels + (Channels == 1 ? 0 : c)];
                bytes[4 * i + c] = (byte)Math.Clamp(MathF.Round(v * 255f), 0f, 255f);
            }
            bytes[4 * i + 3] = 255;
        }
        Marshal.Copy(bytes, 0, bitmap.GetPixels(), bytes.Length);
        return bitmap;
    }

    private SKBitmap ToFloatBitmap()
    {
        var bitmap = new SKBitmap(new SKImageInfo(Width, Height, SKColorType.RgbaF32, SKAlphaType.Unpremul));
        var rgba = new float[Width * Height * 4];
        for (int i = 0; i < Width * Height; i++)
        {
            for (int c = 0; c < Channels; c++)
                rgba[4 * i + c] = Pixels[i * Channels + c];
            rgba[4 * i + 3] = 1f;
        }
        Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        return bitmap;
    }
}
