using System.Text.Json.Serialization;

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
