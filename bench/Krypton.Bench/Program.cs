using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Krypton.Architectures;
using Krypton.Bench;
using Krypton.Execution;
using Krypton.Imaging;
using Krypton.Model;
using Krypton.Occlusion;
using Krypton.Onnx;

// Naive occlusion throughput against ONNX Runtime's raw batched forward pass on the same model.
// Usage: dotnet run -c Release --project bench/Krypton.Bench -- [--models vgg16,resnet18,inception_v3]
//        [--stride 4] [--patch 16] [--threads 2] [--batch 16] [--json FILE] [--pytorch]
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var options = BenchOptions.Parse(args);
Console.WriteLine($"Krypton.NET naive occlusion benchmark: {options.Threads} threads, batch {options.Batch}, patch {options.Patch}, stride {options.Stride}, random weights (seed 0)");
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
var rows = new List<NaiveRow>();
foreach (var arch in options.Models)
{
    var model = BatchNormFolding.Fold(BuiltinModels.Create(arch, WeightSource.Random(0)));
    var exec = new ExecutionOptions(options.Threads);
    var input = RawForward.RandomImage(model, 1);
    var spec = new OcclusionSpec(Size2.Square(options.Patch), Size2.Square(options.Stride), Fill.Gray);
    int positions = new OcclusionGrid(model.Height, model.Width, spec.Patch, spec.Stride).Count;

    // The raw forward pass runs on as many images as the sweep has positions, half before and half
    // after it, so that drifts of the machine's speed fall on both sides alike. Like the sweep, it
    // starts cold (its first batch pays ONNX Runtime's first-run allocations).
    using var rawForward = new RawForward(model, exec, options.Batch);
    double rawBefore = rawForward.MsPerImage(positions / 2);
    var clock = Stopwatch.StartNew();
    var result = Explainer.Explain(new ExplainRequest(model, input, spec, Preprocessing.ImageNet, options.Batch, null, exec));
    double heatmapSeconds = clock.Elapsed.TotalSeconds;
    double rawAfter = rawForward.MsPerImage(positions - positions / 2);
    double raw = (rawBefore + rawAfter) / 2;
    double perPosition = result.Timings.Sweep.TotalMilliseconds / positions;
    var row = new NaiveRow(arch, model.Height, positions, raw, perPosition, result.Timings.Sweep.TotalSeconds, heatmapSeconds,
        1.0 / heatmapSeconds, perPosition / raw - 1, result.PeakMemoryBytes, null);
    if (options.PyTorch)
        row = row with { PyTorchSeconds = PyTorchBaseline.Run(arch, model, spec, options) };
    rows.Add(row);
    Console.WriteLine(row.Describe());
}
Console.WriteLine();
Console.WriteLine(NaiveRow.MarkdownTable(rows));
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
