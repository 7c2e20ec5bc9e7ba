using System.CommandLine;
using System.Globalization;
using Krypton.Jobs;

namespace Krypton.Cli;

/// <summary>`krypton merge`: the one summary.csv and index.html of a run its shards wrote into one folder.</summary>
internal static class MergeCommand
{
    /// <summary>Exit code while images are missing or running: not an error, "not yet".</summary>
    public const int NotYet = 3;

    private static readonly Argument<string> Out = new("OUT") { Description = "the output folder the shards of a run (krypton explain --shard K/N --out OUT) wrote into" };
    private static readonly Option<bool> Status = new("--status") { Description = "only print where the run is: images done, running, failed and missing, and the time left at the shards' measured pace; writes nothing" };
    private static readonly Option<bool> VerboseOption = Cli.VerboseOption();

    public static Command Create()
    {
        var command = new Command("merge",
            "Put the pieces of a sharded run back together: read what the shards of a run (krypton explain\n" +
            "--shard K/N, on one machine or a cluster's) wrote into their shared output folder, and write\n" +
            "the run's summary.csv and index.html. Lists the images that failed (with their reasons) and those\n" +
            "not done yet; exits with 0 when every image is done or failed, 3 while any is missing or running.\n\n" +
            "Examples:\n" +
            "  krypton merge maps/\n" +
            "  krypton merge maps/ --status      how far the run is, and how long it has left");
        command.Arguments.Add(Out);
        command.Options.Add(Status);
        command.Options.Add(VerboseOption);
        Cli.SetAction(command, (parse, _) =>
        {
            string outDir = parse.GetValue(Out)!;
            if (!Directory.Exists(outDir))
                throw new KryptonException($"output folder not found: {outDir}");
            bool statusOnly = parse.GetValue(Status);
            var run = statusOnly ? RunMerge.Read(outDir) : RunMerge.Merge(outDir);
            int done = run.Count(MergedState.Done), failed = run.Count(MergedState.Failed), running = run.Count(MergedState.Running), missing = run.Count(MergedState.Missing);
            var inv = CultureInfo.InvariantCulture;
            string pace = run.SecondsPerImage is double s ? string.Create(inv, $"; {s:0.0} s per image") : "";
            string left = running + missing > 0 && run.Remaining is { } r ? string.Create(inv, $", about {r:hh\\:mm\\:ss} left at {Math.Max(1, run.ActiveShards)} shard{(Math.Max(1, run.ActiveShards) == 1 ? "" : "s")} at once") : "";
            Console.WriteLine($"{run.Images.Count} images in {run.Record.Shards} shards: {done} done, {running} running, {failed} failed, {missing} missing{pace}{left}");
            foreach (var (image, state) in run.Images.Where(i => i.State is MergedState.Failed))
                Console.WriteLine($"  failed: {image.Key}: {image.Error}");
            var notYet = run.Images.Where(i => i.State is MergedState.Missing).Select(i => i.Image.Key).ToList();
            if (notYet.Count > 0)
                Console.WriteLine($"  missing: {string.Join(", ", notYet.Take(10))}{(notYet.Count > 10 ? $", and {notYet.Count - 10} more" : "")}");
            if (!statusOnly)
                Console.WriteLine($"wrote {Path.GetFullPath(outDir)}{Path.DirectorySeparatorChar}: {ExplainFolder.SummaryFile}, {ExplainFolder.GalleryFile}");
            return running + missing > 0 ? NotYet : 0;
        });
        return command;
    }
}
