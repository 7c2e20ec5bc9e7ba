using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Krypton.Incremental;
using Krypton.Planning;
using Krypton.Spec;

namespace Krypton.Cli;

/// <summary>`krypton analyze`: the theoretical speedup of incremental inference, layer by layer.</summary>
internal static class AnalyzeCommand
{
    private static readonly ModelOptions ModelChoice = new();
    private static readonly Option<string> Patch = new("--patch", "-p") { Description = "patch size in input pixels", DefaultValueFactory = _ => "16", HelpName = "N[xM]" };
    private static readonly Option<string> Stride = new("--stride", "-s") { Description = "distance between patch positions, for the position count and the whole sweep's multiply-adds", DefaultValueFactory = _ => "4", HelpName = "N[xM]" };
    private static readonly Option<string> Grid = new("--grid") { Description = "how positions are laid out: full (every pixel covered, the last patch cut off at the border) or krypton (the paper's floor((H-h+1)/stride) per axis)", DefaultValueFactory = _ => "full", HelpName = "full|krypton" };
    private static readonly Option<double> Tau = new("--tau") { Description = "projective-field threshold τ in (0, 1]: cap each layer's changed region at τ of its size (1 = exact)", DefaultValueFactory = _ => 1.0, HelpName = "T" };
    private static readonly Option<string> Merge = new("--merge") { Description = "how merges combine regions: bbox (the bounding box; correct) or last-input (the shortcut of KRYPTON's reference scripts, to compare with its published InceptionV3 row)", DefaultValueFactory = _ => "bbox", HelpName = "bbox|last-input" };
    private static readonly Option<bool> Json = new("--json") { Description = "print {\"theoretical_speedup\": R, \"layers\": [...]} as JSON" };
    private static readonly Option<bool> VerboseOption = Cli.VerboseOption();

    public static Command Create()
    {
        var command = new Command("analyze",
            "The theoretical speedup R of incremental inference (KRYPTON §2): for a patch at the image\n" +
            "centre, how many multiply-adds each layer needs in full and when only the changed region\n" +
            "is recomputed; R = Σ full / Σ incremental over convolutions and fully-connected layers.\n\n" +
            "Examples:\n" +
            "  krypton analyze --arch vgg16 --patch 16\n" +
            "  krypton analyze --model net.onnx --patch 32 --json\n" +
            "  krypton analyze --arch resnet18 --patch 16 --tau 0.6");
        ModelChoice.AddTo(command);
        foreach (var o in new Option[] { Patch, Stride, Grid, Tau, Merge, Json, VerboseOption })
            command.Options.Add(o);
        command.SetAction(Run);
        return command;
    }

