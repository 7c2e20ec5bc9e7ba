using Krypton.Jobs;

namespace Krypton.Web;

/// <summary>An image the page offers: a shipped sample or an upload.</summary>
/// <param name="Id">"sample:FILE" or an upload's id.</param>
/// <param name="Name">For people.</param>
public sealed record ImageEntry(string Id, string Name);

/// <summary>The images a request may name: the samples shipped with the tool and the uploaded ones; ids, never paths.</summary>
public sealed class ImageCatalog(UploadStore uploads)
{
    private static string SampleFolder => Path.GetDirectoryName(ExplainJobRunner.SampleImagePath)!;

    /// <summary>The id of the image used when a request names none (the CLI's default sample).</summary>
    public static string DefaultId => "sample:" + Path.GetFileName(ExplainJobRunner.SampleImagePath);

    /// <summary>The shipped samples, by file name.</summary>
    public static IReadOnlyList<ImageEntry> Samples() => Directory.Exists(SampleFolder)
        ? Directory.EnumerateFiles(SampleFolder, "*.png").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)
            .Select(f => new ImageEntry("sample:" + f, Path.GetFileNameWithoutExtension(f))).ToList()
        : [];

    /// <summary>Samples, then uploads.</summary>
    public IReadOnlyList<ImageEntry> List() =>
        [.. Samples(), .. uploads.All(UploadKind.Image).Select(u => new ImageEntry(u.Id, u.Name + " (uploaded)"))];

    /// <summary>The file behind an id, and the name to show for it.</summary>
    /// <exception cref="NotFoundException">No image has this id.</exception>
    public (string Path, string Name) Resolve(string? id)
    {
        id ??= DefaultId;
        if (id.StartsWith("sample:", StringComparison.Ordinal) && Samples().Any(s => s.Id == id))
            return (Path.Combine(SampleFolder, id[7..]), id[7..]);
        if (id.StartsWith("upload-", StringComparison.Ordinal) && !id.StartsWith("upload-model-", StringComparison.Ordinal))
        {
            var u = uploads.Get(id, UploadKind.Image);
            return (u.Path, u.Name);
        }
        throw new NotFoundException($"no image '{id}' on this server (GET /api/samples lists the samples; POST /api/uploads adds one)");
    }
}
