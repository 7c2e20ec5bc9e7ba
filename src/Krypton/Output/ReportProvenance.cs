namespace Krypton.Output;

/// <summary>Where a result came from and how it was run, for people reading a report.</summary>
/// <param name="Model">The model in words.</param>
/// <param name="ModelFile">The model file (or the weights file of a built-in architecture), or null.</param>
/// <param name="ModelSha256">SHA-256 of that file.</param>
/// <param name="Input">The input file.</param>
/// <param name="InputSha256">SHA-256 of the input file.</param>
/// <param name="InputKind">What the input was and how it became the model input.</param>
/// <param name="Normalization">The input normalization in words.</param>
/// <param name="ToolVersion">Krypton.NET's version.</param>
/// <param name="OnnxRuntimeVersion">ONNX Runtime's version.</param>
/// <param name="Device">The device inference ran on.</param>
/// <param name="Threads">Inference threads.</param>
/// <param name="Machine">Operating system, architecture and runtime.</param>
/// <param name="CommandLine">The command line, or null when the library was called directly.</param>
/// <param name="RequestedMode">The mode asked for (the explanation says the mode that ran).</param>
/// <param name="LoadTime">Time to load the model and the input.</param>
/// <param name="CreatedUtc">When the result was made.</param>
public sealed record ReportProvenance(
    string Model,
    string? ModelFile,
    string? ModelSha256,
    string Input,
    string? InputSha256,
    string InputKind,
    string Normalization,
    string ToolVersion,
    string OnnxRuntimeVersion,
    string Device,
    int Threads,
    string Machine,
    string? CommandLine,
    string RequestedMode,
    TimeSpan LoadTime,
    DateTime CreatedUtc);
