using Google.Protobuf;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Krypton.Architectures;
using Krypton.Compilation;
using Krypton.Imaging;
using Krypton.Model;
using Krypton.Onnx;
using Krypton.Onnx.Proto;
using Krypton.Runtime;
using Krypton.Spec;

namespace Krypton.Tests;

public sealed class WeightFilesTests
{
    /// <summary>A small network whose second convolution (64→64, 3×3: 147 KB) is large enough for a weight file; seeded so that its files are its own.</summary>
    private static ModelGraph Network(int seed)
    {
        var b = new NetworkBuilder($"weight-files-{seed}", WeightSource.Random(seed), 3, 20, 20);
        string x = b.Relu("relu1", b.Conv("conv1", b.Input, 64, 3, padding: 1));
        x = b.Relu("relu2", b.Conv("conv2", x, 64, 3, padding: 1));
        x = b.Flatten("flatten", b.GlobalAvgPool("pool", x));
        return b.Build(b.Linear("fc", x, 5));
    }

    private static byte[] WithWeightFiles(ModelGraph g)
    {
        var b = new OnnxGraphBuilder(weightFiles: true);
        string input = b.Input(g.InputName, [-1, .. g.InputShape[1..]]);
        string output = OnnxExporter.EmitNodes(g, b, input);
        b.Output(output, [-1, .. g.OutputShape[1..]]);
        return b.Build(g.Name).ToByteArray();
    }

