namespace Krypton.Output;

/// <summary>The versions that made a result, as provenance records them.</summary>
public static class ToolVersions
{
    /// <summary>Krypton.NET's version (major.minor.patch).</summary>
    public static string? Krypton => typeof(ToolVersions).Assembly.GetName().Version?.ToString(3);

    /// <summary>ONNX Runtime's version (major.minor.patch).</summary>
    public static string? OnnxRuntime => typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version?.ToString(3);
}
