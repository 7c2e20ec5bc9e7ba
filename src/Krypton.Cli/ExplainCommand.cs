using System.CommandLine;
using System.Globalization;
using Krypton.Imaging;
using Krypton.Jobs;
using Krypton.Output;
using Spectre.Console;
using Krypton.Explain;
using Krypton.Planning;
using Krypton.Quality;
using Krypton.Spec;

namespace Krypton.Cli;

/// <summary>`krypton explain`: computes an occlusion heat map and writes it to a folder.</summary>
internal static class ExplainCommand
{
    private static readonly Option<string?> Input = new("--input", "-i") { Description = "image to explain: PNG, JPEG, BMP, WebP or TIFF (8-bit RGB or gray, 16-bit gray PNG and TIFF), or a preprocessed tensor .npy (float32 C×H×W or 1×C×H×W, used as is); or a folder: every image and .npy in it, the model compiled once, a folder of files per image with summary.csv and a gallery, index.html (default: the built-in sample image)", HelpName = "FILE|DIR" };
    private static readonly Option<string?> Target = new("--target", "-t") { Description = "the output(s) to explain, an index into the flattened output (default: the predicted class); several come from one sweep at about the cost of one: a list (3,7), topN (the N most likely classes) or all, written together to heatmaps.npy", HelpName = "K|K,K|topN|all" };
    private static readonly Option<string?> Roi = new("--roi") { Description = "only compute positions whose patch overlaps this region (pixels of the model input); the rest of the map is NaN", HelpName = "Y,X,H,W" };
    private static readonly Option<string?> Positions = new("--positions") { Description = "instead of the grid, only these patch positions (top-left corners in input pixels, any pixel): interactive use; writes positions.csv", HelpName = "Y,X;Y,X;..." };
    private static readonly Option<string> Mode = new("--mode") { Description = "how to compute: exact (KRYPTON's incremental inference: recompute only what each patch reaches; the same heat map, faster) or naive (one full inference per position, batched)", DefaultValueFactory = _ => "exact", HelpName = "exact|naive" };
    private static readonly Option<double> Tau = new("--tau") { Description = "projective-field threshold in (0, 1] for exact mode: below 1, cap each layer's changed region at tau of its size (KRYPTON's approximation: faster, a slightly different map)", DefaultValueFactory = _ => 1.0, HelpName = "T" };
    private static readonly Option<double?> DrillDownOption = new("--drill-down") { Description = "adaptive drill-down: a coarse pass, then the fine stride only on the cells that matter, aiming at this many times fewer inferences (for example 3; must stay below 1/--drill-fraction)", HelpName = "SPEEDUP" };
    private static readonly Option<double> DrillFraction = new("--drill-fraction") { Description = "share of the cells the fine pass of --drill-down recomputes", DefaultValueFactory = _ => 0.25, HelpName = "R" };
    private static readonly Option<string> PrecisionOption = new("--precision") { Description = "the convolutions' arithmetic, in any mode: fp32 (the model's own maps); int8 (ONNX Runtime's QLinearConv, scales calibrated on the image itself: about twice as fast on a CPU, a slightly different map); on CUDA tf32 (TensorFloat-32 convolutions) or fp16 (float16 convolutions)", DefaultValueFactory = _ => "fp32", HelpName = PrecisionNames.All };
    private static readonly NormalizationOptions NormalizationChoice = new();
    private static readonly Option<string?> MemoryBudget = new("--memory-budget") { Description = "memory the run may use, e.g. 2G or 512M (default: a quarter of the free memory)", HelpName = "SIZE" };
    private static readonly Option<string> Out = new("--out", "-o") { Description = "output folder for heatmap.npy, heatmap.csv, overlay.png and explanation.json", DefaultValueFactory = _ => "krypton-out", HelpName = "DIR" };
    private static readonly Option<string?> Report = new("--report") { Description = "also write a self-contained HTML report (image, overlay with colour bar, most sensitive regions, prediction, provenance, timings) to this file", HelpName = "FILE.html" };
    private static readonly Option<bool> FaithfulnessOption = new("--faithfulness") { Description = "measure the deletion and insertion curves: fill (or restore) the map's pixels most important first, a twentieth of the area per step, and compare the areas under the probability curves with 9 random maps (in explanation.json and the report)" };
    private static readonly Option<bool> PerPixel = new("--per-pixel") { Description = "also write heatmap-pixels.npy: the map at the model input's resolution, each pixel the mean of the cells whose patch covers it (Captum's and MONAI's per-pixel convention)" };
    private static readonly Option<bool> OnOriginal = new("--on-original") { Description = "also carry the map back onto the original picture, before --resize/--crop: heatmap-original.npy (the per-pixel map at the picture's own size, NaN where the crop cut it away) and overlay-original.png" };
    private static readonly Option<string?> Manifest = new("--manifest") { Description = "instead of --input: a CSV file of images to explain, with a header: a 'path' column (relative to the manifest, or absolute) and optionally 'target' (as --target, for that image); run as a folder is", HelpName = "FILE.csv" };
    private static readonly Option<bool> Recursive = new("--recursive") { Description = "with --input DIR: the images of its subfolders too, each written under its relative path in --out" };
    private static readonly Option<string?> ShardOption = new("--shard") { Description = "explain only shard K of N of a folder or manifest (images split by a hash of their path: the same split on every machine); auto/N takes K from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX. The shards share --out; krypton merge OUT then makes summary.csv and index.html", HelpName = "K/N|auto/N" };
    private static readonly Option<bool> Resume = new("--resume") { Description = "with a folder of images (--input DIR): keep each image whose output folder already holds the files these settings would write (an interrupted or extended run), and explain only the others" };
    private static readonly Option<bool> Quiet = Cli.QuietOption("bar");
    private static readonly Option<bool> VerboseOption = Cli.VerboseOption();

