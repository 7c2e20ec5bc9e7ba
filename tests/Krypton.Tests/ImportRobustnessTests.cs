using System.Diagnostics;
using Google.Protobuf;
using Krypton.Explain;
using Krypton.Imaging;
using Krypton.Model;
using Krypton.Onnx;
using Krypton.Onnx.Proto;
using Krypton.Planning;
using Krypton.Spec;
using Xunit.Abstractions;

namespace Krypton.Tests;

/// <summary>
/// Import never reaches an internal error: broken ONNX files (the test zoo and small graphs,
/// each broken by one <see cref="Mutation"/>) and random small graphs either load, plan and
/// explain, or are refused with a <see cref="KryptonException"/> of one line.
/// </summary>
public class ImportRobustnessTests(ITestOutputHelper output)
{
    private const int Cases = 1200;

    /// <summary>Small graphs beside the zoo: a CNN, Captum's BasicModel3 pattern, shape arithmetic, a channels-last input.</summary>
    private static IEnumerable<(string Name, byte[] Bytes)> SmallGraphs()
    {
        var r = new Random(3);
        float[] F(int n) => Enumerable.Range(0, n).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();
        yield return ("cnn", new OnnxTestModel(13, [1, 2, 6, 6])
            .Floats("w", [3, 2, 3, 3], F(54)).Floats("b", [3], F(3))
            .Floats("scale", [3], F(3)).Floats("bias", [3], F(3)).Floats("mean", [3], F(3)).Floats("var", [3], [1f, 2f, 0.5f])
            .Floats("d", [4, 3], F(12))
            .Node("Conv", ["x", "w", "b"], ["c"], attrs: [OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("pads", 1, 1, 1, 1)])
            .Node("BatchNormalization", ["c", "scale", "bias", "mean", "var"], ["n"])
            .Node("Relu", ["n"], ["a"])
            .Node("MaxPool", ["a"], ["p"], attrs: [OnnxAttr.Ints("kernel_shape", 2, 2), OnnxAttr.Ints("strides", 2, 2)])
            .Node("GlobalAveragePool", ["p"], ["g"]).Node("Flatten", ["g"], ["f"])
            .Node("Gemm", ["f", "d"], ["y"], attrs: OnnxAttr.Int("transB", 1)).Output("y").Bytes());
        yield return ("basic-model-3", ConstantFoldingTests.BasicModel3());
        yield return ("view", new OnnxTestModel(13, [1, 2, 4, 4])
            .Floats("w", [3, 2, 3, 3], F(54)).Floats("d", [5, 48], F(240))
            .Tensor(new TensorProto { Name = "zero", DataType = (int)TensorProto.Types.DataType.Int64, Int64Data = { 0 } })
            .Int64s("minus1", -1).Int64s("axes0", 0)
            .Node("Conv", ["x", "w"], ["c"], attrs: [OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("pads", 1, 1, 1, 1)])
            .Node("Shape", ["c"], ["s"]).Node("Gather", ["s", "zero"], ["n"], attrs: OnnxAttr.Int("axis", 0))
            .Node("Unsqueeze", ["n", "axes0"], ["n1"]).Node("Concat", ["n1", "minus1"], ["target"], attrs: OnnxAttr.Int("axis", 0))
            .Node("Reshape", ["c", "target"], ["f"])
            .Node("Gemm", ["f", "d"], ["y"], attrs: OnnxAttr.Int("transB", 1)).Output("y").Bytes());
        yield return ("channels-last", new OnnxTestModel(13, [1, 5, 6, 3])
            .Floats("scale", [], [2f]).Floats("w", [4, 3, 3, 3], F(108)).Floats("dense", [4, 5], F(20))
            .Node("Mul", ["x", "scale"], ["scaled"])
            .Node("Transpose", ["scaled"], ["nchw"], attrs: OnnxAttr.Ints("perm", 0, 3, 1, 2))
            .Node("Conv", ["nchw", "w"], ["c"], attrs: OnnxAttr.Ints("kernel_shape", 3, 3))
            .Node("Transpose", ["c"], ["nhwc"], attrs: OnnxAttr.Ints("perm", 0, 2, 3, 1))
            .Node("Relu", ["nhwc"], ["a"])
            .Node("ReduceMean", ["a"], ["p"], attrs: [OnnxAttr.Ints("axes", 1, 2), OnnxAttr.Int("keepdims", 0)])
            .Node("MatMul", ["p", "dense"], ["y"]).Output("y").Bytes());
    }

