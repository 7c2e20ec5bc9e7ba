using System.Text.Json.Serialization;

namespace Krypton.Incremental;

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
