namespace Krypton.Explain;

/// <summary>Runs occlusion experiments: the library's entry point.</summary>
public static class Explainer
{
    /// <summary>Number of top classes reported.</summary>
    public const int TopK = 5;

    /// <summary>
    /// Runs one experiment with programs compiled for it alone. To explain several images with
    /// the same model, keep an <see cref="OcclusionEngine"/>: it compiles once and reuses.
    /// </summary>
    public static Explanation Explain(ExplainRequest request, IProgress<OcclusionProgress>? progress = null, CancellationToken cancellation = default)
    {
        using var engine = new OcclusionEngine();
        return engine.Explain(request, progress, cancellation);
    }
}
