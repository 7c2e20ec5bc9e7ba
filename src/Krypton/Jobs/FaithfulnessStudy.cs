using System.Diagnostics;
using Krypton.Imaging;
using Krypton.Model;
using Krypton.Planning;
using Krypton.Explain;
using Krypton.Quality;
using Krypton.Spec;

namespace Krypton.Jobs;

/// <summary>
/// Measures deletion and insertion curves over many images with one model, compiling the occlusion programs and
/// the masked graph once: the evidence that heat maps point at what the model uses.
/// </summary>
public static class FaithfulnessStudy
{
    /// <summary>
    /// Loads image files as the model's inputs (channels adapted, resized, normalized) and measures each:
    /// its map computed as <paramref name="method"/> says (exact by default), then its deletion and insertion curves.
    /// </summary>
    public static FaithfulnessStudyResult Run(ModelGraph model, IReadOnlyList<string> imageFiles, OcclusionSpec spec, Preprocessing normalization,
        MethodOptions? method = null, FaithfulnessOptions? options = null, ResourceOptions? resources = null,
        IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellation = default) =>
        Run(model, ImageFolder.Inputs(model, imageFiles, normalization), spec, normalization, method, options, resources, progress, cancellation);

    /// <summary>Measures each prepared input (model space, [1, C, H, W]); inputs are made when needed, one at a time.</summary>
    public static FaithfulnessStudyResult Run(ModelGraph model, IReadOnlyList<(string Name, Lazy<float[]> Input)> inputs, OcclusionSpec spec, Preprocessing normalization,
        MethodOptions? method = null, FaithfulnessOptions? options = null, ResourceOptions? resources = null,
        IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellation = default)
    {
        if (inputs.Count == 0)
            throw new KryptonException("no images to measure");
        spec.Validate();
        method?.Check();
        resources?.Check();
        options?.Check();
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
            var request = new ExplainRequest(model, input.Value, spec, normalization) { Method = method ?? MethodOptions.Exact, Resources = resources ?? ResourceOptions.Default };
            var explanation = engine.Explain(request, null, cancellation);
            var f = faithfulness.Evaluate(request, explanation, options, cancellation);
            results.Add(ImageFaithfulness.Of(name, explanation.Target, explanation.UnoccludedProbability, f));
            progress?.Report((results.Count, inputs.Count));
        }
        return new FaithfulnessStudyResult(results, spec, options, clock.Elapsed);
    }
}