    private static readonly Option<double?> Quality = new("--quality") { Description = "the heat-map quality you need, as SSIM against the exact map (for example 0.9): the planner chooses exact inference, tau, drill-down and precision itself, from a tuning profile (krypton tune; the demo model ships one for patch 16, stride 4); without a profile it stays exact", HelpName = "SSIM" };
    private static readonly Option<string?> Profile = new("--profile") { Description = "tuning profile written by krypton tune, for --quality", HelpName = "FILE.json" };
    private static readonly Option<bool> DryRun = new("--dry-run") { Description = "print the plan (method, positions, batch, inference and layer calls, memory, estimated time) and stop: nothing is computed or written" };
    private static readonly Option<string?> Labels = new("--labels") { Description = "class names: a text file with one name per line in output order, or a JSON list (default: the model's own, from its ONNX metadata; ImageNet-1k's for a model with 1,000 outputs)", HelpName = "FILE" };
    private static readonly Option<string> Scale = new("--scale") { Description = "what the overlay's colours span: absolute (from no change to the target's unoccluded probability, so a flat map looks flat; several targets and a folder's maps share one scale) or relative (stretched to the map's own largest change; the picture says so)", DefaultValueFactory = _ => "absolute", HelpName = "absolute|relative" };
    private static readonly Option<int?> Resize = new("--resize") { Description = "resize the picture's shorter side to N, keeping its proportions (torchvision's Resize(N)); default: a photo larger than a square model input is resized to input/0.875 (256 for 224) and centre-cropped, anything else is resized to the input size", HelpName = "N" };
    private static readonly Option<string?> Crop = new("--crop") { Description = "then cut out the centre M x M (or HxW) pixels (torchvision's CenterCrop); must end at the model's input size", HelpName = "M[xN]" };
    private static readonly Option<string?> SpecFile = new("--spec") { Description = "read the experiment from a JSON file whose keys are this command's options without '--' (for example {\"input\": \"cat.png\", \"patch\": 16, \"quality\": 0.9}); options on the command line override it; paths are relative to the file", HelpName = "FILE.json" };

    private static readonly ModelOptions ModelChoice = new();
    private static readonly ExperimentOptions Experiment = new();

