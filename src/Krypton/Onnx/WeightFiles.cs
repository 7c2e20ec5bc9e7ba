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
/// (<see cref="Folder"/>), and the graphs that sessions run refer to it as ONNX external data. So
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

    private static readonly ConditionalWeakTable<float[], string> Names = [];
    /// <summary>Where the weight files are (<see cref="WeightFolder.Path"/>).</summary>
    public static string Folder => WeightFolder.Path;

    /// <summary>Whether <paramref name="tensor"/> goes to a file rather than into the graph.</summary>
    public static bool IsExternal(ConstantTensor tensor) => tensor.ElementCount * sizeof(float) >= MinBytes;

    /// <summary>
    /// Makes <paramref name="proto"/> (name, type and dimensions already set) refer to the file
    /// holding <paramref name="tensor"/>'s bytes, writing the file when it is not there yet.
    /// </summary>
    public static void Refer(TensorProto proto, ConstantTensor tensor)
    {
        string name = Names.GetValue(tensor.Data, Store);
        proto.DataLocation = TensorProto.Types.DataLocation.External;
        proto.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = name });
        proto.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = "0" });
        proto.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = (tensor.Data.LongLength * sizeof(float)).ToString(System.Globalization.CultureInfo.InvariantCulture) });
    }

    private static string Store(float[] data)
    {
        var bytes = MemoryMarshal.AsBytes(data.AsSpan());
        string name = Convert.ToHexStringLower(SHA256.HashData(bytes)) + ".f32";
        string path = Path.Combine(Folder, name);
        // A file of the right length under the content's hash is the content (it was renamed into
        // place whole); another length is a damaged cache, written again.
        var existing = new FileInfo(path);
        if (!existing.Exists || existing.Length != bytes.Length)
            AtomicFile.Write(path, s => s.Write(MemoryMarshal.AsBytes(data.AsSpan())), durable: false);
        return name;
    }
}
