using Krypton.Planning;

namespace Krypton.Jobs;

/// <summary>A finished folder run, or what a cancelled one finished.</summary>
/// <param name="Images">Every image, in name order (those a cancelled run did not reach marked <see cref="FolderImage.NotRun"/>).</param>
/// <param name="Plan">The plan every image ran (the same model, spec and settings).</param>
/// <param name="Time">The whole run.</param>
public sealed record FolderResult(IReadOnlyList<FolderImage> Images, OcclusionPlan Plan, TimeSpan Time)
{
    /// <summary>The images that could not be explained.</summary>
    public IReadOnlyList<FolderImage> Failed => Images.Where(i => i.Error is not null).ToList();

    /// <summary>The images a cancelled run did not reach.</summary>
    public IReadOnlyList<FolderImage> NotRun => Images.Where(i => i.NotRun).ToList();
}
