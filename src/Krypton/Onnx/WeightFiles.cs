using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Krypton.IO;
using Krypton.Model;
using Krypton.Onnx.Proto;
using Krypton.Runtime;

namespace Krypton.Onnx;

/// <summary>
/// The model's large constants as files outside the emitted graphs: each weight tensor of at least
/// <see cref="MinBytes"/> is written once, named by the SHA-256 of its bytes, to a cache folder
/// (<see cref="WeightFolder"/>), and the graphs that sessions run refer to it as ONNX external data. So
/// emitting a graph copies no weights, ONNX Runtime parses kilobytes instead of the whole model for
/// each session, and a second run of the same model (in this process or a later one) finds its
/// files in place. Content addressing needs no invalidation: other bytes are another file.
/// </summary>
/// <remarks>
/// A constant's bytes are hashed once per process (remembered per array); constants are not
/// changed after they are made (<see cref="ConstantTensor"/>).
/// </remarks>
public static class WeightFiles
{
    /// <summary>Constants smaller than this stay in the graph (biases, scales, small layers): a file each would cost more than it saves.</summary>
    public const int MinBytes = 64 * 1024;

    // Keyed by the array or the protobuf bytes themselves (reference identity): hashed once per process.
    private static readonly ConditionalWeakTable<object, string> Names = [];
    /// <summary>Whether <paramref name="tensor"/> goes to a file rather than into the graph.</summary>
    public static bool IsExternal(ConstantTensor tensor) => tensor.ElementCount * sizeof(float) >= MinBytes;

    /// <summary>
    /// Makes <paramref name="proto"/> (name, type and dimensions already set) refer to the file
    /// holding <paramref name="tensor"/>'s bytes, writing the file when it is not there yet.
    /// </summary>
    public static void Refer(TensorProto proto, ConstantTensor tensor)
    {
        if (!Names.TryGetValue(tensor.Data, out var name))
            Names.TryAdd(tensor.Data, name = Store(MemoryMarshal.AsBytes(tensor.Data.AsSpan()), s => s.Write(MemoryMarshal.AsBytes(tensor.Data.AsSpan()))));
        Refer(proto, name, tensor.Data.LongLength * sizeof(float));
    }

    /// <summary>
    /// An initializer as it is (an opaque network's), moved to a file when its raw bytes are at
    /// least <see cref="MinBytes"/>: the copy returned refers to the file; otherwise it is returned unchanged.
    /// </summary>
    public static TensorProto Moved(TensorProto initializer)
    {
        var raw = initializer.RawData;
        if (raw.Length < MinBytes || initializer.DataLocation == TensorProto.Types.DataLocation.External) return initializer;
        if (!Names.TryGetValue(raw, out var name))
            Names.TryAdd(raw, name = Store(raw.Span, s => s.Write(raw.Span)));
        var moved = initializer.Clone();
        moved.RawData = Google.Protobuf.ByteString.Empty;
        Refer(moved, name, raw.Length);
        return moved;
    }

    private static void Refer(TensorProto proto, string name, long length)
    {
        proto.DataLocation = TensorProto.Types.DataLocation.External;
        proto.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = name });
        proto.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = "0" });
        proto.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = length.ToString(System.Globalization.CultureInfo.InvariantCulture) });
    }

    /// <summary>The file's name for <paramref name="bytes"/>, written by <paramref name="write"/> (the same bytes, not copied) when missing.</summary>
    private static string Store(ReadOnlySpan<byte> bytes, Action<Stream> write)
    {
        string name = Convert.ToHexStringLower(SHA256.HashData(bytes)) + ".bin";
        string path = Path.Combine(WeightFolder.Path, name);
        // A file of the right length under the content's hash is the content (it was renamed into
        // place whole); another length is a damaged cache, written again.
        var existing = new FileInfo(path);
        if (!existing.Exists || existing.Length != bytes.Length)
            AtomicFile.Write(path, write, durable: false);
        return name;
    }
}
