using Krypton.Imaging;
using Krypton.Model;
using Krypton.Planning;

namespace Krypton.Output;

/// <summary>Where a result came from and how it was run: what explanation.json and the report record besides the maps.</summary>
public sealed record RunRecord
{
    /// <summary>The model graph (its name, shapes, parameters and multiply-adds are recorded).</summary>
    public required ModelGraph Model { get; init; }

    /// <summary>How the model was obtained, in words.</summary>
    public required string ModelDescription { get; init; }

    /// <summary>The file it came from (the ONNX file, or the weights of a built-in architecture), or null.</summary>
    public string? ModelFile { get; init; }

    /// <summary>SHA-256 of that file.</summary>
    public string? ModelSha256 { get; init; }

    /// <summary>The input file, full path.</summary>
    public required string InputFile { get; init; }

    /// <summary>SHA-256 of the input file.</summary>
    public required string InputSha256 { get; init; }

    /// <summary>What the input was and how it became the model input.</summary>
    public required string InputKind { get; init; }

    /// <summary>How pixels became the model input; null for a tensor used as is whose normalization nobody stated.</summary>
    public required Preprocessing? Normalization { get; init; }

    /// <summary>How a picture was brought to the model's size, with its notes; null for a tensor.</summary>
    public FramedImage? Framed { get; init; }

    /// <summary>The tuning profile the planner used, or null.</summary>
    public string? ProfileFile { get; init; }

    /// <summary>The digest of everything that decides the files (for resuming folder runs).</summary>
    public required string RequestSha256 { get; init; }

    /// <summary>The command line, or null when the library was called directly.</summary>
    public string? CommandLine { get; init; }

    /// <summary>The mode asked for (the plan says what ran).</summary>
    public required OcclusionMode RequestedMode { get; init; }

    /// <summary>Batch, memory budget, device and threads as asked.</summary>
    public required ResourceOptions Resources { get; init; }

    /// <summary>Time to load the model and the input.</summary>
    public required TimeSpan LoadTime { get; init; }

    /// <summary>When the job began (its load's start).</summary>
    public DateTime JobStartUtc { get; init; }

    /// <summary>When the command running the job started (its process); null for library calls and folder runs.</summary>
    public DateTime? CommandStartUtc { get; init; }

    /// <summary>Time the deletion curve took (zero without one).</summary>
    public TimeSpan FaithfulnessTime { get; init; }

    /// <summary>The model in words: its file and how it was obtained.</summary>
    public string ModelText => DescribeModel(ModelFile, ModelDescription);

    /// <summary>A model in words: its file's name (when it came from one) and how it was obtained.</summary>
    public static string DescribeModel(string? file, string description) => file is null ? description : $"{Path.GetFileName(file)} ({description})";
}
