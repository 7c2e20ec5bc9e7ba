using BitMiracle.LibTiff.Classic;

namespace Krypton.Imaging;

/// <summary>
/// TIFF through LibTiff.NET: 16-bit grayscale at full precision (microscopy and radiology exports
/// keep their bit depth in TIFF), and 8-bit (or fewer) gray, RGB and palette pictures in any
/// compression and layout LibTiff reads, through its RGBA reader. Only the first page is read.
/// </summary>
internal static class TiffDecoder
{
    static TiffDecoder() => Tiff.SetErrorHandler(new Quiet());

    /// <summary>True when the bytes start with a TIFF header (little- or big-endian).</summary>
    public static bool HasTiffSignature(byte[] b) => b.Length >= 4
        && (b[0] == 'I' && b[1] == 'I' && b[2] == 42 && b[3] == 0 || b[0] == 'M' && b[1] == 'M' && b[2] == 0 && b[3] == 42);

    public static LoadedImage Decode(byte[] bytes, string sourcePath)
    {
        try { return Read(bytes, sourcePath); }
        catch (Exception e) when (e is not KryptonException)
        {
            // LibTiff can throw on malformed directories rather than report them.
            throw new KryptonException($"{sourcePath} is a damaged TIFF image", e);
        }
    }

    private static LoadedImage Read(byte[] bytes, string sourcePath)
    {
        using var tiff = Tiff.ClientOpen(sourcePath, "r", new MemoryStream(bytes, writable: false), new TiffStream())
            ?? throw ImageLoader.NotAnImage(sourcePath);
        int Field(TiffTag tag, int fallback) => tiff.GetField(tag) is { Length: > 0 } v ? v[0].ToInt() : fallback;
        int width = Field(TiffTag.IMAGEWIDTH, 0), height = Field(TiffTag.IMAGELENGTH, 0);
        int bits = Field(TiffTag.BITSPERSAMPLE, 1), samples = Field(TiffTag.SAMPLESPERPIXEL, 1);
        var photometric = (Photometric)Field(TiffTag.PHOTOMETRIC, (int)Photometric.MINISBLACK);
        var format = (SampleFormat)Field(TiffTag.SAMPLEFORMAT, (int)SampleFormat.UINT);
        if (width <= 0 || height <= 0)
            throw ImageLoader.NotAnImage(sourcePath);
        bool gray = samples == 1 && photometric is Photometric.MINISBLACK or Photometric.MINISWHITE;

        if (bits == 16 && gray && format == SampleFormat.UINT && !tiff.IsTiled())
        {
            var pixels = new float[width * height];
            var row = new byte[tiff.ScanlineSize()];
            for (int y = 0; y < height; y++)
            {
                if (!tiff.ReadScanline(row, y))
                    throw new KryptonException($"{sourcePath} is a damaged TIFF image (row {y} cannot be read)");
                // LibTiff hands back samples in this machine's byte order.
                for (int x = 0; x < width; x++)
                {
                    float v = BitConverter.ToUInt16(row, 2 * x) / 65535f;
                    pixels[y * width + x] = photometric == Photometric.MINISWHITE ? 1 - v : v;
                }
            }
            return new LoadedImage(sourcePath, width, height, 1, 16, pixels);
        }
        if (bits > 8 || format != SampleFormat.UINT)
            throw new KryptonException($"{sourcePath} is a TIFF of {bits}-bit {format.ToString().ToLowerInvariant()} samples ({samples} per pixel); "
                + "Krypton reads 16-bit grayscale TIFF (in strips) and 8-bit gray, colour and palette TIFF");

        var raster = new int[width * height];
        if (!tiff.ReadRGBAImageOriented(width, height, raster, Orientation.TOPLEFT))
            throw new KryptonException($"{sourcePath} is a TIFF image that cannot be decoded");
        int channels = gray ? 1 : 3;
        var values = new float[width * height * channels];
        for (int i = 0; i < raster.Length; i++)
        {
            int p = raster[i];
            if (gray) values[i] = Tiff.GetR(p) / 255f;
            else
            {
                values[3 * i] = Tiff.GetR(p) / 255f;
                values[3 * i + 1] = Tiff.GetG(p) / 255f;
                values[3 * i + 2] = Tiff.GetB(p) / 255f;
            }
        }
        return new LoadedImage(sourcePath, width, height, channels, bits, values);
    }

    /// <summary>LibTiff writes its errors and warnings to the console by default; they surface here as one line instead.</summary>
    private sealed class Quiet : TiffErrorHandler
    {
        public override void ErrorHandler(Tiff tif, string method, string format, params object[] args) { }

        public override void WarningHandler(Tiff tif, string method, string format, params object[] args) { }
    }
}
