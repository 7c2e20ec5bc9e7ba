using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Krypton.IO;

/// <summary>
/// NumPy .npy files (format versions 1-3): reads little-endian float32 or float64 (converted to
/// float32) C-order arrays, writes float32 C-order arrays of any rank. Used for input tensors given
/// as arrays and for heat maps.
/// </summary>
public static partial class NpyFile
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads the array in <paramref name="path"/>.</summary>
    /// <exception cref="KryptonException">The file is missing or not a float32/float64 little-endian C-order .npy file.</exception>
    public static NpyArray Read(string path)
    {
        if (!File.Exists(path))
            throw new KryptonException($"input file not found: {path}");
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    /// <summary>Reads an array from <paramref name="stream"/>; <paramref name="sourceName"/> names it in messages.</summary>
    public static NpyArray Read(Stream stream, string sourceName)
    {
        try
        {
            return ReadCore(stream, sourceName);
        }
        catch (EndOfStreamException e)
        {
            throw new KryptonException($"{sourceName} is a truncated .npy file", e);
        }
    }

    /// <summary>
    /// Reads a model input tensor: shape C x H x W or 1 x C x H x W. The result always has shape
    /// [C, H, W]; the data is the NCHW tensor with N = 1.
    /// </summary>
    /// <exception cref="KryptonException">The array has another rank, or N is not 1.</exception>
    public static NpyArray ReadImageTensor(string path)
    {
        var array = Read(path);
        return array.Rank switch
        {
            3 => array,
            4 when array.Shape[0] == 1 => array with { Shape = array.Shape.Skip(1).ToArray() },
            4 => throw new KryptonException(
                $"{path} holds a batch of {array.Shape[0]} images; give one image (shape 1xCxHxW or CxHxW)"),
            _ => throw new KryptonException(
                $"{path} has shape {ShapeText(array.Shape)}; an input image must be CxHxW or 1xCxHxW"),
        };
    }

    /// <summary>
    /// Reads a heat map: shape H x W, or H x W with leading axes of size 1. The result has shape [H, W].
    /// </summary>
    /// <exception cref="KryptonException">The array is not a single 2-D map.</exception>
    public static NpyArray ReadHeatmap(string path)
    {
        var array = Read(path);
        if (array.Rank < 2 || array.Shape.Take(array.Rank - 2).Any(d => d != 1))
            throw new KryptonException($"{path} has shape {ShapeText(array.Shape)}; a heat map must be HxW");
        return array with { Shape = array.Shape.Skip(array.Rank - 2).ToArray() };
    }

    /// <summary>Writes a float32 C-order array of shape <paramref name="shape"/> to <paramref name="path"/> (atomically).</summary>
    public static void Write(string path, float[] data, IReadOnlyList<int> shape) =>
        AtomicFile.Write(path, s => Write(s, data, shape));

    /// <summary>Writes a heat map given as [row, column] to <paramref name="path"/> (atomically).</summary>
    public static void Write(string path, float[,] heatmap) =>
        Write(path, RowMajor.Flatten(heatmap), [heatmap.GetLength(0), heatmap.GetLength(1)]);

    /// <summary>Writes a float32 C-order array of shape <paramref name="shape"/> to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, ReadOnlySpan<float> data, IReadOnlyList<int> shape)
    {
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentException($"shape {ShapeText(shape)} has a negative size");
            count *= d;
        }
        if (count != data.Length)
            throw new ArgumentException($"shape {ShapeText(shape)} needs {count} values, got {data.Length}");

        var shapeText = shape.Count == 1
            ? $"({shape[0]},)"
            : "(" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")";
        var dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': {shapeText}, }}";
        // Version 1 stores the header length in 2 bytes; longer headers (huge ranks) need version 2.
        int version = dict.Length + 1 + 10 > ushort.MaxValue ? 2 : 1;
        int prefix = version == 1 ? 10 : 12;
        int total = (prefix + dict.Length + 1 + 63) / 64 * 64; // numpy aligns the data to 64 bytes
        var header = dict.PadRight(total - prefix - 1) + "\n";

        stream.Write(Magic);
        stream.WriteByte((byte)version);
        stream.WriteByte(0);
        Span<byte> len = stackalloc byte[4];
        if (version == 1)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)header.Length);
            stream.Write(len[..2]);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)header.Length);
            stream.Write(len);
        }
        stream.Write(Encoding.ASCII.GetBytes(header));

        var buffer = new byte[4 * Math.Min(data.Length, 1 << 16)];
        for (int start = 0; start < data.Length; start += buffer.Length / 4)
        {
            int n = Math.Min(buffer.Length / 4, data.Length - start);
            for (int i = 0; i < n; i++)
                BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(4 * i), data[start + i]);
            stream.Write(buffer, 0, 4 * n);
        }
    }

    private static NpyArray ReadCore(Stream stream, string name)
    {
        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        if (!prefix[..6].SequenceEqual(Magic))
            throw new KryptonException($"{name} is not a .npy file (bad magic bytes)");
        int major = prefix[6];
        int headerLength;
        if (major == 1)
        {
            Span<byte> len = stackalloc byte[2];
            stream.ReadExactly(len);
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(len);
        }
        else if (major is 2 or 3)
        {
            Span<byte> len = stackalloc byte[4];
            stream.ReadExactly(len);
            uint l = BinaryPrimitives.ReadUInt32LittleEndian(len);
            if (l > 1 << 24) throw new KryptonException($"{name} has an implausible .npy header length {l}");
            headerLength = (int)l;
        }
        else
        {
            throw new KryptonException($"{name} uses .npy format version {major}, which is not supported");
        }
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        var header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);

        var descr = DescrPattern().Match(header);
        var fortran = FortranPattern().Match(header);
        var shapeMatch = ShapePattern().Match(header);
        if (!descr.Success || !fortran.Success || !shapeMatch.Success)
            throw new KryptonException($"{name} has a malformed .npy header");
        int itemSize = descr.Groups[1].Value switch
        {
            "<f4" => 4,
            "<f8" => 8,
            var d => throw new KryptonException(
                $"{name} holds dtype '{d}'; only little-endian float32 ('<f4') or float64 ('<f8') are supported"),
        };
        if (fortran.Groups[1].Value == "True")
            throw new KryptonException($"{name} is stored in Fortran order; save it in C order (numpy.ascontiguousarray)");

        var shape = new List<int>();
        foreach (var part in shapeMatch.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var digits = part.TrimEnd('L');
            if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var d))
                throw new KryptonException($"{name} has a malformed .npy shape '{shapeMatch.Groups[1].Value}'");
            shape.Add(d);
        }
        long count = 1;
        foreach (var d in shape) count *= d;
        if (count > Array.MaxLength)
            throw new KryptonException($"{name} is too large ({count} values)");

        var data = new float[count];
        var buffer = new byte[itemSize * (int)Math.Min(Math.Max(count, 1), 1 << 16)];
        for (long start = 0; start < count;)
        {
            int n = (int)Math.Min(buffer.Length / itemSize, count - start);
            stream.ReadExactly(buffer, 0, n * itemSize);
            for (int i = 0; i < n; i++)
                data[start + i] = itemSize == 4
                    ? BinaryPrimitives.ReadSingleLittleEndian(buffer.AsSpan(4 * i))
                    : (float)BinaryPrimitives.ReadDoubleLittleEndian(buffer.AsSpan(8 * i));
            start += n;
        }
        return new NpyArray(shape, data);
    }

    internal static string ShapeText(IReadOnlyList<int> shape) => string.Join("x", shape);

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
