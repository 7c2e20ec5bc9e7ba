using System.CommandLine;
using Krypton.Data;
using Krypton.Demo;
using Krypton.Training;
using Krypton.Runtime;

namespace Krypton.Cli;

/// <summary>`krypton train-head`: fits the demo model's classification head on Fashion-MNIST.</summary>
internal static class TrainHeadCommand
{
    private static readonly Option<string> Data = new("--data") { Description = "folder of the Fashion-MNIST IDX files (train-/t10k-images-idx3-ubyte.gz, ...-labels-idx1-ubyte.gz)", DefaultValueFactory = _ => FashionMnist.DefaultDirectory, HelpName = "DIR" };
    private static readonly Option<string> Cache = new("--cache") { Description = "folder for cached backbone features, so reruns are fast (keep it out of the repository)", DefaultValueFactory = _ => DefaultCache, HelpName = "DIR" };
    private static readonly Option<string> Head = new("--head") { Description = "where to write the head (.safetensors, class names in a .labels.txt next to it)", DefaultValueFactory = _ => Path.Combine("samples", "models", "fashion_head.safetensors"), HelpName = "FILE" };
    private static readonly Option<string?> Onnx = new("--onnx") { Description = "also write the whole model (backbone + Flatten + Gemm + Softmax) as one ONNX file", HelpName = "FILE" };
    private static readonly Option<int> TrainCount = new("--train-count") { Description = "training images: a seeded random subset of the 60,000", DefaultValueFactory = _ => 20000, HelpName = "N" };
    private static readonly Option<int> Seed = new("--seed") { Description = "seed of the subset and of the trainer", DefaultValueFactory = _ => 0, HelpName = "N" };
    private static readonly Option<int> Batch = new("--batch") { Description = "images per inference call during feature extraction", DefaultValueFactory = _ => 32, HelpName = "N" };
    private static readonly Option<int> Threads = new("--threads") { Description = "CPU threads for inference (default: all cores)", DefaultValueFactory = _ => 0, HelpName = "N" };
    private static readonly Option<string?> Backbone = new("--backbone") { Description = "the ResNet18 featurizer ONNX file (default: the one the build copies next to the tool)", HelpName = "FILE" };
    private static readonly Option<string?> ExportSamples = new("--export-samples") { Description = "instead of training, write the first test image of each class as a 28x28 PNG into this folder", HelpName = "DIR" };
    private static readonly Option<int> PerClass = new("--per-class") { Description = "with --export-samples: how many test images of each class (the first ones)", DefaultValueFactory = _ => 1, HelpName = "N" };
    private static readonly Option<bool> VerboseOption = Cli.VerboseOption();

    private static string DefaultCache => Path.Combine(
        Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
        "krypton", "fashion-features");

    public static Command Create()
    {
        var command = new Command("train-head",
            "Train the built-in demo model's head: ImageNet ResNet18 features of Fashion-MNIST images,\n" +
            "computed with Krypton's own engine, and a softmax regression fitted by ML.NET (L-BFGS).\n" +
            "Prints the accuracy on the official 10,000-image test split.\n\n" +
            "Examples:\n" +
            "  krypton train-head\n" +
            "      20,000 training images (seed 0); writes samples/models/fashion_head.safetensors\n" +
            "  krypton train-head --train-count 60000 --head my_head.safetensors --onnx demo.onnx\n" +
            "      all training images; also the whole model as one ONNX file\n" +
            "  krypton train-head --export-samples samples/fashion-mnist\n" +
            "      the demo's sample pictures: the first test image of each class");
        foreach (var o in new Option[] { Data, Cache, Head, Onnx, TrainCount, Seed, Batch, Threads, Backbone, ExportSamples, PerClass, VerboseOption })
            command.Options.Add(o);
        Cli.SetAction(command, Run);
        return command;
    }

    private static int Run(ParseResult parse, CancellationToken cancellation)
    {
        if (parse.GetValue(ExportSamples) is { } samplesDir)
        {
            var test = FashionMnist.Load(DataSplit.Test, parse.GetValue(Data)!);
            var paths = SampleImages.Export(test, samplesDir, parse.GetValue(PerClass));
            Console.WriteLine($"wrote {paths.Count} sample images to {Path.GetFullPath(samplesDir)}{Path.DirectorySeparatorChar}: {string.Join(", ", paths.Select(Path.GetFileName))}");
            return 0;
        }
        var job = new TrainHeadJob(parse.GetValue(Data)!, parse.GetValue(Cache)!, parse.GetValue(Head)!,
            parse.GetValue(TrainCount), parse.GetValue(Seed), parse.GetValue(Onnx), parse.GetValue(Backbone),
            parse.GetValue(Batch), new ExecutionOptions(parse.GetValue(Threads)));
        int lastReported = -1;
        var progress = new SyncProgress<ExtractionProgress>(p =>
        {
            int step = p.Total == 0 ? 10 : p.Done * 10 / p.Total;
            if (step == lastReported && p.Done != p.Total) return;
            lastReported = step;
            Console.Error.WriteLine($"  {p.What}: {p.Done}/{p.Total} images" + (p.ImagesPerSecond > 0 ? $" ({p.ImagesPerSecond:0.0} computed per second)" : ""));
        });
        var result = job.Run(line => Console.Error.WriteLine(line), progress, cancellation);
        var fit = result.Fit;
        Console.WriteLine($"test accuracy {fit.TrainerAccuracy:P2} (ML.NET evaluator), {fit.GraphAccuracy:P2} (head as ONNX graph) on {result.TestImages} test images");
        Console.WriteLine($"trained on {result.TrainImages} images in {fit.TrainingTime.TotalSeconds:0.0} s; features {result.Extraction.TotalSeconds:0.0} s; total {result.Total.TotalSeconds:0.0} s");
        Console.WriteLine($"wrote {Path.GetFullPath(job.HeadPath)} and {Path.GetFileName(ClassifierHead.LabelsPath(job.HeadPath))}" + (job.OnnxPath is { } o ? $", {Path.GetFullPath(o)}" : ""));
        return 0;
    }
}
