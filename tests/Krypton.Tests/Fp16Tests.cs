using Krypton.Architectures;
using Krypton.Compilation;
using Krypton.Explain;
using Krypton.Imaging;
using Krypton.Model;
using Krypton.Onnx.Proto;
using Krypton.Planning;
using Krypton.Quality;
using Krypton.Runtime;
using Krypton.Spec;

namespace Krypton.Tests;

/// <summary>
/// The GPU precisions, checked on the CPU: float16 graphs (every convolution on float16 inputs
/// and weights) run here through ONNX Runtime's casts, so exact float16 must give the naive
/// float16 map and both stay close to float32; TF32 is a CUDA session option, refused on a CPU.
/// GpuTests runs both on a GPU.
/// </summary>
public class Fp16Tests
{
    private static readonly Fill Fill = new TensorFill(0.3f);

    [Theory]
    [InlineData("vgg16", 224, 69)]
    [InlineData("resnet18", 224, 52)]
    [InlineData("inception_v3", 299, 70)]
    public void Builtin_exact_fp16_equals_naive_fp16_and_stays_near_fp32(string arch, int size, int stride)
    {
        var (model, input) = ExactVsNaive.Builtin(arch, size, fold: true);
        var spec = new OcclusionSpec(Size2.Square(16), Size2.Square(stride), Fill, Value: ValueKind.Logit);
        var (_, naive) = ExactVsNaive.Check(model, input, spec, $"{arch} fp16", precision: Precision.Fp16);
        var float32 = Explainer.Explain(new ExplainRequest(model, input, spec, Preprocessing.None) { Method = MethodOptions.Naive, Resources = new() { BatchSize = 8 } });
        // float16 keeps 11 bits (about 5e-4 per rounding): the logits move, by well under 1 % of their size.
        double scale = float32.HeatMap.Max(v => Math.Abs(v));
        double worst = float32.HeatMap.Zip(naive.HeatMap, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst > 0, $"{arch}: the fp16 map equals the float32 map: the graph did not run in float16");
        Assert.True(worst < 0.01 * scale, $"{arch}: fp16 map differs from float32 by {worst:g3}, logits up to {scale:g3}");
    }

    [Fact]
    public void Every_convolution_of_the_fp16_graphs_reads_float16()
    {
        var model = BatchNormFolding.Fold(BuiltinModels.Create("resnet18", WeightSource.Random(0), 112));
        int convolutions = model.Nodes.Count(n => n.Op is Conv);
        var patch = Size2.Square(8);
        var plan = Incremental.IncrementalPlan.Build(ScoreHead.Logits(model), patch.Height, patch.Width, 1.0);
        var compiled = IncrementalGraph.Compile(plan, ValueKind.Logit, Precision.Fp16);
        // The float32 reference (the model's own scores choose the target): no int8 scales.
        var reference = ModelProto.Parser.ParseFrom(compiled.CalibrationGraph).Graph;
        Assert.Equal([ScoreHead.LogitsOutput, ScoreHead.ProbabilitiesOutput], reference.Output.Select(o => o.Name));
        Assert.DoesNotContain(reference.Initializer, t => t.DataType == (int)TensorProto.Types.DataType.Float16);
        foreach (var (name, bytes) in new Dictionary<string, byte[]>
                 {
                     ["naive"] = NaiveOcclusionGraph.Emit(model, patch, ValueKind.Logit, Precision.Fp16),
                     ["cache"] = compiled.CacheGraph,
                     ["incremental"] = compiled.IncrementalGraph,
                 })
        {
            var graph = ModelProto.Parser.ParseFrom(bytes).Graph;
            var types = graph.Initializer.ToDictionary(t => t.Name, t => (TensorProto.Types.DataType)t.DataType);
            var convs = graph.Node.Where(n => n.OpType == "Conv").ToList();
            Assert.All(convs, c => Assert.Equal(TensorProto.Types.DataType.Float16, types[c.Input[1]]));
            Assert.DoesNotContain(graph.Node, n => n.OpType is "QLinearConv" or "QuantizeLinear");
            if (name == "incremental") Assert.NotEmpty(convs);
            else Assert.Equal(convolutions, convs.Count);
        }
        // The caches are float16: half the bytes of float32.
        var fp32 = IncrementalGraph.Compile(plan, ValueKind.Logit, Precision.Fp32);
        Assert.True(compiled.BytesPerPosition < 0.75 * fp32.BytesPerPosition, $"{compiled.BytesPerPosition} vs {fp32.BytesPerPosition}");
    }

    [Fact]
    public void Tf32_is_a_cuda_session_option_and_refused_on_a_cpu()
    {
        var model = BuiltinModels.Create("resnet18", WeightSource.Random(0), 64);
        var request = new ExplainRequest(model, ExactVsNaive.Input(model, 1), new OcclusionSpec(Size2.Square(16), Size2.Square(16), Fill), Preprocessing.None)
            { Method = new(Precision: Precision.Tf32) };
        using var engine = new OcclusionEngine();
        var e = Assert.Throws<KryptonException>(() => engine.Plan(request));
        Assert.Contains("precision tf32 is TensorFloat-32, a CUDA GPU's arithmetic; this run is on cpu", e.Message);
        Assert.True(ExecutionOptions.Default.For(Precision.Tf32).Tf32);
        Assert.False(ExecutionOptions.Default.For(Precision.Fp16).Tf32);
        Assert.Equal([Precision.Fp32, Precision.Int8], Tuning.TuneOptions.DefaultPrecisions(cuda: false));
        Assert.Equal([Precision.Fp32, Precision.Tf32, Precision.Fp16], Tuning.TuneOptions.DefaultPrecisions(cuda: true));
        Assert.Contains("tf32", Assert.Throws<KryptonException>(() => new Tuning.TuneOptions(Precisions: [Precision.Tf32]).Check(4)).Message);
    }
}
