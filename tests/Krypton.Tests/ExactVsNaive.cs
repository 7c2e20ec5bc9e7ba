using Krypton.Imaging;
using Krypton.Model;
using Krypton.Quality;
using Krypton.Explain;
using Krypton.Spec;
using Krypton.Planning;

namespace Krypton.Tests;

/// <summary>
/// Runs one occlusion experiment in both modes and asserts that exact incremental inference
/// gives the naive heat map, by <see cref="Agreement"/>'s criterion.
/// </summary>
internal static class ExactVsNaive
{
    /// <summary>Seeded inputs in [−1, 1], the range a normalized image has.</summary>
    public static float[] Input(ModelGraph model, int seed)
    {
        var r = new Random(seed);
        var x = new float[model.Channels * model.Height * model.Width];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(2 * r.NextDouble() - 1);
        return x;
    }

    /// <summary>
    /// A built-in architecture with random weights (seed 0) at <paramref name="size"/>, batch
    /// normalization folded when <paramref name="fold"/>, VGG16's 120M-parameter head swapped for a
    /// small one (<see cref="ExactModeTests.WithSmallHead"/>), and its seeded input (seed 11).
    /// </summary>
    public static (ModelGraph Model, float[] Input) Builtin(string arch, int size, bool fold = false)
    {
        var model = Architectures.BuiltinModels.Create(arch, Architectures.WeightSource.Random(0), size);
        if (fold) model = BatchNormFolding.Fold(model);
        if (arch == "vgg16") model = ExactModeTests.WithSmallHead(model, "flatten");
        return (model, Input(model, 11));
    }

    /// <summary>
    /// A spec whose positions are the <paramref name="reach"/>×<paramref name="reach"/> patches
    /// nearest the bottom-right corner, the last one flush with it: the grid of KRYPTON §1 never
    /// reaches the flush position with a stride above 1, so stride 1 and a small region of
    /// interest in the corner select these alone.
    /// </summary>
    public static OcclusionSpec Corner(ModelGraph model, Size2 patch, Fill fill, int? target = null, int reach = 2) =>
        new(patch, Size2.Square(1), fill, target, ValueKind.Logit, new PixelRegion(model.Height - reach, model.Width - reach, reach, reach));

    /// <summary>
    /// Runs <paramref name="spec"/> (logit values) in both modes and asserts that they agree.
    /// Returns the naive run. <paramref name="expectRange"/> asserts the naive map is not flat,
    /// so that the comparison can fail.
    /// </summary>
    public static (Explanation Exact, Explanation Naive) Check(ModelGraph model, float[] input, OcclusionSpec spec, string caseId,
        int batch = 8, bool expectFallback = false, bool expectRange = true, Precision precision = Precision.Fp32)
    {
        Assert.Equal(ValueKind.Logit, spec.Value);
        var naive = Explainer.Explain(new ExplainRequest(model, input, spec, Preprocessing.None) { Method = new(OcclusionMode.Naive, Precision: precision), Resources = new() { BatchSize = batch } });
        var exact = Explainer.Explain(new ExplainRequest(model, input, spec, Preprocessing.None) { Method = new(Precision: precision), Resources = new() { BatchSize = batch } });
        string suffix = precision == Precision.Fp32 ? "" : " " + precision.Name();
        Assert.Equal("naive" + suffix, naive.Mode);
        if (expectFallback)
        {
            Assert.True(exact.Mode == "naive" + suffix, $"{caseId}: expected a fallback to naive, ran {exact.Mode}");
            Assert.False(string.IsNullOrEmpty(exact.FallbackReason), $"{caseId}: fallback without a reason");
        }
        else
            Assert.True(exact.Mode == "exact" + suffix, $"{caseId}: exact mode fell back to naive: {exact.FallbackReason}");
        AssertSame(exact, naive, caseId, expectRange, precision);
        return (exact, naive);
    }

    /// <summary>Asserts two runs of the same experiment give the same heat map (<see cref="Agreement"/>).</summary>
    public static void AssertSame(Explanation exact, Explanation naive, string caseId, bool expectRange = true, Precision precision = Precision.Fp32)
    {
        var agreement = Agreement.Of(exact, naive, expectRange, precision);
        Assert.True(agreement.Same, $"{caseId}: {agreement.Problem}");
    }
}
