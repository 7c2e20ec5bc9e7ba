using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Krypton.Architectures;
using Krypton.Bench;
using Krypton.Imaging;
using Krypton.Incremental;
using Krypton.Model;
using Krypton.Onnx;
using Krypton.Jobs;
using Krypton.Planning;
using Krypton.Quality;
using Krypton.Explain;
using Krypton.Runtime;
using Krypton.Spec;

// Occlusion throughput, exact (incremental) and naive, against ONNX Runtime's raw batched forward
// pass on the same model, in one run.
// Usage: dotnet run -c Release --project bench/Krypton.Bench -- [--models vgg16,resnet18,inception_v3]
//        [--modes exact,naive]  (also exact-P, naive-P for P = int8, tf32, fp16: the mode in that precision, with its map's SSIM against float32) [--stride 4] [--patch 16] [--threads 2] [--batch 16] [--exact-batch N|auto] [--json FILE]
//        [--pytorch] [--profile PREFIX] [--grid krypton|full]  (KRYPTON's grid by default: the paper's position counts)
//        approximate mode: --modes naive,exact,approx --quality-profiles demo=FILE,vgg16=FILE [--images DIR] [--quality Q]
//        (each profile from krypton tune; the approximate settings it chooses run on its held-out images, found in --images)
//        drill-down refinement study: --models demo --refinement-study [--images DIR]
//        one convolution, float against int8 (QLinearConv) variants: --int8-layers
//        on a GPU: --device cuda[:N] [--verify]  (--verify first compares the device's naive and exact logits with CPU naive)
// Models: vgg16, resnet18, inception_v3 (random weights, seed 0) and demo (the demo model: real weights).
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var options = BenchOptions.Parse(args);
var modes = options.Modes ?? ["exact", "naive"];
// Each model is built once (VGG16's random weights take seconds) and kept for the verification and the benchmark.
var loaded = new Dictionary<string, (ModelGraph, Preprocessing)>();
(ModelGraph, Preprocessing) Load(string arch) => loaded.TryGetValue(arch, out var m) ? m : loaded[arch] = arch == "demo"
    ? ModelSource.Demo.Load() is var demo ? (demo.Graph, demo.Normalization!) : default
    : (BatchNormFolding.Fold(BuiltinModels.Create(arch, WeightSource.Random(0))), Preprocessing.ImageNet);
