using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Krypton.Architectures;
using Krypton.Bench;
using Krypton.Execution;
using Krypton.Imaging;
using Krypton.Incremental;
using Krypton.Model;
using Krypton.Occlusion;
using Krypton.Onnx;

// Occlusion throughput, exact (incremental) and naive, against ONNX Runtime's raw batched forward
// pass on the same model, in one run.
// Usage: dotnet run -c Release --project bench/Krypton.Bench -- [--models vgg16,resnet18,inception_v3]
//        [--modes exact,naive] [--stride 4] [--patch 16] [--threads 2] [--batch 16] [--exact-batch N|auto] [--json FILE]
//        [--pytorch] [--profile PREFIX]
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var options = BenchOptions.Parse(args);
var modes = options.Modes ?? ["exact", "naive"];
Console.WriteLine($"Krypton.NET occlusion benchmark: {options.Threads} threads, batch {options.Batch}, patch {options.Patch}, stride {options.Stride}, random weights (seed 0)");
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
var rows = new List<BenchRow>();
foreach (var arch in options.Models)
{
    var model = BatchNormFolding.Fold(BuiltinModels.Create(arch, WeightSource.Random(0)));
    var exec = new ExecutionOptions(options.Threads, ProfilePrefix: options.Profile is { } p ? $"{p}-{arch}" : null);
    var input = RawForward.RandomImage(model, 1);
    var spec = new OcclusionSpec(Size2.Square(options.Patch), Size2.Square(options.Stride), Fill.Gray);
    int positions = new OcclusionGrid(model.Height, model.Width, spec.Patch, spec.Stride).Count;
    double theoretical = Analyzer.Analyze(model, options.Patch, options.Patch).TheoreticalSpeedup;
    // What the compiled plan really computes per position: fixed region sizes (widened to the
    // largest over all positions) and bounding boxes at merges cost more than the centre patch.
    var plan = IncrementalPlan.Build(model, options.Patch, options.Patch);
    Console.WriteLine($"{arch}: theoretical speedup {theoretical:0.00}x (patch at the centre); planned {(double)model.MultiplyAdds / plan.MultiplyAdds():0.00}x (multiply-adds per position, worst case over positions)");

    // The raw forward pass runs on as many images as the sweep has positions, half before and half
    // after the sweeps, so that drifts of the machine's speed fall on both sides alike. Like the
    // sweeps, it starts cold (its first batch pays ONNX Runtime's first-run allocations).
    using var rawForward = new RawForward(model, new ExecutionOptions(options.Threads), options.Batch);
    double rawBefore = rawForward.MsPerImage(positions / 2);
    var results = new Dictionary<string, (Explanation E, double Seconds)>();
    foreach (var mode in modes)
    {
        var clock = Stopwatch.StartNew();
        int? batch = mode == "naive" ? options.Batch : options.ExactBatch;
        var e = Explainer.Explain(new ExplainRequest(model, input, spec, Preprocessing.ImageNet, batch, null, exec,
            mode == "naive" ? OcclusionMode.Naive : OcclusionMode.Exact));
        results[mode] = (e, clock.Elapsed.TotalSeconds);
    }
    double rawAfter = rawForward.MsPerImage(positions - positions / 2);
    double raw = (rawBefore + rawAfter) / 2;
    double? naiveSweep = results.TryGetValue("naive", out var nv) ? nv.E.Timings.Sweep.TotalSeconds : null;
    foreach (var (mode, (e, seconds)) in results)
    {
        double perPosition = e.Timings.Sweep.TotalMilliseconds / positions;
        var row = new BenchRow(arch, model.Height, mode, e.BatchSize, positions, raw, perPosition, e.Timings.Sweep.TotalSeconds, seconds,
            perPosition / raw - 1, naiveSweep / e.Timings.Sweep.TotalSeconds, theoretical, e.PeakMemoryBytes, null);
        if (options.PyTorch && mode == "naive")
            row = row with { PyTorchSeconds = PyTorchBaseline.Run(arch, model, spec, options) };
        rows.Add(row);
        Console.WriteLine(row.Describe());
    }
}
Console.WriteLine();
Console.WriteLine(BenchRow.MarkdownTable(rows));
if (options.Json is { } path)
    File.WriteAllText(path, JsonSerializer.Serialize(rows, new JsonSerializerOptions { WriteIndented = true }));
return 0;

// The plain model (no occlusion machinery) on batches of the same size.
sealed class RawForward(ModelGraph model, ExecutionOptions exec, int batch) : IDisposable
{
    private readonly OnnxSession _session = new(OnnxExporter.ToOnnx(model), exec);
    private readonly float[] _data = Enumerable.Range(0, batch).SelectMany(_ => RandomImage(model, 2)).ToArray();

    public double MsPerImage(int images)
    {
        long[] shape = [batch, model.Channels, model.Height, model.Width];
        int runs = Math.Max(1, (images + batch - 1) / batch);
        var clock = Stopwatch.StartNew();
        for (int r = 0; r < runs; r++) _session.RunSingle(model.InputName, _data, shape);
        return clock.Elapsed.TotalMilliseconds / (runs * batch);
    }

    public void Dispose() => _session.Dispose();

    internal static float[] RandomImage(ModelGraph model, int seed)
    {
        var random = new Random(seed);
        var data = new float[model.Channels * model.Height * model.Width];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() * 4 - 2);
        return data;
    }
}
