using Krypton.Model;

namespace Krypton.Incremental;

/// <summary>
/// Counts the multiply-adds of full and incremental inference for a patch at the image centre
/// (the worst case, as KRYPTON reports it), stride 1. Convolutions and fully-connected layers
/// count, the latter in full on both sides (VGG16's 15.47 GMAC includes its 0.12 GMAC of FC);
/// pooling and element-wise ops count nothing. With these rules the published VGG16, ResNet18
/// and InceptionV3 rows (and their τ values) reproduce to the printed two decimals.
/// </summary>
public static class Analyzer
{
    /// <summary>
    /// Analyzes <paramref name="graph"/> for a <paramref name="patchHeight"/>×<paramref name="patchWidth"/>
    /// patch at <see cref="RegionGeometry.CentredPatch"/>.
    /// </summary>
    /// <param name="graph">The model.</param>
    /// <param name="patchHeight">Patch height in input pixels.</param>
    /// <param name="patchWidth">Patch width in input pixels.</param>
    /// <param name="tau">Projective-field threshold τ ∈ (0, 1]; 1 is exact inference.</param>
    /// <param name="mergeRule">How merges combine regions; <see cref="MergeRule.LastInput"/> only to compare with the published InceptionV3 row.</param>
    public static SpeedupAnalysis Analyze(ModelGraph graph, int patchHeight, int patchWidth, double tau = 1.0, MergeRule mergeRule = MergeRule.BoundingBox) =>
        Analyze(graph, RegionGeometry.CentredPatch(graph.Height, graph.Width, patchHeight, patchWidth), tau, mergeRule);

    /// <summary>Analyzes <paramref name="graph"/> for a patch covering <paramref name="patch"/> on the input image.</summary>
    public static SpeedupAnalysis Analyze(ModelGraph graph, ChangedRegion patch, double tau = 1.0, MergeRule mergeRule = MergeRule.BoundingBox)
    {
        var layers = new List<LayerAnalysis>(graph.Nodes.Count);
        long full = 0, incremental = 0;
        foreach (var n in RegionPropagation.Propagate(graph, patch, tau, mergeRule))
        {
            var node = n.Node;
            var inputs = node.Inputs.Select(graph.ShapeOf).ToList();
            var shape = graph.ShapeOf(node.Output);
            bool spatial = shape.Length == 4;
            long q = node.Op.MultiplyAdds(inputs, shape);
            (int h, int w, long qInc) = n.State switch
            {
                RegionState.Unchanged => (0, 0, 0L),
                RegionState.Local => (n.Region!.Value.Height, n.Region.Value.Width,
                    node.Op.MultiplyAdds(inputs, [.. shape[..2], n.Region.Value.Height, n.Region.Value.Width])),
                _ => (spatial ? shape[2] : 0, spatial ? shape[3] : 0, q),
            };
            full += q;
            incremental += qInc;
            layers.Add(new LayerAnalysis(node.Name, node.Op.TypeName, shape, n.State, h, w, q, qInc));
        }
        // A model without multiplying layers has nothing to save: report 1 rather than 0/0.
        double r = incremental == 0 ? 1.0 : (double)full / incremental;
        return new SpeedupAnalysis(graph.Name, patch.Height, patch.Width, tau, mergeRule, full, incremental, r, layers);
    }
}
