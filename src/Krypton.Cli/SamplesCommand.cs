using System.CommandLine;
using Krypton.IO;

namespace Krypton.Cli;

/// <summary>`krypton samples`: copies the images and files shipped with the tool into a folder, so examples work wherever the tool is installed.</summary>
internal static class SamplesCommand
{
    private static readonly Option<string> Out = new("--out", "-o") { Description = "folder to copy them into", DefaultValueFactory = _ => "krypton-samples", HelpName = "DIR" };

    /// <summary>The samples shipped beside the tool.</summary>
    public static string Shipped => Path.Combine(AppContext.BaseDirectory, "samples");

    public static Command Create()
    {
        var command = new Command("samples",
            "Copy the sample files shipped with the tool into a folder (default ./krypton-samples): ten\n" +
            "Fashion-MNIST test images (fashion-mnist/, one per class), forty more for tuning\n" +
            "(fashion-mnist-tuning/), the demo model's head (models/) and its tuning profiles (profiles/).\n" +
            "The README's examples use them from there.\n\n" +
            "Example:\n" +
            "  krypton samples && krypton explain --input krypton-samples/fashion-mnist/t10k-00001-pullover.png");
        command.Options.Add(Out);
        command.SetAction(parse =>
        {
            string outDir = parse.GetValue(Out)!;
            OutputLocation.CheckFolder(Term.OutputFolder, outDir);
            if (!Directory.Exists(Shipped))
                throw new KryptonException($"this build of the tool has no samples beside it ({Shipped})");
            var files = Directory.GetFiles(Shipped, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
            foreach (var file in files)
            {
                string target = Path.Combine(outDir, Path.GetRelativePath(Shipped, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                AtomicFile.WriteAllBytes(target, File.ReadAllBytes(file));
            }
            var folders = files.Select(f => Path.GetRelativePath(Shipped, f).Split(Path.DirectorySeparatorChar)[0]).GroupBy(f => f)
                .Select(g => $"{g.Key}/ ({g.Count()})");
            Console.WriteLine($"wrote {files.Count} files to {Path.GetFullPath(outDir)}{Path.DirectorySeparatorChar}: {string.Join(", ", folders)}");
            return 0;
        });
        return command;
    }
}
