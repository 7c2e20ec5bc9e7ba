using Krypton.Imaging;
using Krypton.Model;
using Krypton.Occlusion;

namespace Krypton.Tests;

/// <summary>
/// Runs one occlusion experiment in both modes and asserts that exact incremental inference
/// gives the naive heat map. Judged on logits: the largest difference must be within 1e-4 of the
/// largest logit magnitude seen (unoccluded or in the heat map) and within 1 % of the naive heat
/// map's own range (but not below float32 noise, 1e-6 of that magnitude), so that a small but
/// real difference on a nearly flat map is still caught.
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
        int batch = 8, bool expectFallback = false, bool expectRange = true)
    {
        Assert.Equal(ValueKind.Logit, spec.Value);
        var naive = Explainer.Explain(new ExplainRequest(model, input, spec, Preprocessing.None, BatchSize: batch, Mode: OcclusionMode.Naive));
        var exact = Explainer.Explain(new ExplainRequest(model, input, spec, Preprocessing.None, BatchSize: batch, Mode: OcclusionMode.Exact));
        Assert.Equal("naive", naive.Mode);
        if (expectFallback)
        {
            Assert.True(exact.Mode == "naive", $"{caseId}: expected a fallback to naive, ran {exact.Mode}");
            Assert.False(string.IsNullOrEmpty(exact.FallbackReason), $"{caseId}: fallback without a reason");
        }
        else
            Assert.True(exact.Mode == "exact", $"{caseId}: exact mode fell back to naive: {exact.FallbackReason}");
        AssertSame(exact, naive, caseId, expectRange);
        return (exact, naive);
    }

    /// <summary>Asserts two runs of the same experiment give the same heat map (see the class summary).</summary>
    public static void AssertSame(Explanation exact, Explanation naive, string caseId, bool expectRange = true)
    {
        Assert.True(exact.Target == naive.Target, $"{caseId}: target {exact.Target} (exact) vs {naive.Target} (naive)");
        Assert.True(exact.Positions == naive.Positions, $"{caseId}: {exact.Positions} positions vs {naive.Positions}");
        Assert.Equal(naive.HeatMap.Length, exact.HeatMap.Length);

        double scale = Math.Abs(naive.UnoccludedValue);
        foreach (var c in naive.TopClasses) scale = Math.Max(scale, Math.Abs(c.Logit));
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity, worst = 0;
        int worstCell = -1;
        for (int i = 0; i < naive.HeatMap.Length; i++)
        {
            float n = naive.HeatMap[i], e = exact.HeatMap[i];
            if (float.IsNaN(n) || float.IsNaN(e))
            {
                Assert.True(float.IsNaN(n) && float.IsNaN(e), $"{caseId}: cell {i} is {e} (exact) vs {n} (naive)");
                continue;
            }
            Assert.True(float.IsFinite(e), $"{caseId}: cell {i} is {e} in exact mode");
            scale = Math.Max(scale, Math.Abs(n));
            lo = Math.Min(lo, n);
            hi = Math.Max(hi, n);
            double d = Math.Abs(e - n);
            if (d > worst) { worst = d; worstCell = i; }
        }
        double range = hi - lo;
        string Where() => worstCell < 0 ? "" :
            $" at cell {worstCell} (patch at {naive.Grid.Origin(worstCell / naive.Grid.Columns, worstCell % naive.Grid.Columns)}): exact {exact.HeatMap[worstCell]} vs naive {naive.HeatMap[worstCell]}";
        Assert.True(Math.Abs(exact.UnoccludedValue - naive.UnoccludedValue) <= 1e-4 * Math.Max(scale, 1e-6),
            $"{caseId}: unoccluded logit {exact.UnoccludedValue} (exact) vs {naive.UnoccludedValue} (naive)");
        Assert.True(worst <= 1e-4 * scale, $"{caseId}: max |exact − naive| = {worst:g4} > 1e-4 × {scale:g4}{Where()}");
        // Float32 evaluation order alone moves a logit by a few ulps (~1e-7 relative); a map whose
        // range is that small (a few nearby positions) is held to that noise level instead.
        if (range > 0)
            Assert.True(worst <= Math.Max(0.01 * range, 1e-6 * scale), $"{caseId}: max |exact − naive| = {worst:g4} > 1% of the heat map's range {range:g4}{Where()}");
        if (expectRange && naive.Positions > 1)
            Assert.True(range > 0, $"{caseId}: the naive heat map is flat, so the comparison proves nothing");
    }
}