    private static int Run(ParseResult parse)
    {
        var patch = Size2.Parse(parse.GetValue(Patch)!, "patch");
        patch.CheckPositive(Term.Patch);
        var stride = Size2.Parse(parse.GetValue(Stride)!, "stride");
        stride.CheckPositive(Term.Stride);
        var gridKind = GridKinds.Parse(parse.GetValue(Grid)!);
        new MethodOptions(Tau: parse.GetValue(Tau)).Check();
        var rule = parse.GetValue(Merge)!.Trim().ToLowerInvariant() switch
        {
            "bbox" or "bounding-box" => MergeRule.BoundingBox,
            "last-input" or "last" => MergeRule.LastInput,
            var m => throw new KryptonException($"--merge '{m}' is not bbox or last-input"),
        };
        var model = ModelChoice.Source(parse).Load();
        if (patch.Height > model.Graph.Height || patch.Width > model.Graph.Width)
            throw new KryptonException($"patch {patch} does not fit the {model.Graph.Height}x{model.Graph.Width} input");
        var analysis = Analyzer.Analyze(model.Graph, patch.Height, patch.Width, parse.GetValue(Tau), rule);
        var grid = new OcclusionGrid(model.Graph.Height, model.Graph.Width, patch, stride, gridKind);
        if (parse.GetValue(Json))
        {
            var json = JsonSerializer.SerializeToNode(analysis, AnalysisJson.Default.SpeedupAnalysis)!.AsObject();
            json["grid"] = GridKinds.Name(gridKind);
            json["stride"] = new JsonArray(stride.Height, stride.Width);
            json["positions"] = new JsonArray(grid.Rows, grid.Columns);
            Console.WriteLine(json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"{model.Graph.Name}: input {model.Graph.Height}x{model.Graph.Width}, patch {patch} at the centre, tau {analysis.Tau.ToString(inv)}, merges: {(rule == MergeRule.BoundingBox ? "bounding box" : "last input")}");
        Console.WriteLine();
        Console.WriteLine($"{"layer",-40} {"op",-18} {"output",-16} {"changed",-9} {"MACs full",14} {"MACs incremental",17}");
        foreach (var l in analysis.Layers)
        {
            string shape = string.Join("x", l.OutputShape.Skip(1));
            string changed = l.State switch
            {
                RegionState.Unchanged => "-",
                RegionState.Full => "all",
                _ => $"{l.ChangedHeight}x{l.ChangedWidth}",
            };
            Console.WriteLine($"{Trim(l.Name, 40),-40} {l.OpType,-18} {shape,-16} {changed,-9} {l.FullMultiplyAdds.ToString("N0", inv),14} {l.IncrementalMultiplyAdds.ToString("N0", inv),17}");
        }
        Console.WriteLine();
        Console.WriteLine($"multiply-adds: full {analysis.FullMultiplyAdds / 1e9:0.000} G, incremental {analysis.IncrementalMultiplyAdds / 1e9:0.000} G");
        Console.WriteLine($"theoretical speedup R = {analysis.TheoreticalSpeedup.ToString("0.00", inv)}");
        var other = grid with { Kind = gridKind == GridKind.Full ? GridKind.Krypton : GridKind.Full };
        Console.WriteLine(string.Create(inv, $"positions at stride {stride}: {grid.Rows} x {grid.Columns} = {grid.Count:N0} on the {GridKinds.Name(gridKind)} grid ")
            + string.Create(inv, $"({GridKinds.Name(other.Kind)} grid: {other.Rows} x {other.Columns} = {other.Count:N0}); the whole sweep: ")
            + string.Create(inv, $"{grid.Count * analysis.FullMultiplyAdds / 1e9:N1} G multiply-adds naive, {grid.Count * analysis.IncrementalMultiplyAdds / 1e9:N1} G incremental (patches cut off at the border change less)"));
        if (model.Graph.OpaqueReason is { } opaque)
            Console.WriteLine($"the model is run as one opaque network ({opaque}): occlusion runs it naively, with no incremental form");
        // A feature map changed everywhere (after a squeeze-and-excitation's global pooling, say) leaves
        // every later convolution at full cost: say where, since the table alone hides why R is low.
        int whole = analysis.Layers.ToList().FindIndex(l => l.State == RegionState.Full && l.OutputShape.Length == 4 && l.OutputShape[2] * l.OutputShape[3] > 1);
        if (whole >= 0 && analysis.Layers.Skip(whole).Sum(l => l.FullMultiplyAdds) is > 0 and var after)
            Console.WriteLine(string.Create(inv, $"from {analysis.Layers[whole].Name} ({analysis.Layers[whole].OpType}) on, each patch changes whole feature maps "
                + $"(a global operation, such as global pooling, feeds them): {after / (double)analysis.FullMultiplyAdds:P0} of the multiply-adds run at full cost"));
        return 0;
    }

    private static string Trim(string s, int width) => s.Length <= width ? s : "…" + s[^(width - 1)..];
}

[System.Text.Json.Serialization.JsonSerializable(typeof(SpeedupAnalysis))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class AnalysisJson : System.Text.Json.Serialization.JsonSerializerContext;
