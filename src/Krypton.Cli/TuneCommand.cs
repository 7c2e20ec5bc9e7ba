using System.CommandLine;
using System.Globalization;
using Krypton.IO;
using Krypton.Jobs;
using Krypton.Planning;
using Krypton.Spec;
using Krypton.Tuning;

namespace Krypton.Cli;

/// <summary>`krypton tune`: learns which approximations a model tolerates, and saves a profile for `explain --quality`.</summary>
internal static class TuneCommand
{
    private static readonly ImageFolderOptions ImageChoice = new("; the last --holdout of them check the choice");
    private static readonly Option<double> Quality = new("--quality") { Description = "the SSIM (against the exact map) the chosen settings must reach", DefaultValueFactory = _ => 0.9, HelpName = "SSIM" };
    private static readonly Option<int?> HoldOut = new("--holdout") { Description = "images held out to check the prediction (default: a third, at least one)", HelpName = "N" };
    private static readonly Option<string> Taus = new("--taus") { Description = "tau values to sweep (1 is always included)", DefaultValueFactory = _ => "1,0.9,0.8,0.7,0.6,0.5,0.4", HelpName = "T,T,..." };
    private static readonly Option<string> DrillDowns = new("--drill-downs") { Description = "drill-down settings to consider, SPEEDUP:FRACTION each, or none", DefaultValueFactory = _ => "2:0.25,3:0.2,4:0.15,6:0.1,8:0.05,12:0.05", HelpName = "S:R,..." };
    private static readonly Option<string?> Precisions = new("--precisions") { Description = "precisions to sweep with every tau, against the float32 exact map (fp32 is always included; default: fp32,int8 on a CPU, fp32,tf32,fp16 on CUDA)", HelpName = "P,P" };
    private static readonly Option<double> Confidence = new("--confidence") { Description = "share of images the settings must serve: choose by the SSIM predicted at this quantile over images, not by the mean", DefaultValueFactory = _ => 0.9, HelpName = "P" };
    private static readonly Option<string> Out = new("--out", "-o") { Description = "where to write the profile", DefaultValueFactory = _ => "krypton-profile.json", HelpName = "FILE.json" };
    private static readonly Option<bool> Quiet = Cli.QuietOption("lines");
    private static readonly Option<bool> VerboseOption = Cli.VerboseOption();
    private static readonly NormalizationOptions NormalizationChoice = new();
    private static readonly ModelOptions ModelChoice = new();
    private static readonly ExperimentOptions Experiment = new();

    public static Command Create()
    {
        var command = new Command("tune",
            "Learn how far a model's heat maps tolerate approximation, for explain --quality.\n\n" +
            "On sample images: compute the heat map at each tau (1 = exact) in each precision (--precisions),\n" +
            "evaluate each drill-down setting on those maps, fit SSIM against the float32 exact map as a\n" +
            "function of tau per precision and setting with its spread over images, and choose the fastest\n" +
            "settings predicted to reach --quality for the --confidence share of images. The held-out images\n" +
            "then run the choice, the paper's procedure (mean quadratic fit over tau alone, float32) and the\n" +
            "exact map in each other precision, for real: predicted against achieved SSIM and time. The\n" +
            "profile answers any quality target later.\n\n" +
            "Example:\n" +
            "  krypton tune --model net.onnx --images samples/ --quality 0.9 --out net-profile.json\n" +
            "  krypton explain --model net.onnx --input x.png --quality 0.9 --profile net-profile.json");
        ModelChoice.AddTo(command);
        ImageChoice.AddTo(command);
        foreach (var o in new Option[] { Quality, HoldOut, Taus, DrillDowns, Precisions, Confidence })
            command.Options.Add(o);
        Experiment.AddTo(command);
        foreach (var o in new Option[] { Out, Quiet, VerboseOption })
            command.Options.Add(o);
        foreach (var o in NormalizationChoice.All)
            command.Options.Add(o);
        Cli.SetAction(command, Run);
        return command;
    }

    private static int Run(ParseResult parse, CancellationToken cancellation)
    {
        var inv = CultureInfo.InvariantCulture;
        var files = ImageChoice.Files(parse);
        var spec = Experiment.Spec(parse);
        var options = new TuneOptions(parse.GetValue(Quality), ParseTaus(parse.GetValue(Taus)!), ParseDrillDowns(parse.GetValue(DrillDowns)!),
            parse.GetValue(HoldOut), parse.GetValue(Confidence), BatchSize: parse.GetValue(Experiment.Batch), Execution: Experiment.Execution(parse),
            Precisions: parse.GetValue(Precisions)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(PrecisionNames.Parse).ToList());
        string outFile = parse.GetValue(Out)!;
        // Everything that needs no model is checked before it is loaded: tuning takes minutes.
        spec.Validate();
        options.Check(files.Count);
        OutputLocation.CheckFile(Term.ProfileOutput, outFile, "profile.json");
        var model = ModelChoice.Source(parse).Load();
        spec.Validate(model.Graph.Height, model.Graph.Width);
        var normalization = model.NormalizationOr(NormalizationChoice.Resolve(parse));
        bool quiet = parse.GetValue(Quiet);
        Console.Error.WriteLine($"tuning {model.Description} on {files.Count} image(s): patch {spec.Patch}, stride {spec.Stride}, fill {spec.Fill}, quality {options.Quality.ToString(inv)}");
        var progress = new SyncProgress<TuneProgress>(p => { if (!quiet) Console.Error.WriteLine($"  [{p.Done}/{p.Total}] {p.Step}"); });
        var profile = Tuner.Run(model.Graph, ProfileModel.Of(model.Graph, model.Description, model.Sha256), ImageFolder.Inputs(model.Graph, files, normalization),
            spec, normalization, options, progress, cancellation);
        profile.Save(outFile);
        Console.Write(Summary(profile));
        Console.WriteLine($"wrote {Path.GetFullPath(outFile)}");
        return 0;
    }

