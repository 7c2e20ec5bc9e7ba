using System.Diagnostics;
using Krypton.Data;
using Krypton.Demo;
using Krypton.IO;
using Krypton.Runtime;

namespace Krypton.Training;

/// <summary>
/// <c>krypton train-head</c> as data: fit the demo head on backbone features of a seeded subset of
/// the Fashion-MNIST training split and measure it on the whole official test split.
/// </summary>
/// <param name="DataDirectory">Folder of the four Fashion-MNIST .gz files.</param>
/// <param name="CacheDirectory">Folder for cached features (outside the repository).</param>
/// <param name="HeadPath">Where the head is written (.safetensors; class names go next to it).</param>
/// <param name="TrainCount">Training images used: a seeded random subset of the 60,000 (all of them at 60000).</param>
/// <param name="Seed">Seed of the subset and of the trainer.</param>
/// <param name="OnnxPath">When set, the composed model is also written there as one ONNX file.</param>
/// <param name="BackbonePath">The backbone ONNX file; null for the one next to the executable.</param>
/// <param name="BatchSize">Images per inference call during extraction.</param>
/// <param name="Execution">ONNX Runtime options.</param>
public sealed record TrainHeadJob(
    string DataDirectory,
    string CacheDirectory,
    string HeadPath,
    int TrainCount = 20000,
    int Seed = 0,
    string? OnnxPath = null,
    string? BackbonePath = null,
    int BatchSize = 32,
    ExecutionOptions? Execution = null)
{
    /// <summary>The training images used: a seeded random subset, in ascending order.</summary>
    public static int[] TrainingSubset(int available, int count, int seed)
    {
        if (count < 1 || count > available)
            throw KryptonException.Naming($"{Term.TrainCount} must be between 1 and {available}, got {count}");
        var order = Enumerable.Range(0, available).ToArray();
        new Random(seed).Shuffle(order);
        return order.Take(count).Order().ToArray();
    }

    /// <summary>
    /// Checks, before any data is loaded, what the job needs up to its end: a positive batch size,
    /// threads 0 (all cores) or positive, and that the head, the ONNX file and the feature cache can
    /// be written (the head is written last, after minutes of work).
    /// </summary>
    /// <exception cref="KryptonException">A setting is out of range or an output cannot be written.</exception>
    public void Check()
    {
        FeatureExtractor.CheckBatchSize(BatchSize);
        Execution?.Check();
        OutputLocation.CheckFile(Term.HeadFile, HeadPath, "fashion_head.safetensors");
        if (OnnxPath is not null)
            OutputLocation.CheckFile(Term.OnnxExport, OnnxPath, "demo.onnx");
        OutputLocation.CheckFolder(Term.FeatureCache, CacheDirectory);
    }

    /// <summary>Runs the job (checked first, <see cref="Check"/>); <paramref name="log"/> gets one line per step.</summary>
    public TrainHeadResult Run(Action<string> log, IProgress<ExtractionProgress>? progress = null, CancellationToken cancellation = default)
    {
        Check();
        var total = Stopwatch.StartNew();
        var train = FashionMnist.Load(DataSplit.Train, DataDirectory);
        var test = FashionMnist.Load(DataSplit.Test, DataDirectory);
        string backbonePath = BackbonePath ?? DemoModel.DefaultBackbonePath;
        var backbone = DemoModel.LoadBackbone(backbonePath);
        string backboneSha = FileHash.Sha256(backbonePath);
        var subset = TrainingSubset(train.Count, TrainCount, Seed);
        var testAll = Enumerable.Range(0, test.Count).ToArray();
        log($"backbone {backbonePath} (sha256 {backboneSha[..16]}…); {subset.Length} of {train.Count} training images (seed {Seed}), {test.Count} test images; feature cache {Path.GetFullPath(CacheDirectory)}");

        var clock = Stopwatch.StartNew();
        float[] trainFeatures, testFeatures;
        using (var extractor = new FeatureExtractor(backbone, backboneSha, CacheDirectory, BatchSize, Execution))
        {
            trainFeatures = extractor.Extract(train, subset, progress, cancellation);
            testFeatures = extractor.Extract(test, testAll, progress, cancellation);
        }
        var extraction = clock.Elapsed;
        log($"features extracted in {extraction.TotalSeconds:0.0} s");

        int dim = backbone.OutputSize;
        var fit = HeadTrainer.Fit(
            new FeatureSet(trainFeatures, subset.Select(train.Label).ToArray(), dim),
            new FeatureSet(testFeatures, testAll.Select(test.Label).ToArray(), dim),
            FashionMnist.ClassNames, Seed);
        fit.Head.Save(HeadPath);
        if (OnnxPath is not null)
            Krypton.IO.AtomicFile.WriteAllBytes(OnnxPath, DemoModel.ToOnnx(DemoModel.Compose(backbone, fit.Head), fit.Head.ClassNames));
        return new TrainHeadResult(fit, subset.Length, test.Count, extraction, total.Elapsed);
    }
}
