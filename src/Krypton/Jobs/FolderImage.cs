namespace Krypton.Jobs;

/// <summary>One image of a folder run: where its files went and what they show, why it failed, or that a cancelled run did not reach it.</summary>
/// <param name="Image">The image file.</param>
/// <param name="Folder">Its output folder's name (under the run's output folder).</param>
/// <param name="Summary">What its map shows, or null when it failed.</param>
/// <param name="Result">The job run now, or null when it failed or an earlier run's files were kept.</param>
/// <param name="Error">Why it failed (one line), or null.</param>
/// <param name="Kept">True when a resumed run kept the files an earlier run wrote with the same settings.</param>
/// <param name="NotRun">True when a cancelled run did not reach it: no summary, no error, no files.</param>
/// <remarks>
/// <see cref="Key"/> names it in summary.csv and the gallery (its path relative to the input, or as a
/// manifest writes it); <see cref="NotRunStatus"/> says why it has no files where it is not run:
/// "not run" (a cancelled run did not reach it), or, in a merge of shards, "missing" or "running".
/// </remarks>
public sealed record FolderImage(string Image, string Folder, ImageSummary? Summary, JobResult? Result, string? Error, bool Kept = false, bool NotRun = false)
{
    /// <summary>The image's name in the run.</summary>
    public string Key { get; init; } = System.IO.Path.GetFileName(Image);

    /// <summary>The status summary.csv gives an image that is not run.</summary>
    public string NotRunStatus { get; init; } = "not run";
}
