using System.Diagnostics;
using Krypton.Data;
using Krypton.Demo;
using Krypton.Model;
using Krypton.Onnx;
using Krypton.IO;
using Krypton.Runtime;

namespace Krypton.Training;

/// <summary>
/// Computes the backbone's pooled features of Fashion-MNIST images with the project's own engine
/// (the imported backbone, emitted as ONNX with a dynamic batch, run by ONNX Runtime), with the
/// same preprocessing an explain job applies to a PNG: gray replicated to RGB, bilinear resize to
/// 224x224, the demo normalization. Features are cached on disk in chunks, so an interrupted or
/// repeated run only computes what is missing.
/// </summary>
public sealed class FeatureExtractor : IDisposable
{
    /// <summary>Images per cache file.</summary>
    public const int ChunkSize = 1000;

    private readonly ModelGraph _backbone;
    private readonly OnnxSession _session;
    private readonly string _cacheDir;
    private readonly int _batch;

    /// <summary>Creates the extractor; <paramref name="cacheDir"/> holds the cached features (one sub-folder per backbone file).</summary>
    public FeatureExtractor(ModelGraph backbone, string backboneSha256, string cacheDir, int batchSize = 32, ExecutionOptions? execution = null)
    {
        CheckBatchSize(batchSize);
        _backbone = backbone;
        _batch = batchSize;
        // The key names what changes the features: the backbone file and the preprocessing.
        string key = $"{backboneSha256[..16]}-mean{string.Join("_", DemoModel.Normalization.Mean.Select(m => Math.Round(m * 255, 3)))}";
        _cacheDir = Path.Combine(cacheDir, key);
        _session = new OnnxSession(OnnxExporter.ToOnnx(backbone), execution);
    }

    /// <summary>Checks images per inference call: at least one.</summary>
    /// <exception cref="KryptonException">It is not.</exception>
    internal static void CheckBatchSize(int batchSize)
    {
        if (batchSize < 1)
            throw KryptonException.Naming($"{Term.BatchSize} {batchSize} must be positive");
    }

    /// <summary>Features ([count, 512] row-major) of the images of <paramref name="data"/> at <paramref name="indices"/>, in that order.</summary>
    public float[] Extract(FashionMnist data, IReadOnlyList<int> indices, IProgress<ExtractionProgress>? progress = null, CancellationToken cancellation = default)
    {
        int f = _backbone.OutputSize;
        var result = new float[(long)indices.Count * f];
        // Chunks are keyed by the images they hold, so subsets of different sizes share what they have in common.
        var byChunk = indices.Select((image, position) => (image, position)).GroupBy(p => p.image / ChunkSize).OrderBy(g => g.Key);
        var clock = Stopwatch.StartNew();
        int done = 0, computed = 0;
        foreach (var group in byChunk)
        {
            int before = computed;
            var chunk = ChunkFeatures(data, group.Key, f, cancellation, n =>
            {
                computed += n;
                progress?.Report(new ExtractionProgress(data.Split.ToString().ToLowerInvariant(), done + computed - before, indices.Count, computed / Math.Max(clock.Elapsed.TotalSeconds, 1e-9)));
            }, group.Select(p => p.image % ChunkSize).ToHashSet());
            foreach (var (image, position) in group)
                Array.Copy(chunk, (long)(image % ChunkSize) * f, result, (long)position * f, f);
            done += group.Count();
            progress?.Report(new ExtractionProgress(data.Split.ToString().ToLowerInvariant(), done, indices.Count, computed / Math.Max(clock.Elapsed.TotalSeconds, 1e-9)));
        }
        return result;
    }

    // The chunk's features, rows not needed left NaN. Cached rows are read; missing needed rows are
    // computed and the chunk is written back, so subsets of different sizes share their work.
    private float[] ChunkFeatures(FashionMnist data, int chunk, int f, CancellationToken cancellation, Action<int> onBatch, HashSet<int> needed)
    {
        int first = chunk * ChunkSize, count = Math.Min(ChunkSize, data.Count - first);
        string path = Path.Combine(_cacheDir, $"{data.Split.ToString().ToLowerInvariant()}-{chunk:D3}.npy");
        float[]? features = null;
        if (File.Exists(path))
        {
            try
            {
                var cached = NpyFile.Read(path);
                if (cached.Shape.SequenceEqual([count, f]))
                    features = cached.Data;
            }
            catch (KryptonException) { /* a damaged cache file is recomputed */ }
        }
        if (features is null)
        {
            features = new float[(long)count * f];
            Array.Fill(features, float.NaN);
        }
        var todo = needed.Where(i => float.IsNaN(features[(long)i * f])).Order().ToList();
        int plane = 3 * DemoModel.Side * DemoModel.Side;
        for (int start = 0; start < todo.Count; start += _batch)
        {
            cancellation.ThrowIfCancellationRequested();
            int n = Math.Min(_batch, todo.Count - start);
            var input = new float[(long)n * plane];
            Parallel.For(0, n, new ParallelOptions { CancellationToken = cancellation }, i =>
            {
                var tensor = DemoModel.Normalization.ToTensor(data.Image(first + todo[start + i]), 3, DemoModel.Side, DemoModel.Side);
                Array.Copy(tensor, 0, input, (long)i * plane, plane);
            });
            var (values, _) = _session.RunSingle(_backbone.InputName, input, [n, 3, DemoModel.Side, DemoModel.Side]);
            for (int i = 0; i < n; i++)
                Array.Copy(values, (long)i * f, features, (long)todo[start + i] * f, f);
            onBatch(n);
        }
        if (todo.Count > 0)
        {
            Directory.CreateDirectory(_cacheDir);
            AtomicFile.Write(path, s => NpyFile.Write(s, features, [count, f]));
        }
        return features;
    }

    /// <inheritdoc/>
    public void Dispose() => _session.Dispose();
}
