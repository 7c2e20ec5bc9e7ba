using Krypton.Model;
using Krypton.Onnx;
using Krypton.Spec;

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

    /// <summary>The fill image, [1, C, H, W] in model space: what each pixel becomes under the patch (<see cref="Krypton.Explain.FillValues.Image"/>).</summary>
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
    /// The network that computes logits, and how they become probabilities: for a model that
    /// ends with a softmax or a sigmoid, the model without it (its probabilities are recomputed
    /// from these logits, with the same function); a model with one output and no such ending is
    /// a binary classifier's logit, read through a sigmoid (a softmax of one value is always 1);
    /// any other model's outputs are logits of a softmax.
    /// </summary>
    public static ModelGraph Logits(ModelGraph model)
    {
        if (!model.EndsWithSoftmax && !model.EndsWithSigmoid)
            return model.OutputSize == 1 ? model.WithScores(ScoreFunction.Sigmoid) : model;
        var (last, after) = model.Ending();
        var nodes = model.Nodes.Where(n => !ReferenceEquals(n, last) && !after.Contains(n)).ToList();
        return model.WithNodes(nodes, last!.Inputs[0]).WithScores(model.EndsWithSigmoid ? ScoreFunction.Sigmoid : ScoreFunction.Softmax, OutputFormOf(model));
    }

    /// <summary>What the model file outputs: its logits, or probabilities (a final softmax or sigmoid), or log-probabilities (a final log-softmax).</summary>
    public static OutputForm OutputFormOf(ModelGraph model)
    {
        if (!model.EndsWithSoftmax && !model.EndsWithSigmoid) return OutputForm.Logits;
        return model.Ending().Last!.Op is Softmax { Log: true } ? OutputForm.LogProbabilities : OutputForm.Probabilities;
    }

    /// <summary>Claims the output names first, so that no model value can take them.</summary>
    public static void ReserveNames(OnnxGraphBuilder b)
    {
        b.Reserve(LogitsOutput);
        b.Reserve(ProbabilitiesOutput);
        b.Reserve(ValuesOutput);
    }

    /// <summary>
    /// Emits logits, probabilities (as <paramref name="network"/>'s scores say) and, when
    /// <paramref name="targets"/> is given, the target values; <paramref name="output"/> is the
    /// emitted name of the network's output.
    /// </summary>
    public static void Emit(OnnxGraphBuilder b, string output, ModelGraph network, ValueKind value, string? targets)
    {
        int outputSize = network.OutputSize;
        string logits = b.Node("Flatten", [output], LogitsOutput, "flatten_logits", OnnxAttr.Int("axis", 1));
        string probabilities = network.Scores == ScoreFunction.Sigmoid
            ? b.Node("Sigmoid", [logits], ProbabilitiesOutput, "sigmoid")
            : b.Node("Softmax", [logits], ProbabilitiesOutput, "softmax", OnnxAttr.Int("axis", 1));
        b.Output(LogitsOutput, [-1, outputSize]);
        b.Output(ProbabilitiesOutput, [-1, outputSize]);
        if (targets is null) return;
        string recorded = value switch
        {
            ValueKind.Logit => logits,
            ValueKind.Delta => network.OutputForm switch
            {
                OutputForm.Probabilities => probabilities,
                OutputForm.LogProbabilities => b.Node("LogSoftmax", [logits], null, "log_probabilities", OnnxAttr.Int("axis", 1)),
                _ => logits,
            },
            _ => probabilities,
        };
        b.Node("Gather", [recorded, targets], ValuesOutput, "select_targets", OnnxAttr.Int("axis", 1));
        b.Output(ValuesOutput, [-1, -1]);
    }
}
