using Krypton.Imaging;
using Krypton.Model;
using Krypton.Planning;
using Krypton.Spec;

namespace Krypton.Jobs;

/// <summary>What a job needs besides its input, checked against the model: the same for every image.</summary>
/// <param name="Normalization">How pictures become the model's input, and what pixel-space fills convert through; null for a tensor input whose normalization nobody stated.</param>
/// <param name="Grid">The positions.</param>
/// <param name="Profile">The tuning profile for the quality target, or null.</param>
/// <param name="ProfilePath">Where <paramref name="Profile"/> came from.</param>
public sealed record CheckedJob(Preprocessing? Normalization, OcclusionGrid Grid, QualityProfile? Profile, string? ProfilePath)
{
    /// <summary>The class names the job's outputs show, or null (<see cref="LoadedModel.LabelsWith"/>).</summary>
    public ClassLabels? Labels { get; init; }
}
