using Krypton.Model;
using Krypton.Occlusion;
using Krypton.Onnx;

namespace Krypton.Compilation;

/// <summary>
/// What every occlusion graph shares: its inputs (positions, fill, targets) and the tail it ends
/// with (the flattened logits, their softmax, and the recorded value of each target). Written
/// once for the naive and the incremental graphs.
/// </summary>
public static class ScoreHead
{
    /// <summary>The image, [1, C, H, W] in model space (the naive graph's input, and the cache graph's).</summary>
    public const string ImageInput = "image";

    /// <summary>Patch top-left corners, [n, 2] int64 (row, column).</summary>
    public const string PositionsInput = "positions";

    /// <summary>The fill, [1, C, 1, 1] in model space.</summary>
    public const string FillInput = "fill";

    /// <summary>Flattened output indices to record, [k] int64.</summary>
    public const string TargetsInput = "targets";

    /// <summary>Output: the recorded value of each target at each position, [n, k].</summary>
    public const string ValuesOutput = "values";

    /// <summary>Output: every logit (the flattened output before any softmax), [n, K].</summary>
    public const string LogitsOutput = "logits";

    /// <summary>Output: every class probability, [n, K].</summary>
    public const string ProbabilitiesOutput = "probabilities";

    /// <summary>
    /// The network that computes logits: the model itself, or, for a model that ends with a
    /// softmax, the model without it (its probabilities are recomputed from these logits).
    /// </summary>
    public static ModelGraph Logits(ModelGraph model)
    {
        if (!model.EndsWithSoftmax)
            return model;
        var softmax = model.ProducerOf(model.Output)!;
        var nodes = model.Nodes.Where(n => !ReferenceEquals(n, softmax)).ToList();
        return model.WithNodes(nodes, softmax.Inputs[0]);
    }

    /// <summary>Claims the output names first, so that no model value can take them.</summary>
    public static void ReserveNames(OnnxGraphBuilder b)
    {
        b.Reserve(LogitsOutput);
        b.Reserve(ProbabilitiesOutput);
        b.Reserve(ValuesOutput);
    }

    /// <summary>Emits logits, probabilities and (when <paramref name="targets"/> is given) the target values.</summary>
    public static void Emit(OnnxGraphBuilder b, string output, int outputSize, ValueKind value, string? targets)
    {
        string logits = b.Node("Flatten", [output], LogitsOutput, "flatten_logits", OnnxAttr.Int("axis", 1));
        string probabilities = b.Node("Softmax", [logits], ProbabilitiesOutput, "softmax", OnnxAttr.Int("axis", 1));
        b.Output(LogitsOutput, [-1, outputSize]);
        b.Output(ProbabilitiesOutput, [-1, outputSize]);
        if (targets is null) return;
        b.Node("Gather", [value == ValueKind.Logit ? logits : probabilities, targets], ValuesOutput, "select_targets", OnnxAttr.Int("axis", 1));
        b.Output(ValuesOutput, [-1, -1]);
    }
}
