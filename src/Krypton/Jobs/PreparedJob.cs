using Krypton.Explain;
using Krypton.Imaging;
using Krypton.Model;
using Krypton.Planning;
using Krypton.Spec;

namespace Krypton.Jobs;

/// <summary>A job with its model and input loaded and checked, ready to run.</summary>
/// <param name="Job">The job.</param>
/// <param name="Model">The model.</param>
/// <param name="Input">The model input [1, C, H, W].</param>
/// <param name="DisplayImage">The picture as the model saw it (for overlays), or null for a tensor input.</param>
/// <param name="InputPath">The input file, full path.</param>
/// <param name="InputSha256">SHA-256 of the input file.</param>
/// <param name="InputKind">What the input was and how it became the model input.</param>
/// <param name="Normalization">How pixels became the input; null for a tensor whose normalization nobody stated.</param>
/// <param name="Grid">The positions.</param>
/// <param name="LoadTime">Time to load the model and the input.</param>
public sealed record PreparedJob(
    ExplainJob Job,
    LoadedModel Model,
    float[] Input,
    LoadedImage? DisplayImage,
    string InputPath,
    string InputSha256,
    string InputKind,
    Preprocessing? Normalization,
    OcclusionGrid Grid,
    TimeSpan LoadTime)
{
    /// <summary>When preparing the job began (the load's start).</summary>
    public DateTime StartUtc { get; init; } = DateTime.UtcNow;

    /// <summary>The tuning profile the planner uses with a quality target, or null.</summary>
    public QualityProfile? Profile { get; init; }

    /// <summary>Where <see cref="Profile"/> came from.</summary>
    public string? ProfilePath { get; init; }

    /// <summary>How the picture was brought to the model's size, with notes for the user; null for a tensor input.</summary>
    public FramedImage? Framed { get; init; }

    /// <summary>The class names the outputs show, or null.</summary>
    public ClassLabels? Labels { get; init; }

    /// <summary>The occlusion request this job runs.</summary>
    public ExplainRequest Request => ExplainJobRunner.RequestFor(Job, Model.Graph, Input, Normalization, Profile);

    /// <summary>The model in words.</summary>
    public string ModelDescription => Model.Describe();

    /// <summary>The input in words.</summary>
    public string InputDescription => Path.GetFileName(InputPath);
}
