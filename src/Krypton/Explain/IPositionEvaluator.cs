namespace Krypton.Explain;

/// <summary>
/// Computes target values for batches of patch positions on one bound image. The occlusion
/// runner sees only this; how (naive or incremental, CPU or GPU) is the evaluator's business.
/// </summary>
public interface IPositionEvaluator : IDisposable
{
    /// <summary>Number of targets recorded per position.</summary>
    int TargetCount { get; }

    /// <summary>Chooses the flattened output indices recorded by <see cref="Evaluate"/>.</summary>
    void SetTargets(IReadOnlyList<int> targets);

    /// <summary>Values for each position (patch top-left), position-major: [positions, targets].</summary>
    float[] Evaluate(ReadOnlySpan<(int Y, int X)> positions, CancellationToken cancellation = default);

    /// <summary>Every logit and every probability of the unoccluded image.</summary>
    (float[] Logits, float[] Probabilities) Unoccluded();

    /// <summary>
    /// The float32 model's class probabilities on the unoccluded image when the evaluator runs
    /// another precision (they choose the target: the class the model itself predicts); null in float32.
    /// </summary>
    float[]? ReferenceProbabilities => null;

    /// <summary>Where cached feature maps live while positions run, as the engine names the memory ("Cpu", "Cuda"); null when there are none.</summary>
    string? CacheMemory => null;
}
