using Krypton.Architectures;
using Krypton.Imaging;
using Krypton.Onnx;
using Krypton.Quality;
using Krypton.Explain;
using Krypton.Planning;
using Krypton.Runtime;
using Krypton.Spec;

namespace Krypton.Tests;

/// <summary>Whether this build and machine can run ONNX Runtime's CUDA provider, and if not, why.</summary>
internal static class Cuda
{
    public static readonly ExecutionOptions Device = new(Device: Krypton.Runtime.Device.Cuda(0));

    /// <summary>Null when a CUDA session opens; otherwise the one-line reason.</summary>
    public static readonly string? Unavailable = Probe();

    private static string? Probe()
    {
        try
        {
            using var session = new OnnxSession(OnnxExporter.ToOnnx(OnnxImporter.Load(TestFiles.TinyMixed)), Device);
            return null;
        }
        catch (KryptonException e) { return e.Message; }
    }
}

/// <summary>
/// A fact that needs a GPU with ONNX Runtime's CUDA provider; skipped elsewhere, with the reason in
/// its name too, since the test runner's summary lists skipped tests by name only.
/// </summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute([System.Runtime.CompilerServices.CallerMemberName] string test = "")
    {
        if (Cuda.Unavailable is { } reason)
        {
            Skip = $"no CUDA here: {reason}";
            DisplayName = $"{test} (skipped: no CUDA provider or GPU here; build with -p:KryptonGpu=true on a CUDA 13 host)";
        }
    }
}

/// <summary>
/// Every mode on the GPU (ONNX Runtime's CUDA provider) gives CPU naive's heat map; a CPU build
/// asked for CUDA says so in one line. The GPU facts run where CUDA is (tools/gpu-check.sh runs the
/// same comparisons on a GPU host with the benchmark's --verify).
/// </summary>
public class GpuTests
{
    [Theory]
    [InlineData("cpu", "cpu")]
    [InlineData("CUDA", "cuda:0")]
    [InlineData("cuda:1", "cuda:1")]
    public void Devices_parse(string text, string device) => Assert.Equal(device, Device.Parse(text).ToString());

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:x")]
    [InlineData("cuda:-1")]
    public void Unknown_devices_are_refused(string text) =>
        Assert.Contains("is not cpu, cuda or cuda:N", Assert.Throws<KryptonException>(() => Device.Parse(text)).Message);

