using System.Buffers.Binary;
using System.IO.Compression;

namespace Krypton.Imaging;

/// <summary>
/// Decodes 16-bit grayscale PNGs (bit depth 16, colour type 0) at full precision. SkiaSharp decodes
/// them to 8 bits (checked: values 256 and 257 both come back as 257/65535), which would throw away
/// the fine intensity steps an X-ray model may rely on.
/// </summary>
internal static class Png16GrayDecoder
{
    private static ReadOnlySpan<byte> Signature => [137, 80, 78, 71, 13, 10, 26, 10];

    public static bool HasPngSignature(ReadOnlySpan<byte> bytes) =>
        bytes.Length >= 8 && bytes[..8].SequenceEqual(Signature);

    /// <summary>True when the IHDR (always the first chunk) says bit depth 16, colour type 0.</summary>
    public static bool IsSixteenBitGray(ReadOnlySpan<byte> bytes) =>
        HasPngSignature(bytes) && bytes.Length >= 33
        && bytes.Slice(12, 4).SequenceEqual("IHDR"u8) && bytes[24] == 16 && bytes[25] == 0;

    public static LoadedImage Decode(byte[] bytes, string sourcePath)
    {
        int width = 0, height = 0;
        bool sawHeader = false, sawEnd = false;
        using var compressed = new MemoryStream();
        int pos = 8;
        while (pos + 8 <= bytes.Length && !sawEnd)
        {
            uint length = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(pos));
            var type = bytes.AsSpan(pos + 4, 4);
            if (length > int.MaxValue || pos + 12 + (long)length > bytes.Length)
                throw Corrupt(sourcePath);
            var data = bytes.AsSpan(pos + 8, (int)length);
            if (type.SequenceEqual("IHDR"u8))
            {
                if (length != 13) throw Corrupt(sourcePath);
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                if (data[10] != 0 || data[11] != 0) throw Corrupt(sourcePath);
                if (data[12] != 0)
                    throw new KryptonException(
                        $"{sourcePath} is an interlaced 16-bit grayscale PNG, which is not supported; save it non-interlaced");
                sawHeader = true;
            }
            else if (type.SequenceEqual("IDAT"u8))
            {
                compressed.Write(data);
            }
            else if (type.SequenceEqual("IEND"u8))
            {
                sawEnd = true;
            }
            pos += 12 + (int)length;
        }
        if (!sawHeader || width <= 0 || height <= 0 || compressed.Length == 0)
            throw Corrupt(sourcePath);
        if ((long)width * height > 1L << 28)
            throw new KryptonException($"{sourcePath} is too large ({width}x{height})");

        int stride = width * 2;
        var raw = new byte[(long)height * (stride + 1)];
        try
        {
            compressed.Position = 0;
            using var inflater = new ZLibStream(compressed, CompressionMode.Decompress);
            inflater.ReadExactly(raw);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw Corrupt(sourcePath);
        }

        var pixels = new float[width * height];
        var previous = new byte[stride];
        var current = new byte[stride];
        for (int y = 0; y < height; y++)
        {
            int rowStart = y * (stride + 1);
            raw.AsSpan(rowStart + 1, stride).CopyTo(current);
            Unfilter(raw[rowStart], current, previous, sourcePath);
            for (int x = 0; x < width; x++)
                pixels[y * width + x] = ((current[2 * x] << 8) | current[2 * x + 1]) / 65535f;
            (previous, current) = (current, previous);
        }
        return new LoadedImage(sourcePath, width, height, 1, 16, pixels);
    }

    /// <summary>Reverses the PNG row filter in place (PNG spec section 9; 2 bytes per pixel).</summary>
    private static void Unfilter(byte filter, Span<byte> row, ReadOnlySpan<byte> above, string sourcePath)
    {
        const int bpp = 2;
        switch (filter)
        {
            case 0:
                break;
            case 1:
                for (int i = bpp; i < row.Length; i++) row[i] += row[i - bpp];
                break;
            case 2:
                for (int i = 0; i < row.Length; i++) row[i] += above[i];
                break;
            case 3:
                for (int i = 0; i < row.Length; i++)
                    row[i] += (byte)(((i >= bpp ? row[i - bpp] : 0) + above[i]) >> 1);
                break;
            case 4:
                for (int i = 0; i < row.Length; i++)
                    row[i] += Paeth(i >= bpp ? row[i - bpp] : (byte)0, above[i], i >= bpp ? above[i - bpp] : (byte)0);
                break;
            default:
                throw Corrupt(sourcePath);
        }
    }

    private static byte Paeth(byte a, byte b, byte c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static KryptonException Corrupt(string path) => ImageLoader.NotAnImage(path);
}
