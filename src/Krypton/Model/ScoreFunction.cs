namespace Krypton.Model;

/// <summary>How a classifier's logits become probabilities.</summary>
public enum ScoreFunction
{
    /// <summary>A softmax across the outputs: one class among many.</summary>
    Softmax,
    /// <summary>A sigmoid of each output: independent labels, or a binary classifier's single logit.</summary>
    Sigmoid,
}
