using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Krypton.Tests;

/// <summary>
/// A minimal PNG writer for 16-bit grayscale test pictures, independent of the decoder under test:
/// it applies the PNG row filters forwards (the decoder reverses them), chosen per row.
/// </summary>
internal static class PngTestEncoder
{
    public static byte[] Gray16(int width, int height, ushort[] samples, Func<int, byte>? filterOfRow = null, bool interlaced = false)
    {
        var output = new MemoryStream();
        output.Write([137, 80, 78, 71, 13, 10, 26, 10]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 16; // bit depth
        ihdr[9] = 0;  // grayscale
        ihdr[12] = (byte)(interlaced ? 1 : 0);
        WriteChunk(output, "IHDR", ihdr);

        int stride = 2 * width;
        var filtered = new MemoryStream();
        var previous = new byte[stride];
        for (int y = 0; y < height; y++)
        {
            var row = new byte[stride];
            for (int x = 0; x < width; x++)
                BinaryPrimitives.WriteUInt16BigEndian(row.AsSpan(2 * x), samples[y * width + x]);
            byte filter = filterOfRow?.Invoke(y) ?? 0;
            filtered.WriteByte(filter);
            for (int i = 0; i < stride; i++)
            {
                int left = i >= 2 ? row[i - 2] : 0, up = previous[i], upLeft = i >= 2 ? previous[i - 2] : 0;
                int predictor = filter switch
                {
                    0 => 0,
                    1 => left,
                    2 => up,
                    3 => (left + up) / 2,
                    4 => PaethPredictor(left, up, upLeft),
                    _ => throw new ArgumentException("filter"),
                };
                filtered.WriteByte((byte)(row[i] - predictor));
            }
            previous = row;
        }
        var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            z.Write(filtered.ToArray());
        // Two IDAT chunks: decoders must concatenate them.
        var idat = compressed.ToArray();
        int half = idat.Length / 2;
        WriteChunk(output, "IDAT", idat[..half]);
        WriteChunk(output, "IDAT", idat[half..]);
        WriteChunk(output, "IEND", []);
        return output.ToArray();
    }

    private static int PaethPredictor(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        if (pa <= pb && pa <= pc) return a;
        return pb <= pc ? b : c;
    }

    private static void WriteChunk(Stream output, string type, byte[] data)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        output.Write(length);
        var typeAndData = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        output.Write(typeAndData);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typeAndData));
        output.Write(crc);
    }

    private static uint Crc32(byte[] bytes)
    {
        uint c = 0xFFFFFFFF;
        foreach (var b in bytes)
        {
            c ^= b;
            for (int k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        }
        return ~c;
    }
}

/// <summary>A folder under the system temp folder, deleted when disposed.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("krypton-test-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Writes a text file into the folder and returns its path.</summary>
    public string WriteText(string name, string text)
    {
        string path = File(name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
