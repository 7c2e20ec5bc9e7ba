namespace Krypton.Spec;

/// <summary>
/// The arithmetic the convolutions run in: float32 (the default, every mode equal to the
/// model's own maps) or int8, an approximation with its own cost and quality (docs/design.md,
/// "Precision").
/// </summary>
public enum Precision
{
    /// <summary>float32 throughout.</summary>
    Fp32,

    /// <summary>
    /// Convolutions as ONNX QLinearConv on uint8 activations and int8 weights (symmetric, per
    /// output channel), activation scales calibrated on each image's unoccluded run.
    /// </summary>
    Int8,
}

/// <summary>How precisions are written on the command line, in files and in reports.</summary>
public static class PrecisionNames
{
    /// <summary>"fp32" or "int8".</summary>
    public static string Name(this Precision precision) => precision.ToString().ToLowerInvariant();

    /// <summary>Parses "fp32" or "int8" (any case).</summary>
    /// <exception cref="KryptonException">Anything else.</exception>
    public static Precision Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "fp32" or "float32" => Precision.Fp32,
        "int8" => Precision.Int8,
        _ => throw new KryptonException($"precision '{text}' is not fp32 or int8"),
    };
}