    /// <summary>The profile in words: the sweep, both choices, and the held-out check.</summary>
    internal static string Summary(QualityProfile profile)
    {
        var inv = CultureInfo.InvariantCulture;
        var lines = new List<string>();
        var drills = profile.Fits.Select(f => f.DrillDown).Distinct().ToList();
        string Name(DrillDown? d) => d is null ? "no drill" : string.Create(inv, $"dd {d.TargetSpeedup:0.##}:{d.Fraction:0.##}");
        lines.Add("mean SSIM against the float32 exact map over the tuning images (min in brackets); columns: drill-down SPEEDUP:FRACTION");
        foreach (var precision in profile.Precisions)
        {
            lines.Add($"{precision.Name()}:");
            lines.Add("tau   ms/pos  " + string.Join(" ", drills.Select(d => $"{Name(d),-15}")));
            foreach (var tau in profile.Taus)
            {
                var row = drills.Select(d => profile.Sweep.First(p => p.Precision == precision && p.Tau == tau && p.DrillDown == d)).Select(p => string.Create(inv, $"{p.MeanSsim:0.000} ({p.MinSsim:0.000})  "));
                lines.Add(string.Create(inv, $"{tau,-5:0.00} {TauValue.Interpolate(profile.MsPerPositionIn(precision)!, tau),6:0.00}  ") + string.Join(" ", row));
            }
        }
        lines.Add(string.Create(inv, $"naive: {profile.NaiveMsPerPosition:0.00} ms per position"));
        void Choice(string who, ProfileChoice? c)
        {
            if (c is null) return;
            lines.Add(string.Create(inv, $"{who}: {c.Approximation}; predicted SSIM {c.PredictedSsim:0.000} (mean), {c.PredictedLowerSsim:0.000} (criterion); {c.Positions} positions, {c.PredictedSeconds:0.0} s, {c.PredictedSpeedupVsNaive:0.0}x naive, {c.PredictedSpeedupVsExact:0.0}x exact"));
        }
        Choice($"chosen for SSIM {profile.TunedQuality.ToString(inv)} at {profile.Confidence:P0} of images", profile.Chosen);
        Choice("paper procedure (mean quadratic fit over tau)", profile.PaperBaseline);
        if (profile.HoldOut.Count > 0)
        {
            lines.Add("held-out images: achieved SSIM and sweep seconds");
            var others = profile.Precisions.Skip(1).ToList();
            lines.Add("image                               exact s   chosen SSIM      s   paper SSIM      s" + string.Concat(others.Select(p => $"   {p.Name() + " SSIM",10}      s")));
            foreach (var h in profile.HoldOut)
                lines.Add(string.Create(inv, $"{h.Image,-35} {h.ExactSeconds,7:0.0}   {h.ChosenSsim,11:0.000} {h.ChosenSeconds,6:0.0}   {h.BaselineSsim,10:0.000} {h.BaselineSeconds,6:0.0}")
                    + string.Concat(others.Select(p => h.Precisions.First(c => c.Precision == p)).Select(c => string.Create(inv, $"   {c.Ssim,10:0.000} {c.Seconds,6:0.0}"))));
            var ho = profile.HoldOut;
            lines.Add(string.Create(inv, $"chosen: mean SSIM {ho.Average(h => h.ChosenSsim):0.000} (min {ho.Min(h => h.ChosenSsim):0.000}, predicted {profile.Chosen!.PredictedSsim:0.000}), {ho.Count(h => h.ChosenSsim >= profile.TunedQuality)} of {ho.Count} at or above {profile.TunedQuality}, {ho.Sum(h => h.ExactSeconds) / ho.Sum(h => h.ChosenSeconds):0.0}x faster than exact"));
            lines.Add(string.Create(inv, $"paper:  mean SSIM {ho.Average(h => h.BaselineSsim):0.000} (min {ho.Min(h => h.BaselineSsim):0.000}, predicted {profile.PaperBaseline!.PredictedSsim:0.000}), {ho.Count(h => h.BaselineSsim >= profile.TunedQuality)} of {ho.Count} at or above {profile.TunedQuality}, {ho.Sum(h => h.ExactSeconds) / ho.Sum(h => h.BaselineSeconds):0.0}x faster than exact"));
            foreach (var precision in profile.Precisions.Skip(1))
            {
                var checks = ho.Select(h => h.Precisions.First(c => c.Precision == precision)).ToList();
                lines.Add(string.Create(inv, $"exact {precision.Name()} against float32: mean SSIM {checks.Average(c => c.Ssim):0.000} (min {checks.Min(c => c.Ssim):0.000}), {checks.Count(c => c.Ssim >= profile.TunedQuality)} of {ho.Count} at or above {profile.TunedQuality}, {ho.Sum(h => h.ExactSeconds) / checks.Sum(c => c.Seconds):0.0}x faster than exact"));
            }
        }
        return string.Join('\n', lines) + "\n";
    }

    private static double[] ParseTaus(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(t =>
            double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : throw new KryptonException($"--taus '{text}' is not a comma-separated list of numbers")).ToArray();

    private static DrillDown[] ParseDrillDowns(string text)
    {
        if (text.Trim().Equals("none", StringComparison.OrdinalIgnoreCase)) return [];
        return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(item =>
        {
            var p = item.Split(':');
            if (p.Length == 2 && double.TryParse(p[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double s)
                && double.TryParse(p[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double r))
                return new DrillDown(s, r);
            throw new KryptonException($"--drill-downs item '{item}' is not SPEEDUP:FRACTION (for example 3:0.2)");
        }).ToArray();
    }

}
