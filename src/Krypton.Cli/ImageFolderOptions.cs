using System.CommandLine;
using Krypton.Jobs;

namespace Krypton.Cli;

/// <summary>The options that name a folder of sample images, shared by the commands that run over many images.</summary>
internal sealed class ImageFolderOptions(string what)
{
    public Option<string> Images { get; } = new("--images") { Description = $"folder of images (PNG, JPEG, BMP, WebP, TIFF; taken in name order){what}", HelpName = "DIR", Required = true };
    public Option<int?> Limit { get; } = new("--limit", "-n") { Description = "use at most this many images (default: all)", HelpName = "N" };

    public void AddTo(Command command)
    {
        command.Options.Add(Images);
        command.Options.Add(Limit);
    }

    /// <summary>The image files, in name order.</summary>
    public IReadOnlyList<string> Files(ParseResult parse) => ImageFolder.Files(parse.GetValue(Images)!, parse.GetValue(Limit));
}