    public static Command Create()
    {
        var command = new Command("explain",
            "Compute the occlusion heat map of an image under a CNN.\n\n" +
            "Examples:\n" +
            "  krypton explain\n" +
            "      the built-in demo: a Fashion-MNIST sample image, ImageNet ResNet18 with a Fashion-MNIST head\n" +
            "  krypton explain --model resnet50.onnx --input dog.jpg --out dog-map\n" +
            "      explain the predicted class of dog.jpg, patch 16, stride 4, gray patch\n" +
            "  krypton explain --arch vgg16 --weights vgg16.safetensors --input xray.png --patch 32 --stride 8 --fill black --value drop\n" +
            "      a coarser map of the probability drop under a black patch\n" +
            "  krypton explain --model net.onnx --input x.npy --fill tensor:0 --target 3 --roi 40,40,64,64\n" +
            "      a preprocessed tensor, class 3, only positions overlapping a 64x64 region\n" +
            "  krypton explain --model net.onnx --input photos/ --out maps/\n" +
            "      every image in photos/: maps/<name>/ per image, maps/summary.csv and the gallery maps/index.html\n" +
            "  krypton explain --model net.onnx --input scans/ --recursive --shard auto/16 --out /shared/maps\n" +
            "      one of 16 shards of a folder tree (K from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX); then krypton merge /shared/maps\n" +
            "  krypton explain --model net.onnx --input cat.png --target top3\n" +
            "      the three most likely classes' maps from one sweep (heatmaps.npy, overlay-K.png)\n" +
            "  krypton explain --model net.onnx --input cat.png --report cat.html --faithfulness\n" +
            "      also a self-contained HTML report, with the deletion and insertion curves against random maps\n" +
            "  krypton explain --model net.onnx --input cat.png --positions \"100,60;100,76\"\n" +
            "      two patch positions only (interactive use)\n" +
            "  krypton explain --quality 0.9 --dry-run\n" +
            "      the plan the demo's tuning profile chooses for SSIM 0.9, with its estimated cost, without running it\n" +
            "  krypton explain --spec experiment.json\n" +
            "      the whole experiment from a JSON file ({\"model\": \"net.onnx\", \"input\": \"cat.png\", \"quality\": 0.9, ...})\n\n" +
            "Cell (i, j) puts the patch's top-left corner at (i*stride_y, j*stride_x). The map has\n" +
            "ceil((H-h)/stride_y)+1 rows and ceil((W-w)/stride_x)+1 columns, every pixel covered and the last\n" +
            "patch cut off at the border where needed (as Captum); --grid krypton gives KRYPTON's\n" +
            "floor((H-h+1)/stride_y) x floor((W-w+1)/stride_x) whole patches.");
        ModelChoice.AddTo(command);
        command.Options.Add(Input);
        Experiment.AddTo(command);
        foreach (var o in new Option[] { Target, Labels, Scale, Resize, Crop, Roi, Positions, Mode, Tau, DrillDownOption, DrillFraction, PrecisionOption, Quality, Profile, DryRun, SpecFile,
                     MemoryBudget, Out, Report, FaithfulnessOption, PerPixel, OnOriginal, Manifest, Recursive, ShardOption, Resume, Quiet, VerboseOption })
            command.Options.Add(o);
        foreach (var o in NormalizationChoice.All)
            command.Options.Add(o);
        // A cancelled action would surface as a cancelled task, which the parser turns into exit
        // code 130 silently; catching it here keeps the one-line message.
        command.SetAction(async (parse, cancellation) =>
        {
            try { return await RunAsync(parse, cancellation); }
            catch (OperationCanceledException e) { return Cli.Report(e); }
        });
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken cancellation)
    {
        if (parse.GetValue(SpecFile) is { } specFile)
            parse = SpecFileArguments.Merge(parse, specFile, SpecFile);
        var job = new ExplainJob(
            ModelChoice.Source(parse),
            parse.GetValue(Input),
            Experiment.Spec(parse) with
            {
                Target = parse.GetValue(Target) is { } target ? TargetSelection.Parse(target) : null,
                RegionOfInterest = parse.GetValue(Roi) is { } roi ? PixelRegion.Parse(roi) : null,
                Positions = parse.GetValue(Positions) is { } list ? OcclusionSpec.ParsePositions(list) : null,
            })
        {
            Normalization = NormalizationChoice.Resolve(parse),
            Method = new MethodOptions(ModeNames.Parse(parse.GetValue(Mode)!), parse.GetValue(Tau),
                parse.GetValue(DrillDownOption) is { } speedup ? new DrillDown(speedup, parse.GetValue(DrillFraction)) : null,
                parse.GetValue(Quality), Precision: PrecisionNames.Parse(parse.GetValue(PrecisionOption)!)),
            ProfileFile = parse.GetValue(Profile),
            LabelsFile = parse.GetValue(Labels),
            Overlay = new OverlayOptions(OverlayOptions.ParseScale(parse.GetValue(Scale)!)),
            Framing = FramingOf(parse),
            Resources = new ResourceOptions
            {
                BatchSize = parse.GetValue(Experiment.Batch),
                MemoryBudgetBytes = parse.GetValue(MemoryBudget) is { } budget ? ParseBytes(budget) : null,
                Execution = Experiment.Execution(parse),
            },
            ReportFile = parse.GetValue(Report),
            Faithfulness = parse.GetValue(FaithfulnessOption) ? FaithfulnessOptions.Default : null,
            PerPixel = parse.GetValue(PerPixel),
            OnOriginal = parse.GetValue(OnOriginal),
            CommandLine = string.Join(' ', Environment.GetCommandLineArgs().Skip(1)),
            CommandStartUtc = System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime(),
        };
        string outDir = parse.GetValue(Out)!;
        bool quiet = parse.GetValue(Quiet);

        string? manifest = parse.GetValue(Manifest);
        if (manifest is not null && job.InputFile is not null)
            throw new KryptonException("give --input or --manifest, not both");
        Shard? shard = parse.GetValue(ShardOption) is { } shardText ? Shard.Parse(shardText, Environment.GetEnvironmentVariable) : null;
        bool recursive = parse.GetValue(Recursive);
        if (manifest is not null || job.InputFile is { } dir && Directory.Exists(dir))
        {
            if (recursive && manifest is not null)
                throw new KryptonException("--recursive walks the subfolders of --input DIR; a manifest lists its images itself");
            var images = manifest is not null ? ImageSet.FromManifest(manifest) : ImageSet.FromFolder(job.InputFile!, recursive);
            return await RunFolderAsync(job with { CommandStartUtc = null, InputFile = null }, manifest ?? job.InputFile!, images, shard, outDir, quiet, parse.GetValue(DryRun), parse.GetValue(Resume), cancellation);
        }
        if (parse.GetValue(Resume))
            throw new KryptonException("--resume goes with a folder of images (--input DIR): it keeps the images an earlier run finished");
        if (shard is not null || recursive)
            throw new KryptonException($"{(shard is not null ? "--shard" : "--recursive")} goes with a folder of images (--input DIR) or a manifest (--manifest FILE)");
        bool dryRun = parse.GetValue(DryRun);
        // A dry run writes nothing: only a run checks, before loading, that --out can take the files.
        var prepared = dryRun ? ExplainJobRunner.Prepare(job) : ExplainJobRunner.Prepare(job, outDir);
        if (dryRun)
        {
            var plan = ExplainJobRunner.Plan(prepared);
            Console.WriteLine($"plan for {prepared.InputDescription} with {prepared.ModelDescription}: {prepared.Grid.Rows}x{prepared.Grid.Columns} grid, patch {job.Spec.Patch}, stride {job.Spec.Stride}");
            if (prepared.ProfilePath is { } used)
                Console.WriteLine($"profile: {used}");
            PrintTargets(job, prepared.Model.Graph.OutputSize);
            Console.Write(plan.Describe());
            Console.WriteLine("dry run: nothing was computed or written");
            return 0;
        }
        foreach (var note in prepared.Framed?.Notes ?? [])
            Console.Error.WriteLine("note: " + Term.Text(note, TermFlags.Of));
        string what = job.Spec.Positions is { } ps ? $"{ps.Count} positions" : $"{prepared.Grid.Rows}x{prepared.Grid.Columns} positions, stride {job.Spec.Stride}";
        Console.Error.WriteLine($"explaining {prepared.InputDescription} with {prepared.ModelDescription}: {what}, patch {job.Spec.Patch}, mode {ModeNames.Of(job.Method.Mode)}");
        var result = await ProgressDisplay.RunAsync(quiet, progress => Task.Run(() => ExplainJobRunner.Run(prepared, progress, cancellation), cancellation));
        ExplainJobRunner.Write(result, outDir);

        var e = result.Explanation;
        if (e.FallbackReason is { } reason)
            Console.Error.WriteLine($"note: ran in naive mode because {reason}");
        if (job.Method.Quality is not null && e.Plan is { } chosen)
            Console.WriteLine($"plan: {chosen.Method}{(chosen.Approximation.IsExact ? "" : $" ({chosen.Approximation})")}: {chosen.Reason}");
        string Named(int index) => result.Explanation.ClassName(index) is { } label ? $"{index} {label}" : $"{index}";
        Console.WriteLine($"target {Named(e.Target)}: unoccluded {ValueName(job.Spec.Value)} {e.UnoccludedValue:0.####}");
        if (e.Maps.Count > 1)
            Console.WriteLine($"{e.Maps.Count} targets from one sweep{(e.Maps.Count > Explainer.TopK ? ", the most likely" : "")}: " + string.Join(", ", e.MostLikely(Explainer.TopK).Select(m => $"{Named(m.Target)} ({m.UnoccludedValue:0.####})"))
                + (e.Maps.Count > Explainer.TopK ? ", ..." : ""));
        Console.WriteLine("top classes: " + string.Join(", ", e.TopClasses.Select(c => $"{Named(c.Index)} ({c.Probability:P1})")));
        Console.WriteLine($"{e.Positions} positions in {e.Timings.Sweep.TotalSeconds:0.00} s ({e.Timings.PositionsPerSecond(e.Positions):0.#} per second, {e.Mode} mode, batch {e.BatchSize})");
        if (result.Faithfulness is { } f)
            Console.WriteLine($"faithfulness: {f.Describe()}");
        Console.WriteLine($"wrote {Path.GetFullPath(outDir)}{Path.DirectorySeparatorChar}: {string.Join(", ", result.WrittenFiles)}");
        if (job.ReportFile is { } report)
            Console.WriteLine($"wrote report {Path.GetFullPath(report)}");
        return 0;
    }

