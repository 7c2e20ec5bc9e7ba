using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using Krypton.Model;

namespace Krypton.Architectures;

/// <summary>
/// A safetensors file (Hugging Face's format): an 8-byte little-endian header length, a JSON header
/// mapping each tensor name to its dtype, shape and byte range, then the raw little-endian data.
/// Reading converts F32, F64, F16 and BF16 tensors to float32; tensors are read on demand, so
/// opening a large file only parses its header.
/// </summary>
public sealed class SafetensorsFile
{
    private sealed record Entry(string DType, int[] Shape, long Begin, long End);

    // Guards against reading a garbage length as a multi-gigabyte allocation.
    private const long MaxHeaderBytes = 100L << 20;

    private readonly Dictionary<string, Entry> _entries;
    private readonly long _dataStart;

    private SafetensorsFile(string path, Dictionary<string, Entry> entries, long dataStart, IReadOnlyList<string> names)
    {
        Path = path;
        _entries = entries;
        _dataStart = dataStart;
        Names = names;
    }

    /// <summary>Path of the file.</summary>
    public string Path { get; }

    /// <summary>Tensor names in header order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>True when the file holds a tensor of that name.</summary>
    public bool Contains(string name) => _entries.ContainsKey(name);

    /// <summary>Shape of a tensor.</summary>
    public int[] ShapeOf(string name) => (int[])Get(name).Shape.Clone();

    /// <summary>Stored element type of a tensor (e.g. "F32", "F16").</summary>
    public string DTypeOf(string name) => Get(name).DType;

    /// <summary>Parses the header of a safetensors file and checks that every tensor lies inside the file.</summary>
    public static SafetensorsFile Open(string path)
    {
        if (!File.Exists(path))
            throw new KryptonException($"weights file '{path}' does not exist");
        using var stream = File.OpenRead(path);
        long fileLength = stream.Length;
        Span<byte> lengthBytes = stackalloc byte[8];
        if (stream.ReadAtLeast(lengthBytes, 8, throwOnEndOfStream: false) < 8)
            throw new KryptonException($"'{path}' is not a safetensors file: shorter than its 8-byte header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > (ulong)Math.Min(MaxHeaderBytes, fileLength - 8))
            throw new KryptonException($"'{path}' is not a safetensors file: header length {headerLength} does not fit the file");
        var header = new byte[headerLength];
        stream.ReadExactly(header);
        long dataStart = 8 + (long)headerLength;

        var entries = new Dictionary<string, Entry>();
        var names = new List<string>();
        try
        {
            using var doc = JsonDocument.Parse(header);
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__") continue;
                var e = prop.Value;
                string dtype = e.GetProperty("dtype").GetString() ?? "";
                int[] shape = e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
                long[] offsets = e.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
                if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || dataStart + offsets[1] > fileLength)
                    throw new KryptonException($"tensor '{prop.Name}' in '{path}' has data offsets [{string.Join(",", offsets)}] outside the file");
                long count = shape.Aggregate(1L, (p, d) => p * d);
                if (shape.Any(d => d < 0) || count * ElementSize(dtype, prop.Name, path) != offsets[1] - offsets[0])
                    throw new KryptonException($"tensor '{prop.Name}' in '{path}' has shape [{string.Join(",", shape)}] but {offsets[1] - offsets[0]} bytes of {dtype}");
                entries[prop.Name] = new Entry(dtype, shape, offsets[0], offsets[1]);
                names.Add(prop.Name);
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new KryptonException($"'{path}' has a malformed safetensors header: {e.Message.Split('\n')[0]}");
        }
        return new SafetensorsFile(path, entries, dataStart, names);
    }

    /// <summary>Reads a tensor as float32 values in row-major order.</summary>
    public float[] ReadFloats(string name)
    {
        var e = Get(name);
        long bytes = e.End - e.Begin;
        int size = ElementSize(e.DType, name, Path);
        var result = new float[bytes / size];
        using var stream = File.OpenRead(Path);
        stream.Position = _dataStart + e.Begin;
        if (e.DType == "F32" && BitConverter.IsLittleEndian)
        {
            stream.ReadExactly(MemoryMarshal.AsBytes(result.AsSpan()));
            return result;
        }
        var raw = new byte[bytes];
        stream.ReadExactly(raw);
        for (int i = 0; i < result.Length; i++)
        {
            var b = raw.AsSpan(i * size, size);
            result[i] = e.DType switch
            {
                "F32" => BinaryPrimitives.ReadSingleLittleEndian(b),
                "F64" => (float)BinaryPrimitives.ReadDoubleLittleEndian(b),
                "F16" => (float)BinaryPrimitives.ReadHalfLittleEndian(b),
                _ => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(b) << 16), // BF16
            };
        }
        return result;
    }

    /// <summary>Reads a tensor as a constant.</summary>
    public ConstantTensor Read(string name) => new(ShapeOf(name), ReadFloats(name));

    /// <summary>
    /// Writes tensors as float32 in the given order; the header is padded with spaces to a multiple
    /// of 8 bytes, as the reference implementation does, so the data stays aligned.
    /// </summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, ConstantTensor>> tensors)
    {
        var list = tensors.ToList();
        var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json))
        {
            w.WriteStartObject();
            long offset = 0;
            foreach (var (name, t) in list)
            {
                w.WriteStartObject(name);
                w.WriteString("dtype", "F32");
                w.WriteStartArray("shape");
                foreach (int d in t.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset += 4 * t.ElementCount);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        int pad = (int)((8 - json.Length % 8) % 8);
        for (int i = 0; i < pad; i++) json.WriteByte((byte)' ');
        byte[] header = json.ToArray();

        using var stream = File.Create(path);
        Span<byte> lengthBytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(lengthBytes, (ulong)header.Length);
        stream.Write(lengthBytes);
        stream.Write(header);
        Span<byte> element = stackalloc byte[4];
        foreach (var (_, t) in list)
        {
            if (BitConverter.IsLittleEndian)
                stream.Write(MemoryMarshal.AsBytes(t.Data.AsSpan()));
            else
                foreach (float v in t.Data)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(element, v);
                    stream.Write(element);
                }
        }
    }

    private Entry Get(string name) =>
        _entries.TryGetValue(name, out var e) ? e : throw new KryptonException($"weights file '{Path}' has no tensor '{name}'");

    private static int ElementSize(string dtype, string name, string path) => dtype switch
    {
        "F32" => 4,
        "F64" => 8,
        "F16" or "BF16" => 2,
        _ => throw new KryptonException($"tensor '{name}' in '{path}' has dtype {dtype}; only F32, F64, F16 and BF16 are supported"),
    };
}
