namespace Krypton.Spec;

/// <summary>What the heat map records at each position.</summary>
public enum ValueKind
{
    /// <summary>Probability of the target class under occlusion: the model's own softmax or sigmoid when it ends with one, a sigmoid of a single output, else a softmax of the outputs.</summary>
    Probability,
    /// <summary>The target's raw output (the logit, before any final softmax or sigmoid).</summary>
    Logit,
    /// <summary>Probability of the target without occlusion minus with it: high where the region matters.</summary>
    Drop,
}
