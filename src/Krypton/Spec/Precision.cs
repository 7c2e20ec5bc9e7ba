namespace Krypton.Spec;

/// <summary>
/// The arithmetic the convolutions run in: float32 (the default, every mode equal to the
/// model's own maps), or a faster one with its own cost and quality, an approximation that
/// <c>krypton tune</c> measures like τ (docs/design.md, "Precision").
/// </summary>
public enum Precision
{
    /// <summary>float32 throughout.</summary>
    Fp32,

    /// <summary>
    /// Convolutions as ONNX QLinearConv on uint8 activations and int8 weights (symmetric, per
    /// output channel), activation scales calibrated on each image's unoccluded run: a CPU's
    /// fast path.
    /// </summary>
    Int8,

    /// <summary>
    /// The float32 graph with the CUDA provider's TensorFloat-32 convolutions and matrix products
    /// (10-bit mantissas inside the tensor cores): CUDA only.
    /// </summary>
    Tf32,

    /// <summary>
    /// Convolutions, and the max pooling, padding and ReLUs that pass their outputs on, in
    /// float16 (weights converted once); other ops in float32. A GPU's fast path (cuDNN's half
    /// convolutions); a CPU runs it through ONNX Runtime's casts, correct but not faster.
    /// </summary>
    Fp16,
}

/// <summary>How precisions are written on the command line, in files and in reports.</summary>
public static class PrecisionNames
{
    /// <summary>Every precision as written: "fp32|int8|tf32|fp16".</summary>
    public const string All = "fp32|int8|tf32|fp16";

    /// <summary>"fp32", "int8", "tf32" or "fp16".</summary>
    public static string Name(this Precision precision) => precision.ToString().ToLowerInvariant();

    /// <summary>Parses "fp32", "int8", "tf32" or "fp16" (any case; "float32" and "float16" too).</summary>
    /// <exception cref="KryptonException">Anything else.</exception>
    public static Precision Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "fp32" or "float32" => Precision.Fp32,
        "int8" => Precision.Int8,
        "tf32" => Precision.Tf32,
        "fp16" or "float16" => Precision.Fp16,
        _ => throw new KryptonException($"precision '{text}' is not fp32, int8, tf32 or fp16"),
    };

    /// <summary>True for the precisions a device runs: TensorFloat-32 exists only on CUDA.</summary>
    public static bool RunsOn(this Precision precision, bool cuda) => precision != Precision.Tf32 || cuda;

    /// <summary>True for the precisions worth choosing for speed on a device: int8 on a CPU, TF32 and float16 on CUDA, float32 on both.</summary>
    public static bool IsFastOn(this Precision precision, bool cuda) => precision == Precision.Fp32 || (cuda ? precision is Precision.Tf32 or Precision.Fp16 : precision == Precision.Int8);
}
