using System.CommandLine;
using System.Globalization;
using Krypton.Jobs;
using Krypton.IO;
using Krypton.Planning;
using Krypton.Quality;
using Krypton.Spec;

namespace Krypton.Cli;

/// <summary>`krypton faithfulness`: deletion and insertion areas over a folder of images, heat-map order against random maps.</summary>
internal static class FaithfulnessCommand
{
    private static readonly ImageFolderOptions ImageChoice = new("");
    private static readonly Option<string> Mode = new("--mode") { Description = "how heat maps are computed: exact or naive", DefaultValueFactory = _ => "exact", HelpName = "exact|naive" };
    private static readonly Option<string> PrecisionOption = new("--precision") { Description = "the convolutions' arithmetic of the heat maps (as explain --precision); the curves always run the model in float32", DefaultValueFactory = _ => "fp32", HelpName = PrecisionNames.All };
    private static readonly Option<int> Steps = new("--steps") { Description = "steps of each curve, each a 1/N share of the covered pixels", DefaultValueFactory = _ => 20, HelpName = "N" };
    private static readonly Option<int> RandomOrders = new("--random-orders") { Description = "random maps (the map's cell values shuffled) to compare with; beating all N happens by chance once in N+1", DefaultValueFactory = _ => 9, HelpName = "N" };
    private static readonly Option<int> OrderSeed = new("--order-seed") { Description = "seed of the random maps", DefaultValueFactory = _ => 0, HelpName = "N" };
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
            "For each image: compute the heat map of the predicted class, order its pixels by importance\n" +
            "(each the mean change of the cells covering it), and fill them cumulatively, a twentieth of\n" +
            "the area per step (deletion: the probability should fall fast, a small area), or restore\n" +
            "them into the filled image (insertion: it should come back fast, a large area); do the same\n" +
            "for random maps (the map's cell values shuffled). Prints the mean areas and on how many\n" +
            "images the map beats every random map on both curves.\n\n" +
            "Example:\n" +
            "  krypton faithfulness --model net.onnx --images samples/ --limit 50 --patch 8 --stride 4");
        ModelChoice.AddTo(command);
        ImageChoice.AddTo(command);
        Experiment.AddTo(command, withValue: false);
        foreach (var o in new Option[] { Mode, PrecisionOption, Steps, RandomOrders, OrderSeed, Csv, Quiet, VerboseOption })
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
        var precision = PrecisionNames.Parse(parse.GetValue(PrecisionOption)!);
        var options = new FaithfulnessOptions(parse.GetValue(Steps), parse.GetValue(RandomOrders), parse.GetValue(OrderSeed));
        var resources = new ResourceOptions { BatchSize = parse.GetValue(Experiment.Batch), Execution = Experiment.Execution(parse) };
        // Everything that needs no model is checked before it is loaded.
        spec.Validate();
        options.Check();
        resources.Check();
        resources.Execution.Check(precision);
        if (parse.GetValue(Csv) is { } csvFile)
            OutputLocation.CheckFile(Term.AreasCsv, csvFile, "areas.csv");
        var model = ModelChoice.Source(parse).Load();
        spec.Validate(model.Graph.Height, model.Graph.Width);
        bool quiet = parse.GetValue(Quiet);
        Console.Error.WriteLine($"measuring {files.Count} image(s) with {model.Description}: patch {spec.Patch}, stride {spec.Stride}, fill {spec.Fill}, {options.Steps} steps, {options.RandomOrders} random maps");
        var progress = new SyncProgress<(int Done, int Total)>(p =>
        {
            if (!quiet && (p.Done % 10 == 0 || p.Done == p.Total)) Console.Error.WriteLine($"  {p.Done}/{p.Total} images");
        });
        var result = FaithfulnessStudy.Run(model.Graph, files, spec, model.NormalizationOr(NormalizationChoice.Resolve(parse)), new MethodOptions(mode, Precision: precision), options,
            resources, progress, cancellation);

        var inv = CultureInfo.InvariantCulture;
        if (parse.GetValue(Csv) is { } csv)
        {
            var lines = new List<string> { "image,target,probability,deletion_auc,random_deletion_auc,insertion_auc,random_insertion_auc,faithful" };
            lines.AddRange(result.Images.Select(i => string.Create(inv,
                $"{Krypton.IO.Csv.Field(i.Image)},{i.Target},{i.Probability:R},{i.DeletionAuc:R},{i.RandomDeletionAuc:R},{i.InsertionAuc:R},{i.RandomInsertionAuc:R},{(i.Faithful ? "true" : "false")}")));
            string path = Path.GetFullPath(csv);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            AtomicFile.WriteAllText(path, string.Join('\n', lines) + "\n");
            Console.Error.WriteLine($"wrote {path}");
        }
        int n = result.Images.Count;
        string Se(double se) => n > 1 ? string.Create(inv, $" ± {se:0.####} (standard error)") : "";
        Console.WriteLine(string.Create(inv, $"{n} image(s): deletion area {result.MeanDeletionAuc:0.####} (map order) vs {result.MeanRandomDeletionAuc:0.####} (random maps), lower is better; below the random mean on {result.DeletionWins} of {n}, mean difference {result.MeanRandomDeletionAuc - result.MeanDeletionAuc:0.####}") + Se(result.DeletionStandardError));
        Console.WriteLine(string.Create(inv, $"{n} image(s): insertion area {result.MeanInsertionAuc:0.####} (map order) vs {result.MeanRandomInsertionAuc:0.####} (random maps), higher is better; above the random mean on {result.InsertionWins} of {n}, mean difference {result.MeanInsertionAuc - result.MeanRandomInsertionAuc:0.####}") + Se(result.InsertionStandardError));
        Console.WriteLine(string.Create(inv, $"faithful (beats all {options.RandomOrders} random maps on both curves; by chance 1 in {options.RandomOrders + 1} per curve) on {result.FaithfulImages} of {n} image(s); {result.Time.TotalSeconds:0.0} s"));
        return 0;
    }


}
