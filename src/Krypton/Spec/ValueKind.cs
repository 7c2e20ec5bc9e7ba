namespace Krypton.Spec;

/// <summary>What the heat map records at each position.</summary>
public enum ValueKind
{
    /// <summary>Probability of the target class under occlusion: the model's own softmax or sigmoid when it ends with one, a sigmoid of a single output, else a softmax of the outputs.</summary>
    Probability,
    /// <summary>The target's logit (the output before any final softmax or sigmoid).</summary>
    Logit,
    /// <summary>Probability of the target without occlusion minus with it: high where the region matters.</summary>
    Drop,
    /// <summary>
    /// The model's own output for the target without occlusion minus with it, f(x) − f(x occluded):
    /// Captum's attribution (on logits, probabilities or log-probabilities, whatever the file outputs).
    /// </summary>
    Delta,
}