    private static IEnumerable<(string Name, byte[] Bytes)> ZooFiles() =>
        Directory.GetFiles(TestFiles.Dir, "*.onnx").Where(f => Path.GetFileName(f).StartsWith("zoo_") || Path.GetFileName(f).StartsWith("tiny_"))
            .Order().Select(f => (Path.GetFileNameWithoutExtension(f), File.ReadAllBytes(f)));

    [Fact]
    public void Broken_and_random_models_load_or_are_refused_in_one_line()
    {
        var seeds = SmallGraphs().Concat(ZooFiles()).Select(s => (s.Name, Model: ModelProto.Parser.ParseFrom(s.Bytes))).ToList();
        // Each mutation breaks one thing of a model that works.
        foreach (var (name, model) in seeds)
            Explain(OnnxImporter.Parse(model.ToByteArray(), name, imageSize: (8, 8)));
        var mutations = Enum.GetValues<Mutation>();
        var failures = new List<(string Case, Exception Error)>();
        var outcomes = new Dictionary<string, int>();
        var clock = Stopwatch.StartNew();
        var r = new Random(14);
        for (int k = 0; k < Cases; k++)
        {
            string description;
            byte[] bytes;
            if (k % 3 == 2)
            {
                description = $"random graph #{k}";
                bytes = RandomOnnxGraphs.Make(r);
            }
            else
            {
                var (name, model) = seeds[r.Next(seeds.Count)];
                var mutation = mutations[r.Next(mutations.Length)];
                description = $"#{k}: {name}, {mutation}";
                bytes = OnnxMutations.Apply(model, mutation, r);
            }
            string outcome = Outcome(bytes, opaque: r.Next(4) != 0, description, failures);
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }
        output.WriteLine($"{Cases} cases in {clock.Elapsed.TotalSeconds:F1} s: {string.Join(", ", outcomes.Select(o => $"{o.Key} {o.Value}"))}");
        var groups = failures.GroupBy(f => $"{f.Error.GetType().Name} at {Where(f.Error)}").ToList();
        foreach (var group in groups)
            output.WriteLine($"{group.Key} ({group.Count()}x), e.g. {group.First().Case}: {group.First().Error.Message}\n{group.First().Error.StackTrace}\n");
        Assert.True(failures.Count == 0, string.Join("\n", groups.Select(g => $"{g.Key} ({g.Count()}x), e.g. {g.First().Case}: {g.First().Error.Message}")));
    }

    private static OnnxTestModel Net(string op = "Relu", params AttributeProto[] attrs) =>
        new OnnxTestModel(13, [1, 3, 8, 8]).Floats("w", [2, 3, 3, 3], new float[54]).Floats("b", [2], [0.1f, 0.2f])
            .Node(op, op == "Conv" ? ["x", "w", "b"] : ["x"], ["a"], "first", attrs);