    private static TensorProto RawFloats(string name, int[] shape, float[] data)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(data.AsSpan())) };
        t.Dims.AddRange(shape.Select(d => (long)d));
        return t;
    }

    private static ConstantTensor Conv2Weight(ModelGraph g) => ((Conv)g.Nodes.Single(n => n.Name == "conv2").Op).Weight;

    [Fact]
    public void Large_weights_go_to_files_named_by_their_hash_and_compute_what_the_inline_graph_computes()
    {
        var g = Network(seed: 7101);
        var proto = ModelProto.Parser.ParseFrom(WithWeightFiles(g));

        var external = proto.Graph.Initializer.Where(t => t.DataLocation == TensorProto.Types.DataLocation.External).ToList();
        var weight = Conv2Weight(g);
        var bytes = MemoryMarshal.AsBytes(weight.Data.AsSpan()).ToArray();
        var conv2 = Assert.Single(external, t => t.Dims.SequenceEqual(weight.Shape.Select(d => (long)d)));
        Assert.Empty(conv2.RawData);
        string location = conv2.ExternalData.Single(e => e.Key == "location").Value;
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)) + ".bin", location);
        Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(WeightFolder.Path, location)));
        // Small constants (conv1's 6.9 KB, the biases, fc) stay in the graph.
        Assert.All(proto.Graph.Initializer.Except(external), t => Assert.True(t.RawData.Length < WeightFiles.MinBytes));

        var image = Enumerable.Range(0, 3 * 20 * 20).Select(i => (float)Math.Sin(i * 0.37)).ToArray();
        using var inline = new OnnxSession(OnnxExporter.ToOnnx(g));
        using var filed = new OnnxSession(WithWeightFiles(g));
        var expected = inline.RunSingle(g.InputName, image, [1, 3, 20, 20]).Values;
        var actual = filed.RunSingle(g.InputName, image, [1, 3, 20, 20]).Values;
        Assert.Equal(expected, actual);
        Assert.Contains(expected, v => v != 0);
    }

    [Fact]
    public void A_damaged_weight_file_is_written_again()
    {
        var first = Network(seed: 7102);
        var proto = ModelProto.Parser.ParseFrom(WithWeightFiles(first));
        string location = proto.Graph.Initializer.Single(t => t.DataLocation == TensorProto.Types.DataLocation.External)
            .ExternalData.Single(e => e.Key == "location").Value;
        string path = Path.Combine(WeightFolder.Path, location);
        File.WriteAllBytes(path, new byte[100]);

        // The same weights in another model (a new process would see the same): the file is checked and mended.
        var again = Network(seed: 7102);
        var image = Enumerable.Range(0, 3 * 20 * 20).Select(i => (float)Math.Cos(i * 0.21)).ToArray();
        using var inline = new OnnxSession(OnnxExporter.ToOnnx(again));
        using var filed = new OnnxSession(WithWeightFiles(again));
        Assert.Equal(MemoryMarshal.AsBytes(Conv2Weight(again).Data.AsSpan()).ToArray(), File.ReadAllBytes(path));
        Assert.Equal(inline.RunSingle(again.InputName, image, [1, 3, 20, 20]).Values, filed.RunSingle(again.InputName, image, [1, 3, 20, 20]).Values);
    }

    [Fact]
    public void Session_graphs_carry_no_large_weights_and_exported_models_carry_all()
    {
        var g = Network(seed: 7103);
        var naive = ModelProto.Parser.ParseFrom(NaiveOcclusionGraph.Emit(g, new Size2(4, 4), ValueKind.Probability));
        Assert.Contains(naive.Graph.Initializer, t => t.DataLocation == TensorProto.Types.DataLocation.External);
        Assert.All(naive.Graph.Initializer, t => Assert.True(t.RawData.Length < WeightFiles.MinBytes));
        // A model written for people to keep (the demo's head training writes one) is whole.
        var exported = ModelProto.Parser.ParseFrom(OnnxExporter.ToOnnx(g));
        Assert.DoesNotContain(exported.Graph.Initializer, t => t.DataLocation == TensorProto.Types.DataLocation.External);
    }
    [Fact]
    public void An_opaque_networks_large_constants_go_to_files_too_and_its_map_is_unchanged()
    {
        // Round is outside the closed op set: the whole file runs as one opaque network, its
        // initializers copied as they are; the 48x400 MatMul weight (76.8 KB, raw bytes as PyTorch
        // writes them) moves to a file.
        var rng = new Random(7104);
        var bytes = new OnnxTestModel(13, [1, 3, 4, 4])
            .Node("Round", ["x"], ["r"], "round_layer").Int64s("shape", -1, 48)
            .Node("Reshape", ["r", "shape"], ["f"])
            .Tensor(RawFloats("w", [48, 400], Enumerable.Range(0, 48 * 400).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray()))
            .Node("MatMul", ["f", "w"], ["y"]).Output("y").Bytes();
        var model = OnnxImporter.Parse(bytes, "opaque-weights");
        Assert.NotNull(model.OpaqueReason);
        var naive = ModelProto.Parser.ParseFrom(NaiveOcclusionGraph.Emit(model, new Size2(2, 2), ValueKind.Logit));
        var moved = Assert.Single(naive.Graph.Initializer, t => t.DataLocation == TensorProto.Types.DataLocation.External);
        Assert.Equal([48L, 400L], moved.Dims);

        var image = Enumerable.Range(0, 48).Select(i => 3f * MathF.Sin(i)).ToArray();
        var e = Krypton.Explain.Explainer.Explain(new Krypton.Explain.ExplainRequest(model, image,
            new OcclusionSpec(Size2.Square(2), Size2.Square(1), Fill.Black, Value: ValueKind.Logit), Preprocessing.None));
        using var file = new OnnxSession(bytes);
        for (int cell = 0; cell < e.HeatMap.Length; cell++)
        {
            var patch = e.Grid.PatchAt(cell);
            var copy = (float[])image.Clone();
            for (int ch = 0; ch < 3; ch++)
                for (int r = patch.Y; r < patch.Y + patch.Height; r++)
                    Array.Fill(copy, 0f, (ch * 4 + r) * 4 + patch.X, patch.Width);
            Assert.Equal(file.RunSingle("x", copy, [1, 3, 4, 4]).Values[e.Target], e.HeatMap[cell], 1e-4f);
        }
    }
    [Fact]
    public void Sessions_open_together_and_one_bad_graph_fails_them_all_with_its_own_error()
    {
        var g = Network(seed: 7101);
        var image = Enumerable.Range(0, 3 * 20 * 20).Select(i => (float)Math.Sin(i * 0.37)).ToArray();
        var sessions = OnnxSession.OpenAll([(WithWeightFiles(g), null), (OnnxExporter.ToOnnx(g), null)]);
        try
        {
            Assert.Equal(sessions[1].RunSingle(g.InputName, image, [1, 3, 20, 20]).Values, sessions[0].RunSingle(g.InputName, image, [1, 3, 20, 20]).Values);
        }
        finally
        {
            foreach (var s in sessions) s.Dispose();
        }
        var e = Assert.Throws<KryptonException>(() => OnnxSession.OpenAll([(WithWeightFiles(g), null), ([1, 2, 3], null)]));
        Assert.StartsWith("ONNX Runtime rejected the graph", e.Message);
    }
}
