using System.Buffers.Binary;
using System.IO.Compression;

namespace Krypton.Data;

/// <summary>
/// An array in the IDX format (LeCun's MNIST files): two zero bytes, a type code, the number of
/// dimensions, each dimension as a big-endian 32-bit integer, then the values. Only unsigned bytes
/// (type 0x08) are read, which is what MNIST-style images and labels use. Files ending in .gz are
/// decompressed on the fly.
/// </summary>
/// <param name="Source">Where it came from (for messages).</param>
/// <param name="Shape">The dimensions, outermost first.</param>
/// <param name="Data">The values, row-major.</param>
public sealed record IdxArray(string Source, int[] Shape, byte[] Data)
{
    /// <summary>IDX type code of unsigned bytes.</summary>
    public const byte UnsignedByte = 0x08;

    /// <summary>Reads an IDX file; gzip-compressed when the name ends in .gz.</summary>
    /// <exception cref="KryptonException">The file is missing, not IDX, truncated or of another element type.</exception>
    public static IdxArray Load(string path)
    {
        if (!File.Exists(path))
            throw new KryptonException($"IDX file not found: {path}");
        try
        {
            using var file = File.OpenRead(path);
            using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
                ? new GZipStream(file, CompressionMode.Decompress)
                : file;
            return Read(stream, path);
        }
        catch (InvalidDataException e)
        {
            throw new KryptonException($"{path} is not a valid gzip file: {e.Message}", e);
        }
    }

    /// <summary>Reads an IDX array from a (decompressed) stream.</summary>
    public static IdxArray Read(Stream stream, string source)
    {
        Span<byte> magic = stackalloc byte[4];
        if (stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) < 4 || magic[0] != 0 || magic[1] != 0)
            throw new KryptonException($"{source} is not an IDX file (it must start with two zero bytes, a type and a rank)");
        if (magic[2] != UnsignedByte)
            throw new KryptonException($"{source} holds IDX element type 0x{magic[2]:x2}; only unsigned bytes (0x08) are read");
        int rank = magic[3];
        if (rank == 0)
            throw new KryptonException($"{source} is an IDX file of rank 0");
        var dims = new byte[4 * rank];
        if (stream.ReadAtLeast(dims, dims.Length, throwOnEndOfStream: false) < dims.Length)
            throw new KryptonException($"{source} is truncated: its IDX header ends early");
        var shape = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            uint d = BinaryPrimitives.ReadUInt32BigEndian(dims.AsSpan(4 * i));
            if (d == 0 || d > int.MaxValue)
                throw new KryptonException($"{source} has IDX dimension {i} of size {d}");
            shape[i] = (int)d;
            count *= d;
        }
        if (count > Array.MaxLength)
            throw new KryptonException($"{source} declares {count} values, more than one array can hold");
        var data = new byte[count];
        int read = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (read < data.Length)
            throw new KryptonException($"{source} is truncated: its IDX header declares {count} values, the file holds {read}");
        if (stream.ReadByte() >= 0)
            throw new KryptonException($"{source} has data after the {count} values its IDX header declares");
        return new IdxArray(source, shape, data);
    }

    /// <summary>Writes the array as IDX (unsigned bytes), gzip-compressed when the name ends in .gz.</summary>
    public void Save(string path)
    {
        using var file = File.Create(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionLevel.Optimal) : file;
        stream.Write([0, 0, UnsignedByte, (byte)Shape.Length]);
        Span<byte> d = stackalloc byte[4];
        foreach (int n in Shape)
        {
            BinaryPrimitives.WriteInt32BigEndian(d, n);
            stream.Write(d);
        }
        stream.Write(Data);
    }
}
