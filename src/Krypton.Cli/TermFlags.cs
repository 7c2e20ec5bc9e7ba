namespace Krypton.Cli;

/// <summary>The command line's words for the library's <see cref="Term"/>s: its flags and commands.</summary>
internal static class TermFlags
{
    private static readonly Dictionary<Term, string> Flags = new()
    {
        [Term.ModelFile] = "--model",
        [Term.Architecture] = "--arch",
        [Term.Weights] = "--weights",
        [Term.ImageSize] = "--image-size",
        [Term.Positions] = "--positions",
        [Term.RegionOfInterest] = "--roi",
        [Term.Report] = "--report",
        [Term.Faithfulness] = "--faithfulness",
        [Term.PerPixel] = "--per-pixel",
        [Term.Profile] = "--profile",
        [Term.Quality] = "--quality",
        [Term.Patch] = "--patch",
        [Term.Fill] = "--fill",
        [Term.Normalization] = "--mean and --std, or --no-normalize",
        [Term.Stride] = "--stride",
        [Term.Grid] = "--grid",
        [Term.Scale] = "--scale",
        [Term.Resize] = "--resize",
        [Term.Crop] = "--crop",
        [Term.OnOriginal] = "--on-original",
        [Term.DataRange] = "--data-range",
        [Term.TrainCount] = "--train-count",
        [Term.DataFolder] = "--data",
        [Term.OutputFolder] = "--out",
        [Term.ReportFile] = "--report",
        [Term.ProfileOutput] = "--out",
        [Term.AreasCsv] = "--csv",
        [Term.HeadFile] = "--head",
        [Term.OnnxExport] = "--onnx",
        [Term.FeatureCache] = "--cache",
        [Term.SamplesFolder] = "--export-samples",
        [Term.Threads] = "--threads",
        [Term.BatchSize] = "--batch",
        [Term.MemoryBudget] = "--memory-budget",
        [Term.Tuner] = "krypton tune",
        [Term.HeadTrainer] = "'krypton train-head'",
    };

    /// <summary>The flag (or command) of a term; null for a term the command line has no word for.</summary>
    public static string? Of(Term term) => Flags.GetValueOrDefault(term);
}
