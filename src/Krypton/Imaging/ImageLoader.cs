using System.Runtime.InteropServices;
using SkiaSharp;

namespace Krypton.Imaging;

/// <summary>
/// Reads PNG, JPEG, BMP, WebP and TIFF pictures into <see cref="LoadedImage"/>s: 8-bit gray,
/// gray+alpha, RGB and RGBA through SkiaSharp, TIFF through <see cref="TiffDecoder"/> (16-bit gray
/// at full precision), and 16-bit grayscale PNG (common for X-rays) through
/// <see cref="Png16GrayDecoder"/>, because Skia reduces those to 8 bits. Alpha is dropped, as PIL's
/// <c>convert("RGB")</c> does. No colour management is applied: the stored sample values are used.
/// 16-bit colour PNGs go through Skia too and so keep only 8 bits of each sample (their
/// <see cref="LoadedImage.BitDepth"/> still says 16); only 16-bit grayscale keeps full precision.
/// </summary>
public static class ImageLoader
{
    /// <summary>
    /// Reads the picture at <paramref name="path"/>. With <paramref name="channels"/> given (what the
    /// model takes: 1 or 3), the result has that many channels (see <see cref="LoadedImage.WithChannels"/>);
    /// without it, grayscale pictures stay 1-channel and colour ones become RGB.
    /// </summary>
    /// <exception cref="KryptonException">The file is missing, unreadable, or not a picture of a format read here.</exception>
    public static LoadedImage Load(string path, int? channels = null)
    {
        if (!File.Exists(path))
            throw new KryptonException($"input file not found: {path}");
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KryptonException($"cannot read {path}: {e.Message}", e);
        }
        var image = Decode(bytes, path);
        return channels is { } c ? image.WithChannels(c) : image;
    }

    /// <summary>Decodes PNG, JPEG, BMP, WebP or TIFF bytes; <paramref name="sourcePath"/> names them in messages.</summary>
    /// <exception cref="KryptonException">The bytes are not a picture of those formats, or are corrupt.</exception>
    public static LoadedImage Decode(byte[] bytes, string sourcePath)
    {
        if (Png16GrayDecoder.IsSixteenBitGray(bytes))
            return Png16GrayDecoder.Decode(bytes, sourcePath);
        if (TiffDecoder.HasTiffSignature(bytes))
            return TiffDecoder.Decode(bytes, sourcePath);

        using var codec = SKCodec.Create(new MemoryStream(bytes, writable: false));
        if (codec is null || codec.EncodedFormat is not (SKEncodedImageFormat.Png or SKEncodedImageFormat.Jpeg or SKEncodedImageFormat.Bmp or SKEncodedImageFormat.Webp))
            throw NotAnImage(sourcePath);
        var info = codec.Info;
        if (info.Width <= 0 || info.Height <= 0)
            throw NotAnImage(sourcePath);
        bool gray = info.ColorType == SKColorType.Gray8;
        int bitDepth = IsSixteenBitPng(bytes) ? 16 : 8;
        // A null colour space on the target keeps Skia from colour-converting: models were trained on
        // the stored values, not on a display-referred rendering of them.
        var target = new SKImageInfo(info.Width, info.Height,
            gray ? SKColorType.Gray8 : SKColorType.Rgba8888,
            gray ? SKAlphaType.Opaque : SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(target);
        var result = codec.GetPixels(target, bitmap.GetPixels());
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
            throw NotAnImage(sourcePath);
        if (result == SKCodecResult.IncompleteInput)
            throw new KryptonException($"{sourcePath} is a truncated {codec.EncodedFormat.ToString().ToUpperInvariant()} image");

        int n = info.Width * info.Height;
        var raw = new byte[n * target.BytesPerPixel];
        // Rows are tightly packed for these widths (Skia's default row bytes = width * bytes per pixel).
        Marshal.Copy(bitmap.GetPixels(), raw, 0, raw.Length);
        int channels = gray ? 1 : 3;
        var pixels = new float[n * channels];
        if (gray)
        {
            for (int i = 0; i < n; i++) pixels[i] = raw[i] / 255f;
        }
        bool hadAlpha = false;
        if (!gray)
        {
            // Transparent pixels are composited on white (AlphaBackground): a model sees no alpha,
            // and dropping it would show whatever colour the transparent pixels happen to store.
            for (int i = 0; i < n; i++)
            {
                float a = raw[4 * i + 3] / 255f;
                hadAlpha |= a < 1f;
                for (int c = 0; c < 3; c++)
                    pixels[3 * i + c] = a * (raw[4 * i + c] / 255f) + (1 - a) * AlphaBackground;
            }
        }
        return new LoadedImage(sourcePath, info.Width, info.Height, channels, bitDepth, pixels) { HadAlpha = hadAlpha };
    }

    /// <summary>The background transparent pixels are composited on: white (1 in every channel).</summary>
    public const float AlphaBackground = 1f;

    /// <summary>The file extensions of the formats read here, lower case.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"];

    internal static KryptonException NotAnImage(string path) => new($"{path} is not a PNG, JPEG, BMP, WebP or TIFF image");

    private static bool IsSixteenBitPng(byte[] bytes) =>
        Png16GrayDecoder.HasPngSignature(bytes) && bytes.Length > 24 && bytes[24] == 16;
}
