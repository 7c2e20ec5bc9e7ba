using System.Text.Json.Serialization;
using Krypton.Model;

namespace Krypton.Incremental;

/// <summary>One layer of a theoretical-speedup analysis.</summary>
/// <param name="Name">Node name.</param>
/// <param name="OpType">ONNX op type.</param>
/// <param name="OutputShape">Output shape for a batch of one.</param>
/// <param name="State">Unchanged, local or full under the patch.</param>
/// <param name="ChangedHeight">Rows of the output to recompute (the whole height when full, 0 when unchanged; 0 for non-spatial outputs).</param>
/// <param name="ChangedWidth">Columns of the output to recompute, likewise.</param>
/// <param name="FullMultiplyAdds">Multiply-adds of the layer in a full inference.</param>
/// <param name="IncrementalMultiplyAdds">Multiply-adds of the layer in incremental inference.</param>
public sealed record LayerAnalysis(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("op_type")] string OpType,
    [property: JsonPropertyName("output_shape")] int[] OutputShape,
    [property: JsonPropertyName("state"), JsonConverter(typeof(JsonStringEnumConverter<RegionState>))] RegionState State,
    [property: JsonPropertyName("changed_height")] int ChangedHeight,
    [property: JsonPropertyName("changed_width")] int ChangedWidth,
    [property: JsonPropertyName("full_multiply_adds")] long FullMultiplyAdds,
    [property: JsonPropertyName("incremental_multiply_adds")] long IncrementalMultiplyAdds);

/// <summary>
/// The theoretical speedup of incremental inference for one model and patch (KRYPTON §2):
/// R = Σ Q_l / Σ Q_inc,l over the layers that multiply (convolutions and fully-connected layers).
/// </summary>
/// <param name="Model">Model name.</param>
/// <param name="PatchHeight">Patch height.</param>
/// <param name="PatchWidth">Patch width.</param>
/// <param name="Tau">Projective-field threshold τ (1 = exact).</param>
/// <param name="MergeRule">How merges combined regions.</param>
/// <param name="FullMultiplyAdds">Σ Q_l: multiply-adds of one full inference.</param>
/// <param name="IncrementalMultiplyAdds">Σ Q_inc,l: multiply-adds of one incremental inference.</param>
/// <param name="TheoreticalSpeedup">R = Σ Q_l / Σ Q_inc,l.</param>
/// <param name="Layers">Every node, in order.</param>
public sealed record SpeedupAnalysis(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("patch_height")] int PatchHeight,
    [property: JsonPropertyName("patch_width")] int PatchWidth,
    [property: JsonPropertyName("tau")] double Tau,
    [property: JsonPropertyName("merge_rule"), JsonConverter(typeof(JsonStringEnumConverter<MergeRule>))] MergeRule MergeRule,
    [property: JsonPropertyName("full_multiply_adds")] long FullMultiplyAdds,
    [property: JsonPropertyName("incremental_multiply_adds")] long IncrementalMultiplyAdds,
    [property: JsonPropertyName("theoretical_speedup")] double TheoreticalSpeedup,
    [property: JsonPropertyName("layers")] IReadOnlyList<LayerAnalysis> Layers);

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
