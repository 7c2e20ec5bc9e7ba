using System.CommandLine;
using System.Globalization;
using Krypton.Jobs;
using Krypton.IO;
using Krypton.Planning;
using Krypton.Quality;

namespace Krypton.Cli;

/// <summary>`krypton faithfulness`: deletion-curve areas over a folder of images, heat-map order against random order.</summary>
internal static class FaithfulnessCommand
{
    private static readonly ImageFolderOptions ImageChoice = new("");
    private static readonly Option<string> Mode = new("--mode") { Description = "how heat maps are computed: exact or naive", DefaultValueFactory = _ => "exact", HelpName = "exact|naive" };
    private static readonly Option<int> Steps = new("--steps") { Description = "steps of each deletion curve, from no cell to every cell occluded", DefaultValueFactory = _ => 20, HelpName = "N" };
    private static readonly Option<int> RandomOrders = new("--random-orders") { Description = "random orders averaged for the baseline", DefaultValueFactory = _ => 5, HelpName = "N" };
    private static readonly Option<int> OrderSeed = new("--order-seed") { Description = "seed of the random orders", DefaultValueFactory = _ => 0, HelpName = "N" };
    private static readonly NormalizationOptions NormalizationChoice = new();
    private static readonly Option<string?> Csv = new("--csv") { Description = "write the areas of every image to this CSV file", HelpName = "FILE" };
    private static readonly Option<bool> Quiet = Cli.QuietOption("lines");
    private static readonly Option<bool> VerboseOption = Cli.VerboseOption();

    private static readonly ModelOptions ModelChoice = new();
    private static readonly ExperimentOptions Experiment = new();

    public static Command Create()
    {
        var command = new Command("faithfulness",
            "Check that heat maps point at what the model uses, over a folder of images.\n\n" +
            "For each image: compute the heat map of the predicted class, occlude its cells cumulatively,\n" +
            "most sensitive first, and take the area under the probability curve (fraction of cells\n" +
            "occluded on x, 0 to 1); do the same for random orders. Prints the mean areas: the heat-map\n" +
            "order should have the smaller one.\n\n" +
            "Example:\n" +
            "  krypton faithfulness --model net.onnx --images samples/ --limit 50 --patch 8 --stride 4");
        ModelChoice.AddTo(command);
        ImageChoice.AddTo(command);
        Experiment.AddTo(command, withValue: false);
        foreach (var o in new Option[] { Mode, Steps, RandomOrders, OrderSeed, Csv, Quiet, VerboseOption })
            command.Options.Add(o);
        foreach (var o in NormalizationChoice.All)
            command.Options.Add(o);
        Cli.SetAction(command, Run);
        return command;
    }

    private static int Run(ParseResult parse, CancellationToken cancellation)
    {
        var files = ImageChoice.Files(parse);
        var spec = Experiment.Spec(parse);
        var mode = ModeNames.Parse(parse.GetValue(Mode)!);
        var options = new FaithfulnessOptions(parse.GetValue(Steps), parse.GetValue(RandomOrders), parse.GetValue(OrderSeed));
        var resources = new ResourceOptions { BatchSize = parse.GetValue(Experiment.Batch), Execution = Experiment.Execution(parse) };
        // Everything that needs no model is checked before it is loaded.
        spec.Validate();
        options.Check();
        resources.Check();
        if (parse.GetValue(Csv) is { } csvFile)
            OutputLocation.CheckFile(Term.AreasCsv, csvFile, "areas.csv");
        var model = ModelChoice.Source(parse).Load();
        spec.Validate(model.Graph.Height, model.Graph.Width);
        bool quiet = parse.GetValue(Quiet);
        Console.Error.WriteLine($"measuring {files.Count} image(s) with {model.Description}: patch {spec.Patch}, stride {spec.Stride}, fill {spec.Fill}, {options.Steps} steps, {options.RandomOrders} random orders");
        var progress = new SyncProgress<(int Done, int Total)>(p =>
        {
            if (!quiet && (p.Done % 10 == 0 || p.Done == p.Total)) Console.Error.WriteLine($"  {p.Done}/{p.Total} images");
        });
        var result = FaithfulnessStudy.Run(model.Graph, files, spec, model.NormalizationOr(NormalizationChoice.Resolve(parse)), new MethodOptions(mode), options,
            resources, progress, cancellation);

        var inv = CultureInfo.InvariantCulture;
        if (parse.GetValue(Csv) is { } csv)
        {
            var lines = new List<string> { "image,target,probability,deletion_auc,random_auc" };
            lines.AddRange(result.Images.Select(i => string.Create(inv, $"{Krypton.IO.Csv.Field(i.Image)},{i.Target},{i.Probability:R},{i.DeletionAuc:R},{i.RandomAuc:R}")));
            string path = Path.GetFullPath(csv);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            AtomicFile.WriteAllText(path, string.Join('\n', lines) + "\n");
            Console.Error.WriteLine($"wrote {path}");
        }
        int n = result.Images.Count;
        Console.WriteLine(string.Create(inv, $"{n} image(s): mean deletion AUC {result.MeanDeletionAuc:0.####} (heat-map order) vs {result.MeanRandomAuc:0.####} (random order); lower is more faithful"));
        Console.WriteLine(string.Create(inv, $"heat-map order lower on {result.HeatMapWins} of {n} image(s); mean difference {result.MeanRandomAuc - result.MeanDeletionAuc:0.####}") +
            (n > 1 ? string.Create(inv, $" ± {result.StandardErrorOfDifference:0.####} (standard error)") : "") +
            string.Create(inv, $"; {result.Time.TotalSeconds:0.0} s"));
        return 0;
    }


}