    [Fact]
    public void Cuda_on_a_build_without_it_is_one_line_and_with_it_runs()
    {
        var (code, stdout, stderr) = CliTests.Krypton("explain", "--model", TestFiles.TinyMixed, "--input", Path.Combine(AppContext.BaseDirectory, "samples", "fashion-mnist", "t10k-00000-ankle-boot.png"),
            "--patch", "8", "--stride", "8", "--device", "cuda", "--quiet", "--out", Path.Combine(Path.GetTempPath(), $"krypton-gpu-{Guid.NewGuid():N}"));
        if (Cuda.Unavailable is null)
        {
            Assert.True(code == 0, stderr);
            Assert.Contains("positions in", stdout);
        }
        else
        {
            Assert.Equal(2, code);
            var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("krypton:", StringComparison.Ordinal));
            Assert.DoesNotContain("   at ", stderr);
            Assert.StartsWith("krypton: error: CUDA was asked for (device cuda:0) but is not available", line);
            Assert.Contains("-p:KryptonGpu=true", line);   // this test project builds the CPU provider
        }
    }

    [Theory]
    [InlineData(0, null, "0")]
    [InlineData(1, "", "1")]
    [InlineData(0, "3,1", "3")]
    [InlineData(1, " 3, 1 ", "1")]
    [InlineData(0, "GPU-8f2a", "GPU-8f2a")]
    [InlineData(2, "3,1", "2")]
    public void Free_memory_is_asked_of_the_gpu_cuda_means(int device, string? visible, string smi) =>
        Assert.Equal(smi, MemoryBudget.SmiDevice(device, visible));

    [Fact]
    public void Profiles_go_where_the_prefix_says()
    {
        string dir = Directory.CreateTempSubdirectory("krypton-profile-").FullName;
        try
        {
            var model = OnnxImporter.Load(TestFiles.TinyMixed);
            using (var session = new OnnxSession(OnnxExporter.ToOnnx(model), new ExecutionOptions(1, ProfilePrefix: Path.Combine(dir, "run"))))
                session.RunSingle(model.InputName, ExactVsNaive.Input(model, 1), [1, model.Channels, model.Height, model.Width]);
            var file = Assert.Single(Directory.GetFiles(dir));
            Assert.StartsWith("run_", Path.GetFileName(file));
            Assert.Contains("\"dur\"", File.ReadAllText(file));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Caches_are_kept_in_host_memory_on_the_cpu() => AssertCachesLiveOn(ExecutionOptions.Default, "Cpu");

    [CudaFact]
    public void Caches_stay_in_gpu_memory_under_cuda() => AssertCachesLiveOn(Cuda.Device, "Cuda");

    private static void AssertCachesLiveOn(ExecutionOptions options, string memory)
    {
        var model = OnnxImporter.Load(TestFiles.TinyMixed);
        var spec = new OcclusionSpec(Size2.Square(8), Size2.Square(8), new TensorFill(0f));
        var input = ExactVsNaive.Input(model, 1);
        Assert.Equal(memory, Explainer.Explain(new ExplainRequest(model, input, spec, Preprocessing.None) { Resources = new() { Execution = options } }).CacheMemory);
        Assert.Null(Explainer.Explain(new ExplainRequest(model, input, spec, Preprocessing.None) { Method = new(OcclusionMode.Naive), Resources = new() { Execution = options } }).CacheMemory);
    }

    [CudaFact]
    public void Naive_exact_and_approximate_on_the_gpu_equal_the_cpu()
    {
        foreach (var (model, size) in new[] { (OnnxImporter.Load(TestFiles.TinyMixed), 64), (BuiltinModels.Create("resnet18", WeightSource.Random(0), 224), 224) })
        {
            var input = ExactVsNaive.Input(model, 5);
            var spec = new OcclusionSpec(Size2.Square(16), Size2.Square(size / 8), new TensorFill(0.3f), Value: ValueKind.Logit);
            // The blur fill: the patch cut from a fill image on the device (a Gather in the graph).
            foreach (var s in new[] { spec, spec with { Fill = Fill.Blur } })
            {
                var cpu = Explainer.Explain(new ExplainRequest(model, input, s, Preprocessing.None) { Method = new(OcclusionMode.Naive), Resources = new() { BatchSize = 16 } });
                foreach (var mode in new[] { OcclusionMode.Naive, OcclusionMode.Exact })
                {
                    var gpu = Explainer.Explain(new ExplainRequest(model, input, s, Preprocessing.None) { Method = new(mode), Resources = new() { Execution = Cuda.Device } });
                    var a = Agreement.Of(gpu, cpu);
                    Assert.True(a.Same, $"{model.Name} {mode} fill {s.Fill} on cuda: {a.Problem}");
                }
            }
            // Approximate: the same approximation on both devices.
            var request = new ExplainRequest(model, input, spec, Preprocessing.None) { Method = new(Tau: 0.6), Resources = new() { BatchSize = 16 } };   // no drill-down: rounding could flip which cells it refines
            var approxCpu = Explainer.Explain(request);
            var approxGpu = Explainer.Explain(request with { Resources = new() { Execution = Cuda.Device } });
            var b = Agreement.Of(approxGpu, approxCpu, expectRange: false);
            Assert.True(b.Same, $"{model.Name} approximate on cuda: {b.Problem}");
        }
    }

    [CudaFact]
    public void Tf32_and_fp16_on_the_gpu_keep_exact_equal_to_naive_and_near_float32()
    {
        var model = BuiltinModels.Create("resnet18", WeightSource.Random(0), 224);
        var input = ExactVsNaive.Input(model, 5);
        var spec = new OcclusionSpec(Size2.Square(16), Size2.Square(28), new TensorFill(0.3f), Value: ValueKind.Logit);
        var cpu = Explainer.Explain(new ExplainRequest(model, input, spec, Preprocessing.None) { Method = new(OcclusionMode.Naive), Resources = new() { BatchSize = 16 } });
        foreach (var precision in new[] { Precision.Tf32, Precision.Fp16 })
        {
            Explanation Run(OcclusionMode mode) => Explainer.Explain(new ExplainRequest(model, input, spec, Preprocessing.None)
                { Method = new(mode, Precision: precision), Resources = new() { Execution = Cuda.Device } });
            var naive = Run(OcclusionMode.Naive);
            var exact = Run(OcclusionMode.Exact);
            // TF32 rounds inside cuDNN's kernels, which differ between a window and a whole map: held like float16.
            var a = Agreement.Of(exact, naive, precision: Precision.Fp16);
            Assert.True(a.Same, $"exact {precision.Name()} against naive {precision.Name()} on cuda: {a.Problem}");
            double scale = cpu.HeatMap.Max(v => Math.Abs(v));
            double worst = cpu.HeatMap.Zip(naive.HeatMap, (x, y) => Math.Abs(x - y)).Max();
            Assert.True(worst < 0.01 * scale, $"{precision.Name()} on cuda differs from float32 by {worst:g3}, logits up to {scale:g3}");
        }
    }

    [CudaFact]
    public void An_opaque_network_on_the_gpu_equals_the_cpu()
    {
        var model = OnnxImporter.Load(TestFiles.Path_("zoo_tiny_vit.onnx"));
        var input = Krypton.IO.NpyFile.ReadImageTensor(TestFiles.Path_("zoo_tiny_vit_input.npy")).Data;
        var spec = new OcclusionSpec(Size2.Square(8), Size2.Square(4), Fill.Blur, Value: ValueKind.Logit);
        var cpu = Explainer.Explain(new ExplainRequest(model, input, spec, Preprocessing.None) { Method = new(OcclusionMode.Naive), Resources = new() { BatchSize = 16 } });
        var gpu = Explainer.Explain(new ExplainRequest(model, input, spec, Preprocessing.None) { Method = new(OcclusionMode.Naive), Resources = new() { Execution = Cuda.Device } });
        var a = Agreement.Of(gpu, cpu);
        Assert.True(a.Same, $"tiny ViT on cuda: {a.Problem}");
    }
}
