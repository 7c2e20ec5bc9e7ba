using System.Globalization;
using System.Text;

using Krypton.Spec;

namespace Krypton.Planning;

/// <summary>
/// How an occlusion experiment will be computed, decided before any work (KRYPTON's declarative
/// side): the mode and its approximations, why they were chosen, and the estimated cost.
/// <see cref="Planner.Plan"/> makes it; the engine runs the same object and reports it with the result.
/// </summary>
public sealed record OcclusionPlan
{
    /// <summary>How positions are evaluated, after any fallback: naive, or incremental (exact).</summary>
    public required OcclusionMode Mode { get; init; }

    /// <summary>τ and drill-down.</summary>
    public required Approximation Approximation { get; init; }

    /// <summary>Why this method: what was asked, or what the quality target and the profile chose.</summary>
    public required string Reason { get; init; }

    /// <summary>Why incremental inference was not possible (the plan runs naive), or null.</summary>
    public string? FallbackReason { get; init; }

    /// <summary>Cells of the heat map (or explicit positions).</summary>
    public required int GridPositions { get; init; }

    /// <summary>Positions of drill-down's first stage (0 without drill-down).</summary>
    public int CoarsePositions { get; init; }

    /// <summary>Positions of drill-down's second stage (0 without drill-down).</summary>
    public int RefinedPositions { get; init; }

    /// <summary>Positions the plan evaluates.</summary>
    public required int EvaluatedPositions { get; init; }

    /// <summary>Positions per inference call.</summary>
    public required int BatchSize { get; init; }

    /// <summary>Calls of the occlusion graph (plus one call of the unoccluded image).</summary>
    public required int InferenceCalls { get; init; }

    /// <summary>Layers (graph nodes of the model) each call computes.</summary>
    public required int LayersPerCall { get; init; }

    /// <summary>Multiply-adds per position (the incremental plan's, or a full inference's).</summary>
    public required long MultiplyAddsPerPosition { get; init; }

    /// <summary>Multiply-adds of one full inference.</summary>
    public required long FullMultiplyAdds { get; init; }

    /// <summary>Working memory of one position in a batch.</summary>
    public required long BytesPerPosition { get; init; }

    /// <summary>Estimated time of the sweep.</summary>
    public required TimeSpan EstimatedTime { get; init; }

    /// <summary>What the time estimate rests on.</summary>
    public required string TimeBasis { get; init; }

    /// <summary>The SSIM asked for, or null when none was.</summary>
    public double? Quality { get; init; }

    /// <summary>The profile's predicted mean SSIM for the chosen settings, or null.</summary>
    public double? PredictedSsim { get; init; }

    /// <summary>
    /// The method in one word: naive, exact or approximate (τ below 1 or drill-down on incremental
    /// inference), or naive+drill-down.
    /// </summary>
    public string Method => Mode == OcclusionMode.Naive
        ? Approximation.DrillDown is null ? "naive" : "naive+drill-down"
        : Approximation.IsExact ? "exact" : "approximate";

    /// <summary>
    /// What computed the positions, as summaries and the command line report it: naive, exact or
    /// approximate (incremental inference with τ below 1), followed by "+drill-down" when it ran in two stages.
    /// </summary>
    public string RunMode => (Mode == OcclusionMode.Naive ? "naive" : Approximation.Tau < 1 ? "approximate" : "exact")
        + (Approximation.DrillDown is null ? "" : "+drill-down")
        + (Approximation.Precision == Precision.Fp32 ? "" : " " + Approximation.Precision.Name());

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
