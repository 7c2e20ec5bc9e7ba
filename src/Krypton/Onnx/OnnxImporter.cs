using Google.Protobuf;
using Krypton.Model;
using Krypton.Onnx.Import;
using Krypton.Onnx.Proto;

namespace Krypton.Onnx;

/// <summary>Reads an ONNX file (opsets 7 to 18) into a <see cref="ModelGraph"/>.</summary>
public static class OnnxImporter
{
    /// <summary>Loads an ONNX file.</summary>
    /// <param name="path">The .onnx file.</param>
    /// <param name="imageSize">Height and width to use when the file leaves them symbolic (default 224).</param>
    /// <param name="opaque">
    /// When the closed op set cannot express the model (<see cref="UnsupportedOperatorException"/>),
    /// read it as one <see cref="OpaqueNetwork"/> that runs naively (the default); false throws instead.
    /// </param>
    public static ModelGraph Load(string path, (int Height, int Width)? imageSize = null, bool opaque = true)
        => LoadWithMetadata(path, imageSize, opaque).Graph;

    /// <summary>Loads an ONNX file as <see cref="Load"/> does, with the file's metadata (ModelProto.metadata_props: key to value).</summary>
    public static (ModelGraph Graph, IReadOnlyDictionary<string, string> Metadata) LoadWithMetadata(string path, (int Height, int Width)? imageSize = null, bool opaque = true)
    {
        if (!File.Exists(path))
            throw new KryptonException($"model file not found: {path}");
        string name = Path.GetFileNameWithoutExtension(path);
        var model = ParseModel(File.ReadAllBytes(path), name);
        var metadata = new Dictionary<string, string>();
        foreach (var entry in model.MetadataProps)
            metadata.TryAdd(entry.Key, entry.Value);
        return (Read(model, name, imageSize, opaque), metadata);
    }

    /// <summary>Parses ONNX bytes (parameters as <see cref="Load"/>).</summary>
    public static ModelGraph Parse(byte[] bytes, string name = "model", (int Height, int Width)? imageSize = null, bool opaque = true) =>
        Read(ParseModel(bytes, name), name, imageSize, opaque);

    private static ModelProto ParseModel(byte[] bytes, string name)
    {
        try { return ModelProto.Parser.ParseFrom(bytes); }
        catch (InvalidProtocolBufferException e)
        {
            throw new KryptonException($"'{name}' is not a valid ONNX file ({e.Message.TrimEnd('.')})");
        }
    }

    private static ModelGraph Read(ModelProto model, string name, (int Height, int Width)? imageSize, bool opaque)
    {
        if (model.Graph is null || model.Graph.Node.Count == 0)
            throw new KryptonException($"'{name}' is not a valid ONNX file (it holds no graph)");
        int opset = model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => (int)o.Version).DefaultIfEmpty(0).Max();
        if (opset == 0)
            throw new KryptonException($"'{name}' does not import the standard ONNX operator set");
        // The reader never changes the graph it reads: an opaque network gets it as written.
        var reader = new GraphReader(model, opset, name, imageSize);
        try { return reader.Read(); }
        catch (UnsupportedOperatorException e) when (opaque)
        {
            // Naive occlusion needs no reasoning about the network: run it as it is.
            return OpaqueImport.Read(model, opset, name, imageSize, reader.ChannelsLastInput, e.Message);
        }
    }

    /// <summary>
    /// The model's input as N×C×H×W. A channels-last input (N×H×W×C, as TensorFlow and Keras
    /// export) is read channels-first when <paramref name="channelsLast"/>: its Transpose is dropped.
    /// </summary>
    internal static int[] InputShape(ValueInfoProto input, bool channelsLast, (int Height, int Width)? imageSize)
    {
        var tt = input.Type?.TensorType;
        if (tt is null || tt.ElemType != (int)TensorProto.Types.DataType.Float)
            throw new KryptonException($"model input '{input.Name}' is not a float32 tensor");
        var dims = tt.Shape?.Dim.ToList() ?? [];
        if (dims.Count != 4)
            throw new KryptonException($"model input '{input.Name}' has rank {dims.Count}: an image model needs a spatial input N×C×H×W");
        int Dim(int i, int fallback) => dims[i].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && dims[i].DimValue > 0 ? (int)dims[i].DimValue : fallback;
        var (ci, hi, wi) = channelsLast ? (3, 1, 2) : (1, 2, 3);
        int c = Dim(ci, -1);
        if (c < 0)
            throw new KryptonException($"model input '{input.Name}' leaves the channel count symbolic");
        if (!channelsLast && Dim(3, 0) is 1 or 3 or 4 && c > 4)
            throw new KryptonException($"model input '{input.Name}' looks channels-last ({string.Join("x", dims.Skip(1).Select(d => d.DimValue))}) but no Transpose to channels-first follows it: "
                + "Krypton reads N×C×H×W inputs, and channels-last ones that a Transpose (perm 0,3,1,2) turns channels-first, with only constant arithmetic before it");
        return [1, c, Dim(hi, imageSize?.Height ?? 224), Dim(wi, imageSize?.Width ?? 224)];
    }
}
