using Krypton.Model;
using Krypton.Spec;

namespace Krypton.Explain;

/// <summary>A target's value on the unoccluded input, in the units a map records.</summary>
internal static class TargetValues
{
    /// <summary>
    /// The value of output <paramref name="target"/> before any drop: its logit, its probability, or
    /// (for a delta) the model file's own output, whose form <paramref name="form"/> says.
    /// </summary>
    public static float Unoccluded(ValueKind value, OutputForm form, float[] logits, float[] probabilities, int target) => value switch
    {
        ValueKind.Logit => logits[target],
        ValueKind.Delta => form switch
        {
            OutputForm.Logits => logits[target],
            OutputForm.Probabilities => probabilities[target],
            _ => LogSoftmax(logits, target),
        },
        _ => probabilities[target],
    };

    /// <summary>log(softmax(logits))[target], stably: the logit minus the log of the sum of exponentials.</summary>
    private static float LogSoftmax(float[] logits, int target)
    {
        double max = logits.Max();
        double sum = logits.Sum(l => Math.Exp(l - max));
        return (float)(logits[target] - max - Math.Log(sum));
    }
}