if (options.Int8Layers)
{
    Int8LayerStudy.Run();
    return 0;
}
if (options.RefinementStudy)
{
    foreach (var arch in options.Models)
    {
        var (m, n) = Load(arch);
        RefinementStudy.Run(m, n, ImageFolder.Inputs(m, ImageFolder.Files(options.Images), n), options);
    }
    return 0;
}
var (verified, unusable) = options.Verify ? Verification.Run(options, Load) : (true, false);
if (unusable)
{
    // The device could not run at all: the benchmark would fail the same way.
    Console.WriteLine($"verification FAILED: {options.Device} could not run; no benchmark");
    return 1;
}
Console.WriteLine($"Krypton.NET occlusion benchmark: {options.Threads} threads, batch {options.Batch}, patch {options.Patch}, stride {options.Stride}; vgg16, resnet18, inception_v3 with random weights (seed 0), demo with real weights");
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}; device {options.Device}");
var rows = new List<BenchRow>();
foreach (var arch in options.Models)
{
    var (model, normalization) = Load(arch);
    var exec = new ExecutionOptions(options.Threads, options.Device, options.Profile is { } p ? $"{p}-{arch}" : null);
    var spec = options.Spec;
    // With a quality profile, every mode runs on its held-out images (the first one for naive and exact).
    var qualityProfile = options.QualityProfiles?.GetValueOrDefault(arch) is { } file ? QualityProfile.Load(file) : null;
    qualityProfile?.CheckApplies(model, spec);
    var heldOut = ImageFolder.Inputs(model, qualityProfile?.HoldOut.Select(h => Path.Combine(options.Images, h.Image)).ToList() ?? [], normalization);
    var input = heldOut.Count > 0 ? heldOut[0].Input.Value : RawForward.RandomImage(model, 1);
    int positions = spec.GridFor(model.Height, model.Width).Count;
    double theoretical = Analyzer.Analyze(model, options.Patch, options.Patch).TheoreticalSpeedup;
    // What the compiled plan really computes per position: fixed region sizes (widened to the
    // largest over all positions) and bounding boxes at merges cost more than the centre patch.
    var plan = IncrementalPlan.Build(model, options.Patch, options.Patch);
    Console.WriteLine($"{arch}: theoretical speedup {theoretical:0.00}x (patch at the centre); planned {(double)model.MultiplyAdds / plan.MultiplyAdds():0.00}x (multiply-adds per position, worst case over positions)");

    // The raw forward pass runs on as many images as the sweep has positions, half before and half
    // after the sweeps, so that drifts of the machine's speed fall on both sides alike. Like the
    // sweeps, it starts cold (its first batch pays ONNX Runtime's first-run allocations).
    using var rawForward = new RawForward(model, new ExecutionOptions(options.Threads, options.Device), options.Batch);
    double rawBefore = rawForward.MsPerImage(positions / 2);
    var results = new Dictionary<string, (Explanation E, double Seconds)>();
    BenchRow? approximate = null;
    foreach (var mode in modes)
    {
        if (mode == "approx")
        {
            var profile = qualityProfile ?? throw new ArgumentException($"approx needs --quality-profiles {arch}=FILE");
            var choice = profile.Choose(options.Quality ?? profile.TunedQuality);
            using var engine = new OcclusionEngine();
            var ssims = new List<double>();
            var sweeps = new List<double>();
            Explanation? first = null;
            double total = 0;
            foreach (var (name, image) in heldOut)
            {
                var exactMap = first is null && results.TryGetValue("exact", out var ex) ? ex.E.HeatMap
                    : engine.Explain(new ExplainRequest(model, image.Value, spec, normalization) { Resources = new() { BatchSize = options.ExactBatch, Execution = exec } }).HeatMap;
                var clock2 = Stopwatch.StartNew();
                var run = engine.Explain(new ExplainRequest(model, image.Value, spec, normalization) { Method = new(Tau: choice.Tau, DrillDown: choice.DrillDown, Precision: choice.Precision), Resources = new() { BatchSize = options.ExactBatch, Execution = exec } });
                if (first is null) total = clock2.Elapsed.TotalSeconds;
                first ??= run;
                sweeps.Add(run.Timings.Sweep.TotalSeconds);
                ssims.Add(Ssim.Compute(exactMap, run.HeatMap, run.Grid.Rows, run.Grid.Columns));
                Console.WriteLine($"  {arch} {name}: {choice.Approximation}, sweep {run.Timings.Sweep.TotalSeconds:0.00} s, SSIM {ssims[^1]:0.000}");
            }
            results["approx"] = (first!, total);
            approximate = new BenchRow(arch, model.Height, $"approximate: {choice.Approximation}", first!.BatchSize, first.Positions, 0, 0, sweeps.Average(), total, 0, null, 0, first.PeakMemoryBytes, null)
            {
                Settings = choice.Approximation.ToString(), MeanSsim = ssims.Average(), MinSsim = ssims.Min(), Images = ssims.Count,
            };
            continue;
        }
        var clock = Stopwatch.StartNew();
        // "exact-int8", "naive-fp16", …: the mode in another precision.
        bool naiveMode = mode.StartsWith("naive", StringComparison.Ordinal);
        var precision = PrecisionOf(mode);
        int? batch = naiveMode ? options.Batch : options.ExactBatch;
        var e = Explainer.Explain(new ExplainRequest(model, input, spec, normalization)
            { Method = new(naiveMode ? OcclusionMode.Naive : OcclusionMode.Exact, Precision: precision), Resources = new() { BatchSize = batch, Execution = exec } });
        results[mode] = (e, clock.Elapsed.TotalSeconds);
    }
    double rawAfter = rawForward.MsPerImage(positions - positions / 2);
    double raw = (rawBefore + rawAfter) / 2;
    double? naiveSweep = results.TryGetValue("naive", out var nv) ? nv.E.Timings.Sweep.TotalSeconds : null;
    foreach (var (mode, (e, seconds)) in results)
    {
        if (mode == "approx")
        {
            var a = approximate!;
            double ms = a.SweepSeconds * 1000 / positions;
            rows.Add(a = a with { RawMsPerImage = raw, MsPerPosition = ms, OverheadVsRaw = ms / raw - 1, SpeedupVsNaive = naiveSweep / a.SweepSeconds, TheoreticalSpeedup = theoretical });
            Console.WriteLine(a.Describe());
            continue;
        }
        double perPosition = e.Timings.Sweep.TotalMilliseconds / positions;
        var row = new BenchRow(arch, model.Height, mode, e.BatchSize, positions, raw, perPosition, e.Timings.Sweep.TotalSeconds, seconds,
            perPosition / raw - 1, naiveSweep / e.Timings.Sweep.TotalSeconds, theoretical, e.PeakMemoryBytes, null);
        if (options.PyTorch && mode == "naive")
            row = row with { PyTorchSeconds = PyTorchBaseline.Run(arch, model, spec, options) };
        // A map in another precision against the float32 map of the same mode on the same image, when both ran.
        if (PrecisionOf(mode) is var other && other != Precision.Fp32 && results.TryGetValue(mode[..mode.IndexOf('-')], out var reference) && Math.Min(e.Grid.Rows, e.Grid.Columns) >= 7)
        {
            double ssim = Ssim.Compute(reference.E.HeatMap, e.HeatMap, e.Grid.Rows, e.Grid.Columns);
            row = row with { Settings = $"{other.Name()} against {mode[..mode.IndexOf('-')]} float32", MeanSsim = ssim, MinSsim = ssim, Images = 1 };
        }
        rows.Add(row);
        Console.WriteLine(row.Describe());
    }
}
Console.WriteLine();
Console.WriteLine(BenchRow.MarkdownTable(rows));
if (options.Json is { } path)
    File.WriteAllText(path, JsonSerializer.Serialize(rows, new JsonSerializerOptions { WriteIndented = true }));
if (!verified)
    Console.WriteLine("verification FAILED (see the verify lines above)");
return verified ? 0 : 1;

// "exact-int8" → int8; "exact" → float32.
static Precision PrecisionOf(string mode) => mode.IndexOf('-') is int dash and > 0 ? PrecisionNames.Parse(mode[(dash + 1)..]) : Precision.Fp32;

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
