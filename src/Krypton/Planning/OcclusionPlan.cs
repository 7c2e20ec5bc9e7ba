using System.Globalization;
using System.Text;
using Krypton.Explain;

namespace Krypton.Planning;

/// <summary>
/// How an occlusion experiment will be computed, decided before any work (KRYPTON's declarative
/// side): the method and its approximations, why they were chosen, and the estimated cost.
/// <see cref="OcclusionEngine.Plan"/> makes it; <see cref="OcclusionEngine.Explain"/> runs the
/// same object and reports it in <see cref="Explanation.Plan"/>.
/// </summary>
/// <param name="Method">naive, exact or approximate (τ below 1 or drill-down).</param>
/// <param name="Mode">The engine that computes positions: naive or incremental (exact).</param>
/// <param name="Approximation">τ and drill-down.</param>
/// <param name="Reason">Why this method: what was asked, or what the quality target and the profile chose.</param>
/// <param name="FallbackReason">Why incremental inference was not possible (the plan runs naive), or null.</param>
/// <param name="GridPositions">Cells of the heat map (or explicit positions).</param>
/// <param name="CoarsePositions">Positions of drill-down's first stage (0 without drill-down).</param>
/// <param name="RefinedPositions">Positions of drill-down's second stage (0 without drill-down).</param>
/// <param name="EvaluatedPositions">Positions the plan evaluates.</param>
/// <param name="BatchSize">Positions per inference call.</param>
/// <param name="InferenceCalls">Calls of the occlusion graph (plus one call of the unoccluded image).</param>
/// <param name="LayersPerCall">Layers (graph nodes of the model) each call computes.</param>
/// <param name="MultiplyAddsPerPosition">Multiply-adds per position (the incremental plan's, or a full inference's).</param>
/// <param name="FullMultiplyAdds">Multiply-adds of one full inference.</param>
/// <param name="BytesPerPosition">Working memory of one position in a batch.</param>
/// <param name="EstimatedTime">Estimated time of the sweep.</param>
/// <param name="TimeBasis">What the time estimate rests on.</param>
/// <param name="Quality">The SSIM asked for, or null when none was.</param>
/// <param name="PredictedSsim">The profile's predicted mean SSIM for the chosen settings, or null.</param>
public sealed record OcclusionPlan(
    string Method,
    OcclusionMode Mode,
    Approximation Approximation,
    string Reason,
    string? FallbackReason,
    int GridPositions,
    int CoarsePositions,
    int RefinedPositions,
    int EvaluatedPositions,
    int BatchSize,
    int InferenceCalls,
    int LayersPerCall,
    long MultiplyAddsPerPosition,
    long FullMultiplyAdds,
    long BytesPerPosition,
    TimeSpan EstimatedTime,
    string TimeBasis,
    double? Quality,
    double? PredictedSsim)
{
    /// <summary>Layer calls of the sweep: inference calls × layers per call.</summary>
    public long LayerCalls => (long)InferenceCalls * LayersPerCall;

    /// <summary>Multiply-adds of the sweep.</summary>
    public long TotalMultiplyAdds => MultiplyAddsPerPosition * EvaluatedPositions + FullMultiplyAdds;

    /// <summary>Estimated working memory of one batch.</summary>
    public long EstimatedBytes => BytesPerPosition * BatchSize;

    /// <summary>Multiply-adds saved against the naive sweep of every cell.</summary>
    public double SpeedupInMultiplyAdds => (double)FullMultiplyAdds * GridPositions / Math.Max(TotalMultiplyAdds, 1);

    /// <summary>The plan in words, one item per line.</summary>
    public string Describe()
    {
        var inv = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        void Line(string name, string value) => s.Append(inv, $"{name,-22}{value}\n");
        Line("method", Method + (Approximation.IsExact ? "" : $" ({Approximation})"));
        Line("why", Reason);
        if (FallbackReason is { } f) Line("fallback", $"naive, because {f}");
        if (Quality is { } q) Line("quality target", string.Create(inv, $"SSIM >= {q:0.###}") + (PredictedSsim is { } p ? string.Create(inv, $" (predicted {p:0.###})") : ""));
        Line("positions", CoarsePositions > 0
            ? string.Create(inv, $"{EvaluatedPositions} of {GridPositions} ({CoarsePositions} coarse + {RefinedPositions} refined)")
            : string.Create(inv, $"{EvaluatedPositions}"));
        Line("batch", string.Create(inv, $"{BatchSize} positions per call"));
        Line("inference calls", string.Create(inv, $"{InferenceCalls} (+1 for the unoccluded image)"));
        Line("layer calls", string.Create(inv, $"{LayerCalls} ({LayersPerCall} layers per call)"));
        Line("multiply-adds", string.Create(inv, $"{TotalMultiplyAdds / 1e9:0.##} G ({MultiplyAddsPerPosition / 1e6:0.#} M per position; {SpeedupInMultiplyAdds:0.##}x fewer than naive)"));
        Line("memory", string.Create(inv, $"{EstimatedBytes / 1048576.0:0} MiB per batch ({BytesPerPosition / 1048576.0:0.##} MiB per position)"));
        Line("estimated time", string.Create(inv, $"{EstimatedTime.TotalSeconds:0.#} s ({TimeBasis})"));
        return s.ToString();
    }
}
