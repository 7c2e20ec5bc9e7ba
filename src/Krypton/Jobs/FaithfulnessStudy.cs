using System.Diagnostics;
using Krypton.Imaging;
using Krypton.Model;
using Krypton.Explain;
using Krypton.Quality;
using Krypton.Runtime;
using Krypton.Spec;

namespace Krypton.Jobs;

/// <summary>The deletion-curve areas of one image.</summary>
/// <param name="Image">The image's name (its file name).</param>
/// <param name="Target">The class explained.</param>
/// <param name="Probability">The target's probability without occlusion.</param>
/// <param name="DeletionAuc">Area under the curve with cells in heat-map order.</param>
/// <param name="RandomAuc">Area under the mean curve of the random orders.</param>
public sealed record ImageFaithfulness(string Image, int Target, float Probability, double DeletionAuc, double RandomAuc);

/// <summary>Deletion-curve areas over many images, and their means.</summary>
/// <param name="Images">Per image, in the order given.</param>
/// <param name="Spec">The occlusion experiment of every image.</param>
/// <param name="Options">How each curve was measured.</param>
/// <param name="Time">Total time.</param>
public sealed record FaithfulnessStudyResult(IReadOnlyList<ImageFaithfulness> Images, OcclusionSpec Spec, FaithfulnessOptions Options, TimeSpan Time)
{
    /// <summary>Mean area with cells in heat-map order: lower is more faithful.</summary>
    public double MeanDeletionAuc => Images.Average(i => i.DeletionAuc);

    /// <summary>Mean area with cells in random order.</summary>
    public double MeanRandomAuc => Images.Average(i => i.RandomAuc);

    /// <summary>Images whose heat-map order has the smaller area.</summary>
    public int HeatMapWins => Images.Count(i => i.DeletionAuc < i.RandomAuc);

    /// <summary>Standard error of the mean of RandomAuc − DeletionAuc (paired), or NaN for one image.</summary>
    public double StandardErrorOfDifference
    {
        get
        {
            int n = Images.Count;
            if (n < 2) return double.NaN;
            var d = Images.Select(i => i.RandomAuc - i.DeletionAuc).ToArray();
            double mean = d.Average();
            double variance = d.Sum(v => (v - mean) * (v - mean)) / (n - 1);
            return Math.Sqrt(variance / n);
        }
    }
}

/// <summary>
/// Measures deletion curves over many images with one model, compiling the occlusion programs and
/// the masked graph once: the evidence that heat maps point at what the model uses.
/// </summary>
public static class FaithfulnessStudy
{
    /// <summary>Loads image files as the model's inputs (channels adapted, resized, normalized) and measures each.</summary>
    public static FaithfulnessStudyResult Run(ModelGraph model, IReadOnlyList<string> imageFiles, OcclusionSpec spec, Preprocessing normalization,
        OcclusionMode mode = OcclusionMode.Exact, FaithfulnessOptions? options = null, ExecutionOptions? execution = null,
        int? batchSize = null, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellation = default)
    {
        return Run(model, ImageFolder.Inputs(model, imageFiles, normalization), spec, normalization, mode, options, execution, batchSize, progress, cancellation);
    }

    /// <summary>Measures each prepared input (model space, [1, C, H, W]); inputs are made when needed, one at a time.</summary>
    public static FaithfulnessStudyResult Run(ModelGraph model, IReadOnlyList<(string Name, Lazy<float[]> Input)> inputs, OcclusionSpec spec, Preprocessing normalization,
        OcclusionMode mode = OcclusionMode.Exact, FaithfulnessOptions? options = null, ExecutionOptions? execution = null,
        int? batchSize = null, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellation = default)
    {
        if (inputs.Count == 0)
            throw new KryptonException("no images to measure");
        if (spec.Positions is not null)
            throw new KryptonException("faithfulness needs a heat map; it does not go with explicit positions");
        var clock = Stopwatch.StartNew();
        options ??= FaithfulnessOptions.Default;
        using var engine = new OcclusionEngine();
        using var faithfulness = new Faithfulness();
        var results = new List<ImageFaithfulness>();
        foreach (var (name, input) in inputs)
        {
            cancellation.ThrowIfCancellationRequested();
            var request = new ExplainRequest(model, input.Value, spec, normalization, batchSize, null, execution, mode);
            var explanation = engine.Explain(request, null, cancellation);
            var f = faithfulness.Evaluate(request, explanation, options, cancellation);
            results.Add(new ImageFaithfulness(name, explanation.Target, explanation.UnoccludedProbability, f.DeletionAuc, f.RandomAuc));
            progress?.Report((results.Count, inputs.Count));
        }
        return new FaithfulnessStudyResult(results, spec, options, clock.Elapsed);
    }
}