    /// <summary>Files the property test once crashed on, each refused with the message that names its node and its problem.</summary>
    public static TheoryData<string, byte[], string> BrokenFiles() => new()
    {
        { "stride 0", Net("Conv", OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("strides", 0, 1)).Output("a").Bytes(),
            "node 'first' (Conv) has kernel 3x3, strides 0,1, dilations 1,1 and pads 0,0,0,0: kernel, strides and dilations must be positive, pads not negative" },
        { "a node reads a later output", Net().Node("Relu", ["c"], ["b"], "early").Node("Relu", ["a"], ["c"], "late").Output("b").Bytes(),
            "node 'early' (Relu) reads 'c' before the node that writes it: the nodes are not in topological order, or form a cycle" },
        { "a node reads its own output", Net().Node("Add", ["a", "c"], ["c"], "loop").Output("c").Bytes(),
            "node 'loop' (Add) reads 'c' before the node that writes it" },
        { "two nodes write one value", Net().Node("Relu", ["a"], ["a"], "again").Output("a").Bytes(),
            "node 'again' (Relu) writes 'a', which node 'first' (Relu) writes too" },
        { "a node writes the input", Net().Node("Relu", ["a"], ["x"], "overwrite").Output("x").Bytes(),
            "node 'overwrite' (Relu) writes 'x', which is the name of the graph's input" },
        { "a node writes nothing", Net().Node("Relu", ["a"], [], "silent").Output("a").Bytes(), "node 'silent' (Relu) writes no output" },
        { "a node reads what nothing defines", Net().Node("Add", ["a", "nowhere"], ["y"], "dangling").Output("y").Bytes(),
            "node 'dangling' (Add) reads 'nowhere', which no node, input or initializer of the graph defines" },
        { "a tensor short of values", Net().Tensor(OnnxTestTensors.FloatTensor("short", [3], [1f, 2f])).Node("Add", ["a", "short"], ["y"]).Output("y").Bytes(),
            "tensor 'short' holds 2 values where its shape [3] needs 3" },
        { "an integer constant in float arithmetic", Net().Int64s("k", 2).Node("Add", ["a", "k"], ["y"], "add").Output("y").Bytes(),
            "Add node 'add' reads an integer constant; Add takes two float tensors" },
        { "a dense layer's weight that is no matrix", Net().Node("Flatten", ["a"], ["f"]).Node("Gemm", ["f", "b"], ["y"], "dense").Output("y").Bytes(),
            "node 'dense' (Gemm): Gemm's weight [2] is not a matrix" },
        { "a shape index out of range", Net().Int64s("seven", 7).Node("Shape", ["a"], ["s"]).Node("Gather", ["s", "seven"], ["n"], "pick")
            .Node("Reshape", ["a", "n"], ["y"]).Output("y").Bytes(), "Gather node 'pick' takes element 7 of a shape of 4" },
        { "an output that is the input", Net().Output("x").Bytes(), "model 'broken' computes nothing: its output 'x' is its input" },
        { "a Constant without a value", Net().Node("Constant", [], ["k"], "konst").Node("Mul", ["a", "k"], ["y"]).Output("y").Bytes(),
            "'broken' computes constants that ONNX Runtime cannot evaluate: ConstantNodeProtoToTensorProto Constant node: konst has no data attributes" },
    };

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public void A_broken_file_is_refused_in_one_line_naming_the_node_and_the_problem(string problem, byte[] bytes, string message)
    {
        var e = Assert.ThrowsAny<KryptonException>(() => OnnxImporter.Parse(bytes, "broken"));
        Assert.True(e.Message.Contains(message, StringComparison.Ordinal), $"{problem}: {e.Message}");
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_model_of_one_activation_falls_back_to_naive_when_exact_is_asked()
    {
        // Its logits are the image itself (the sigmoid is the scores' function): no layer to run incrementally.
        var g = OnnxImporter.Parse(new OnnxTestModel(13, [1, 1, 4, 4]).Node("Sigmoid", ["x"], ["y"]).Output("y").Bytes(), "sigmoid");
        ExactVsNaive.Check(g, ExactVsNaive.Input(g, 2), new OcclusionSpec(Size2.Square(2), Size2.Square(1), new TensorFill(0f), Value: ValueKind.Logit),
            "sigmoid", expectFallback: true);
    }

    private static byte[] FlattenTimes(int[] constant) => new OnnxTestModel(13, [1, 2, 3, 3])
        .Floats("k", constant, Enumerable.Range(1, constant.Aggregate(1, (p, d) => p * d)).Select(v => (float)v).ToArray())
        .Node("Flatten", ["x"], ["f"]).Node("Mul", ["f", "k"], ["y"], "spread").Output("y").Bytes();

    [Fact]
    public void A_constant_that_broadcasts_over_the_batch_axis_is_left_to_ONNX_Runtime()
    {
        // [N, 18] × [1, 1, 18] is [1, N, 18]: the batch moves to the second axis, which the op set cannot say.
        var moved = FlattenTimes([1, 1, 18]);
        var e = Assert.Throws<UnsupportedOperatorException>(() => OnnxImporter.Parse(moved, "spread", opaque: false));
        Assert.Equal("unsupported operator 'Mul that broadcasts over the batch axis' at node 'spread'", e.Message);
        var g = OnnxImporter.Parse(moved, "spread");
        Assert.NotNull(g.OpaqueReason);
        Assert.Equal(1, g.MaxBatch);
        // [N, 18] × [4, 1, 1] is [4, N, 18]: no output of one image to read at all.
        var multiplied = Assert.ThrowsAny<KryptonException>(() => OnnxImporter.Parse(FlattenTimes([4, 1, 1]), "spread"));
        Assert.EndsWith("its output 'y' has shape [4,1,18] for one image, whose first axis is not the batch", multiplied.Message);
    }

    [Fact]
    public void The_command_line_refuses_broken_files_in_one_line_and_writes_nothing()
    {
        var dir = Directory.CreateTempSubdirectory("krypton-broken-").FullName;
        try
        {
            string image = CliTests.GoldenImageNpy(dir);
            var tiny = ModelProto.Parser.ParseFrom(File.ReadAllBytes(TestFiles.TinyMixed));
            var r = new Random(5);
            var files = new[] { Mutation.ReadsLaterOutput, Mutation.DuplicateOutput, Mutation.DropOutputs, Mutation.UnknownInput, Mutation.InitializerData }
                .Select(m => (Name: m.ToString(), Bytes: OnnxMutations.Apply(tiny, m, r)))
                .Concat(BrokenFiles().Select(row => ((string)row[0], (byte[])row[1])).Where(f => f.Item1 is "stride 0" or "a Constant without a value"));
            foreach (var (name, bytes) in files)
            {
                string model = Path.Combine(dir, "broken.onnx"), output = Path.Combine(dir, "out");
                File.WriteAllBytes(model, bytes);
                var (code, _, stderr) = CliTests.Krypton("explain", "--model", model, "--input", image, "--out", output, "--quiet");
                var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                Assert.True(code == 2, $"{name}: exit code {code}: {stderr}");
                Assert.True(lines is [var line] && line.StartsWith("krypton: error: ", StringComparison.Ordinal), $"{name}: {stderr}");
                Assert.DoesNotContain("internal error", stderr);
                Assert.False(Path.Exists(output), $"{name}: an output was written");
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>Loads and explains one file: "explained" or "refused", any other exception recorded as a failure.</summary>
    private static string Outcome(byte[] bytes, bool opaque, string description, List<(string, Exception)> failures)
    {
        try
        {
            Explain(OnnxImporter.Parse(bytes, "case", imageSize: (8, 8), opaque: opaque));
            return "explained";
        }
        catch (KryptonException e)
        {
            if (e.Message.Contains('\n') || e.Message.Contains('\r'))
                failures.Add((description, new InvalidOperationException($"a message of several lines: {e.Message}", e)));
            return "refused";
        }
        catch (Exception e)
        {
            failures.Add((description, e));
            return "crashed";
        }
    }

    /// <summary>Plans and explains two positions, naively and exactly.</summary>
    private static void Explain(ModelGraph model)
    {
        var input = ExactVsNaive.Input(model, 1);
        var patch = new Size2(Math.Min(2, model.Height), Math.Min(2, model.Width));
        var spec = new OcclusionSpec(patch, Size2.Square(1), new TensorFill(0.1f), Value: ValueKind.Logit,
            Positions: [(0, 0), (model.Height - patch.Height, model.Width - patch.Width)]);
        foreach (var mode in new[] { OcclusionMode.Naive, OcclusionMode.Exact })
            Explainer.Explain(new ExplainRequest(model, input, spec, Preprocessing.None) { Method = new(mode), Resources = new() { BatchSize = Math.Min(2, model.MaxBatch) } });
    }

    private static string Where(Exception e) =>
        new StackTrace(e).GetFrames().Select(f => f.GetMethod()).FirstOrDefault(m => m?.DeclaringType?.Namespace?.StartsWith("Krypton") == true) is { } m
            ? $"{m.DeclaringType!.Name}.{m.Name}" : "?";
}
