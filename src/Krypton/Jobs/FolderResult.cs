using Krypton.Planning;

namespace Krypton.Jobs;

/// <summary>A finished folder run.</summary>
/// <param name="Images">Every image, in name order.</param>
/// <param name="Plan">The plan every image ran (the same model, spec and settings).</param>
/// <param name="Time">The whole run.</param>
public sealed record FolderResult(IReadOnlyList<FolderImage> Images, OcclusionPlan Plan, TimeSpan Time)
{
    /// <summary>The images that could not be explained.</summary>
    public IReadOnlyList<FolderImage> Failed => Images.Where(i => i.Error is not null).ToList();
}
