namespace Krypton.Model;

/// <summary>
/// What a model file's own output is, for a graph that computes its logits: the logits themselves,
/// the probabilities (the file ends with a softmax or a sigmoid), or their logarithm (a log-softmax).
/// Captum's attribution is a difference of this output.
/// </summary>
public enum OutputForm
{
    /// <summary>The file outputs the logits.</summary>
    Logits,
    /// <summary>The file outputs probabilities (a final softmax or sigmoid).</summary>
    Probabilities,
    /// <summary>The file outputs log-probabilities (a final log-softmax).</summary>
    LogProbabilities,
}
