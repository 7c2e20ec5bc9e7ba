using System.CommandLine;
using System.Globalization;
using Krypton.Quality;
using Krypton.IO;

namespace Krypton.Cli;

/// <summary>`krypton ssim`: the structural similarity of two heat maps.</summary>
internal static class SsimCommand
{
    private static readonly Argument<string> Reference = new("A.npy") { Description = "the reference heat map (for example the exact one), float32 or float64 H×W .npy" };
    private static readonly Argument<string> Other = new("B.npy") { Description = "the heat map to compare (for example an approximate one), the same size" };
    private static readonly Option<bool> Gaussian = new("--gaussian") { Description = "Gaussian 11×11 window (σ 1.5) with population covariance, as in Wang et al. 2004 (default: 7×7 uniform window with sample covariance, scikit-image's default)" };
    private static readonly Option<double?> DataRange = new("--data-range") { Description = "dynamic range L of the values (default: max − min of A)", HelpName = "R" };
    private static readonly Option<bool> VerboseOption = Cli.VerboseOption();

    public static Command Create()
    {
        var command = new Command("ssim",
            "Print the structural similarity (SSIM, Wang et al. 2004) of two heat maps: 1 means identical.\n" +
            "Computed as scikit-image's structural_similarity.\n\n" +
            "Examples:\n" +
            "  krypton ssim exact/heatmap.npy approx/heatmap.npy\n" +
            "  krypton ssim a.npy b.npy --gaussian --data-range 1");
        command.Arguments.Add(Reference);
        command.Arguments.Add(Other);
        foreach (var o in new Option[] { Gaussian, DataRange, VerboseOption })
            command.Options.Add(o);
        command.SetAction(parse =>
        {
            var a = NpyFile.ReadHeatmap(parse.GetValue(Reference)!);
            var b = NpyFile.ReadHeatmap(parse.GetValue(Other)!);
            if (!a.Shape.SequenceEqual(b.Shape))
                throw new KryptonException($"heat maps differ in size: {string.Join("x", a.Shape)} and {string.Join("x", b.Shape)}");
            double value = Ssim.Compute(a.Data, b.Data, a.Shape[0], a.Shape[1], new SsimOptions(parse.GetValue(Gaussian), parse.GetValue(DataRange)));
            Console.WriteLine(value.ToString("R", CultureInfo.InvariantCulture));
            return 0;
        });
        return command;
    }
}
