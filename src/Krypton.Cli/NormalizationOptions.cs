using System.CommandLine;
using System.Globalization;
using Krypton.Imaging;

namespace Krypton.Cli;

/// <summary>The options that state the input normalization, shared by every command that reads images.</summary>
internal sealed class NormalizationOptions
{
    public Option<string?> Mean { get; } = new("--mean") { Description = "per-channel mean of the input normalization, pixel scale [0,1] (default: the model's own, as for the demo model, else ImageNet's 0.485,0.456,0.406 for pictures; a .npy tensor is used as is, and a fill in pixel values needs its normalization stated)", HelpName = "R,G,B" };
    public Option<string?> Std { get; } = new("--std") { Description = "per-channel standard deviation of the input normalization (default: the model's own, else ImageNet's 0.229,0.224,0.225)", HelpName = "R,G,B" };
    public Option<bool> NoNormalize { get; } = new("--no-normalize") { Description = "feed pixel values in [0,1] without normalization" };

    public IEnumerable<Option> All => [Mean, Std, NoNormalize];

    /// <summary>The normalization the options state, or null for the model's own (ImageNet's when it has none).</summary>
    public Preprocessing? Resolve(ParseResult parse)
    {
        if (parse.GetValue(NoNormalize))
            return Preprocessing.None;
        string? mean = parse.GetValue(Mean), std = parse.GetValue(Std);
        if (mean is null && std is null)
            return null;
        var m = ParseFloats(mean ?? "0.485,0.456,0.406", "--mean");
        var s = ParseFloats(std ?? "0.229,0.224,0.225", "--std");
        if (s.Any(v => v <= 0))
            throw new KryptonException("--std values must be positive");
        return new Preprocessing(m, s);
    }

    private static float[] ParseFloats(string text, string what)
    {
        var parts = text.Split(',');
        var values = new float[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!float.TryParse(parts[i].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
                throw new KryptonException($"{what} '{text}' is not a comma-separated list of numbers");
        return values;
    }
}