    /// <summary>
    /// Every image of a folder or manifest (or of one shard of it): one model load, one compilation, a
    /// folder of files per image, summary.csv and index.html (a shard: summary-K-of-N.csv, for krypton merge).
    /// </summary>
    private static async Task<int> RunFolderAsync(ExplainJob job, string source, IReadOnlyList<RunImage> all, Shard? shard, string outDir, bool quiet, bool dryRun, bool resume,
        CancellationToken cancellation)
    {
        var images = shard is { } mine ? all.Where(i => mine.Contains(i.Key)).ToList() : all;
        string which = (shard is { } s ? $"the {Plural(images.Count)} of shard {s} ({all.Count} in all)" : $"the {Plural(images.Count)}") + $" in {source}";
        if (dryRun)
        {
            ExplainJobRunner.CheckSettings(job);
            var model = job.Model.Load();
            var plan = ExplainFolder.Plan(job, model, inputs: ExplainFolder.KindsOf(all.Select(i => i.Path)));
            var grid = job.Spec.GridFor(model.Graph.Height, model.Graph.Width);
            Console.WriteLine($"plan for each of {which} with {model.Description}: {grid.Rows}x{grid.Columns} grid, patch {job.Spec.Patch}, stride {job.Spec.Stride}");
            PrintTargets(job, model.Graph.OutputSize);
            Console.Write(plan.Describe());
            Console.WriteLine($"{(shard is null ? "all" : "this shard's")} {images.Count} images: about {(plan.EstimatedTime * images.Count).TotalSeconds:0} s, plus loading and compiling once");
            Console.WriteLine("dry run: nothing was computed or written");
            return 0;
        }
        Console.Error.WriteLine($"explaining {which}: patch {job.Spec.Patch}, stride {job.Spec.Stride}, mode {ModeNames.Of(job.Method.Mode)}");
        string index = shard is { } named ? ExplainFolder.ShardSummaryFile(named) : $"{ExplainFolder.SummaryFile}, {ExplainFolder.GalleryFile}";
        FolderResult result;
        try
        {
            // Not Task.Run(..., cancellation): a task started with the token would turn the run's
            // FolderRunCancelledException into a bare TaskCanceledException.
            result = await ProgressDisplay.RunAsync(quiet, progress => Task.Run(() => ExplainFolder.Run(job, all, outDir, progress, cancellation: cancellation, resume: resume, shard: shard)));
        }
        catch (FolderRunCancelledException c)
        {
            string written = shard is { } cut ? $"their files and {ExplainFolder.ShardSummaryFile(cut)}" : $"their files, {ExplainFolder.SummaryFile} and {ExplainFolder.GalleryFile}";
            Console.Error.WriteLine($"krypton: cancelled after {c.Finished} of {images.Count} images; {written} "
                + $"are in {c.OutputFolder}; run again with --resume to finish");
            return Cli.Cancelled;
        }
        int ok = result.Images.Count - result.Failed.Count;
        Console.WriteLine($"{ok} of {result.Images.Count} images explained{ExplainFolder.KeptText(result)} in {result.Time.TotalSeconds:0.0} s ({result.Plan.Method})");
        Console.WriteLine($"wrote {Path.GetFullPath(outDir)}{Path.DirectorySeparatorChar}: {index} and a folder per image");
        if (shard is not null)
            Console.WriteLine($"when every shard has finished: krypton merge {outDir}");
        if (result.Failed is [var first, ..] failed)
            throw new KryptonException($"{failed.Count} of {result.Images.Count} images could not be explained (listed in {(shard is { } f ? ExplainFolder.ShardSummaryFile(f) : ExplainFolder.SummaryFile)}): "
                + $"{first.Key}: {first.Error}" + (failed.Count > 1 ? $"; and {failed.Count - 1} more" : ""));
        return 0;
    }

    private static string Plural(int images) => images == 1 ? "1 image" : $"{images} images";

    /// <summary>A dry run's line about several targets; nothing for one.</summary>
    private static void PrintTargets(ExplainJob job, int outputSize)
    {
        if (job.Spec.Target is { IsSingle: false } several)
            Console.WriteLine($"targets: {several} ({several.Count(outputSize)} maps from the one sweep)");
    }

    private static string ValueName(ValueKind v) => v switch { ValueKind.Logit => "logit", ValueKind.Delta => "output", _ => "probability" };

    /// <summary>Parses sizes like 512M, 2G, 1.5G or a plain byte count.</summary>
    internal static long ParseBytes(string text, string option = "--memory-budget")
    {
        string t = text.Trim().ToUpperInvariant().TrimEnd('B', 'I');
        double scale = t.EndsWith('K') ? 1L << 10 : t.EndsWith('M') ? 1L << 20 : t.EndsWith('G') ? 1L << 30 : t.EndsWith('T') ? 1L << 40 : 1;
        if (scale > 1) t = t[..^1];
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
            throw new KryptonException($"{option} '{text}' is not a size like 512M or 2G");
        if (!(v * scale >= 1))
            throw new KryptonException($"{option} {text} must be positive: a size like 512M or 2G");
        return (long)(v * scale);
    }

    /// <summary>The stated resize and crop, or null for the default.</summary>
    private static Framing? FramingOf(ParseResult parse)
    {
        int? resize = parse.GetValue(Resize);
        Size2? crop = parse.GetValue(Crop) is { } text ? Size2.Parse(text, "crop") : null;
        return resize is null && crop is null ? null : new Framing(resize, crop?.Height, crop?.Width);
    }
}

/// <summary>A progress bar with ETA on a terminal; sparse lines when output is redirected.</summary>
internal static class ProgressDisplay
{
    public static async Task<T> RunAsync<T>(bool quiet, Func<IProgress<OcclusionProgress>, Task<T>> work)
    {
        if (quiet)
            return await work(new Progress<OcclusionProgress>(_ => { }));
        if (!AnsiConsole.Profile.Capabilities.Interactive || Console.IsErrorRedirected)
        {
            int lastDecile = -1;
            return await work(new SyncProgress<OcclusionProgress>(p =>
            {
                int decile = p.Total == 0 ? 10 : p.Done * 10 / p.Total;
                if (decile == lastDecile) return;
                lastDecile = decile;
                string eta = p.Remaining is { } r ? $", about {r:hh\\:mm\\:ss} left" : "";
                Console.Error.WriteLine($"  {p.Done}/{p.Total} positions{eta}");
            }));
        }
        T result = default!;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        await console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("occlusion sweep");
                result = await work(new SyncProgress<OcclusionProgress>(p =>
                {
                    task.MaxValue = Math.Max(p.Total, 1);
                    task.Value = p.Done;
                }));
                task.StopTask();
            });
        return result;
    }
}
