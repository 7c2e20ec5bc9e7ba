using Krypton.Imaging;
using Krypton.Model;
using Krypton.Planning;
using Krypton.Spec;

namespace Krypton.Explain;

/// <summary>An occlusion experiment to run: the model, its prepared input, the spec, and how to compute it.</summary>
/// <param name="Model">The model graph.</param>
/// <param name="Input">Model input [1, C, H, W], already resized and normalized.</param>
/// <param name="Spec">What to compute.</param>
/// <param name="Normalization">How pixels became the input (for pixel-space fills).</param>
public sealed record ExplainRequest(ModelGraph Model, float[] Input, OcclusionSpec Spec, Preprocessing Normalization)
{
    /// <summary>How to compute: exact by default; naive, τ, drill-down, or a quality target with its profile.</summary>
    public MethodOptions Method { get; init; } = MethodOptions.Exact;

    /// <summary>Batch size or memory budget, device and threads.</summary>
    public ResourceOptions Resources { get; init; } = ResourceOptions.Default;

    /// <summary>The order in which the grid is swept (row by row unless someone watches the map grow); the map is the same in any order.</summary>
    public SweepOrder Order { get; init; } = SweepOrder.RowMajor;
}
