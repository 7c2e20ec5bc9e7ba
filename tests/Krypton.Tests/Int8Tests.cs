using Krypton.Architectures;
using Krypton.Compilation;
using Krypton.Explain;
using Krypton.Imaging;
using Krypton.Model;
using Krypton.Onnx;
using Krypton.Planning;
using Krypton.Spec;

namespace Krypton.Tests;

/// <summary>
/// int8 precision: exact int8 gives the naive int8 map (the same scales at every position), on
/// the networks the float exact-mode tests cover (ExactModeTests runs its pooling, padding,
/// border and fallback cases in both precisions).
/// </summary>
public class Int8Tests
{
    private static readonly Fill Fill = new TensorFill(0.3f);

    [Theory]
    [InlineData("vgg16", 224, 69)]
    [InlineData("resnet18", 224, 52)]
    [InlineData("inception_v3", 299, 70)]
    public void Builtin_exact_int8_equals_naive_int8(string arch, int size, int stride)
    {
        var (model, input) = ExactVsNaive.Builtin(arch, size, fold: true);
        var spec = new OcclusionSpec(Size2.Square(16), Size2.Square(stride), Fill, Value: ValueKind.Logit);
        ExactVsNaive.Check(model, input, spec, $"{arch} int8", precision: Precision.Int8);
    }

    [Theory]
    [MemberData(nameof(ExactModeZooTests.Models), MemberType = typeof(ExactModeZooTests))]
    public void Pytorch_export_exact_int8_equals_naive_int8(string file, int patchH, int patchW, int strideH, int strideW)
    {
        var model = BatchNormFolding.Fold(OnnxImporter.Load(TestFiles.Path_(file)));
        var input = ExactVsNaive.Input(model, file.Length);
        var patch = new Size2(patchH, patchW);
        var spec = new OcclusionSpec(patch, new Size2(strideH, strideW), Fill, Value: ValueKind.Logit);
        var (_, naive) = ExactVsNaive.Check(model, input, spec, file, batch: 16, precision: Precision.Int8);
        ExactVsNaive.Check(model, input, ExactVsNaive.Corner(model, patch, Fill, naive.Target, reach: 3), file + " corner", batch: 16, precision: Precision.Int8);
    }
}

/// <summary>
/// A reduced precision explains the class the model itself predicts: on this demo image the int8
/// model ranks Coat first (45.6 % against T-shirt/top's 17.3 %), the float32 model T-shirt/top
/// (32.3 %, Coat 31.9 %); the int8 map must be T-shirt/top's, as the float32 one is.
/// </summary>
public class ReducedPrecisionTargetTests
{
    [Fact]
    public void The_float32_model_chooses_the_target_of_an_int8_map()
    {
        string image = Path.Combine(AppContext.BaseDirectory, "samples", "fashion-mnist-tuning", "t10k-00046-pullover.png");
        Explanation Run(Precision precision, OcclusionMode mode) => Jobs.ExplainJobRunner.Run(Jobs.ExplainJobRunner.Prepare(
            new Jobs.ExplainJob(Jobs.ModelSource.Demo, image, new OcclusionSpec(Size2.Square(16), Size2.Square(52), Spec.Fill.Gray))
            { Method = new(mode, Precision: precision) })).Explanation;
        var float32 = Run(Precision.Fp32, OcclusionMode.Exact);
        Assert.Equal(float32.TopClasses[0].Index, float32.Target);
        foreach (var mode in new[] { OcclusionMode.Exact, OcclusionMode.Naive })
        {
            var int8 = Run(Precision.Int8, mode);
            Assert.NotEqual(float32.Target, int8.TopClasses[0].Index);   // the int8 model's own first class differs
            Assert.Equal(float32.Target, int8.Target);
        }
    }
}

/// <summary>
/// ONNX Runtime runs every convolution of an int8 graph as QLinearConv: its own optimized model
/// (SessionOptions.OptimizedModelFilePath, after every graph transformation) holds no float
/// convolution, for the naive, cache and incremental graphs.
/// </summary>
public class Int8OptimizedGraphTests
{
    [Theory]
    [InlineData("resnet18", 112)]
    [InlineData("inception_v3", 299)]
    [InlineData("zoo_mobilenet_v2.onnx", 0)]
    [InlineData("zoo_densenet.onnx", 0)]
    public void Every_convolution_runs_as_QLinearConv(string source, int size)
    {
        var model = BatchNormFolding.Fold(source.EndsWith(".onnx", StringComparison.Ordinal)
            ? OnnxImporter.Load(TestFiles.Path_(source))
            : BuiltinModels.Create(source, WeightSource.Random(0), size));
        int convolutions = model.Nodes.Count(n => n.Op is Conv);
        int batchNorms = model.Nodes.Count(n => n.Op is BatchNorm);
        var patch = Size2.Square(8);
        var plan = Incremental.IncrementalPlan.Build(ScoreHead.Logits(model), patch.Height, patch.Width, 1.0);
        var compiled = IncrementalGraph.Compile(plan, ValueKind.Logit, Precision.Int8);
        var graphs = new Dictionary<string, byte[]>
        {
            ["naive"] = NaiveOcclusionGraph.Emit(model, patch, ValueKind.Logit, Precision.Int8),
            ["cache"] = compiled.CacheGraph,
            ["incremental"] = compiled.IncrementalGraph,
        };
        foreach (var (name, graph) in graphs)
        {
            var ops = OptimizedOps(graph);
            // ONNX Runtime runs a batch norm that no convolution absorbed (DenseNet's, before its
            // convolutions) as a 1x1 depthwise float convolution: those are the only float ones allowed.
            int floats = ops.Count(o => o.Contains("Conv", StringComparison.Ordinal) && !o.EndsWith("QLinearConv", StringComparison.Ordinal));
            Assert.True(floats <= batchNorms, $"{source} {name}: {floats} float convolutions are left ({batchNorms} batch norms): {string.Join(", ", ops.Where(o => o.Contains("Conv", StringComparison.Ordinal)).Distinct())}");
            int quantized = ops.Count(o => o.EndsWith("QLinearConv", StringComparison.Ordinal));
            if (name == "incremental")
                Assert.True(quantized > 0, $"{source}: the incremental graph has no QLinearConv");
            else
                Assert.True(quantized == convolutions, $"{source} {name}: {quantized} QLinearConv for {convolutions} convolutions");
        }
    }

    /// <summary>The op types (domain-qualified) of the model ONNX Runtime optimized from <paramref name="graph"/>.</summary>
    private static List<string> OptimizedOps(byte[] graph)
    {
        string path = Path.Combine(Path.GetTempPath(), $"krypton-int8-{Guid.NewGuid():N}.onnx");
        try
        {
            using (var options = new Microsoft.ML.OnnxRuntime.SessionOptions
                   { GraphOptimizationLevel = Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_ALL, OptimizedModelFilePath = path, IntraOpNumThreads = 1 })
            {
                // The graph's large weights are in weight files, as for OnnxSession.
                options.AddSessionConfigEntry(Runtime.WeightFolder.SessionConfigKey, Runtime.WeightFolder.Path);
                using (new Microsoft.ML.OnnxRuntime.InferenceSession(graph, options)) { }
            }
            var optimized = Onnx.Proto.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
            return optimized.Graph.Node.Select(n => (n.Domain.Length > 0 ? n.Domain + "." : "") + n.OpType).ToList();
        }
        finally
        {
            File.Delete(path);
        }
    }
}
