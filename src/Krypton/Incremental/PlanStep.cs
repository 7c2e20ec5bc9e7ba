using Krypton.Model;

namespace Krypton.Incremental;

/// <summary>One node's step in the incremental plan.</summary>
/// <param name="Node">The node.</param>
/// <param name="Kind">What to compute.</param>
/// <param name="Output">The node's output region (for local steps).</param>
/// <param name="Read">The input window a sliding window reads, or the input window a pad reads.</param>
public sealed record PlanStep(Node Node, StepKind Kind, RegionPlan? Output, RegionPlan? Read);
