namespace Krypton.Jobs;

/// <summary>
/// A folder run cancelled after some images: their files are in place, and summary.csv and
/// index.html list them with the images not reached (as not run), so a resumed run
/// (<c>ExplainFolder.Run</c> with resume) finishes the rest.
/// </summary>
public sealed class FolderRunCancelledException : OperationCanceledException
{
    /// <summary>Creates the exception for what a cancelled run finished.</summary>
    /// <param name="partial">Every image: those finished (explained, kept or failed) and those not run.</param>
    /// <param name="outputFolder">The folder that holds their files, summary.csv and index.html.</param>
    /// <param name="cancellation">The token that cancelled the run.</param>
    public FolderRunCancelledException(FolderResult partial, string outputFolder, CancellationToken cancellation)
        : base($"cancelled after {partial.Images.Count - partial.NotRun.Count} of {partial.Images.Count} images; their files, "
            + $"{ExplainFolder.SummaryFile} and {ExplainFolder.GalleryFile} are in {outputFolder}; a resumed run finishes the rest", cancellation)
    {
        Partial = partial;
        OutputFolder = outputFolder;
    }

    /// <summary>Every image of the run: those finished and those not run (<see cref="FolderImage.NotRun"/>).</summary>
    public FolderResult Partial { get; }

    /// <summary>The folder that holds the finished images' files, summary.csv and index.html.</summary>
    public string OutputFolder { get; }

    /// <summary>How many images the run finished (explained, kept or failed) before it was cancelled.</summary>
    public int Finished => Partial.Images.Count - Partial.NotRun.Count;
}
