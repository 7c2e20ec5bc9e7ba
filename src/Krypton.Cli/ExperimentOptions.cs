using System.CommandLine;
using Krypton.Runtime;
using Krypton.Spec;

namespace Krypton.Cli;

/// <summary>The options that state an occlusion experiment's patch, stride, fill and value, and how it runs; shared by explain, faithfulness and tune.</summary>
internal sealed class ExperimentOptions
{
    public Option<string> Patch { get; } = new("--patch", "-p") { Description = "patch size in input pixels", DefaultValueFactory = _ => "16", HelpName = "N[xM]" };
    public Option<string> Stride { get; } = new("--stride", "-s") { Description = "distance between patch positions in pixels (vertical x horizontal)", DefaultValueFactory = _ => "4", HelpName = "N[xM]" };
    public Option<string> Fill { get; } = new("--fill") { Description = "patch colour: gray, black, white, mean (the image's mean colour), blur[:SIGMA] (the image blurred, sigma in pixels, default half the patch), baseline:FILE (another picture or .npy tensor, prepared like the input), a pixel value in [0,1], or tensor:V for a value in the model's input space", DefaultValueFactory = _ => "gray", HelpName = "VALUE" };
    public Option<string> Value { get; } = new("--value") { Description = "what each cell records: prob (probability of the target under occlusion), logit, drop (unoccluded minus occluded probability), or delta (unoccluded minus occluded model output, f(x) - f(x occluded): Captum's attribution, whatever the model outputs; with --per-pixel it is Captum's Occlusion map)", DefaultValueFactory = _ => "prob", HelpName = "prob|logit|drop|delta" };
    public Option<string> Grid { get; } = new("--grid") { Description = "how positions are laid out: full (every pixel covered, as Captum: windows at k*stride up to the border, the last one cut off there) or krypton (KRYPTON's floor((H-h+1)/stride) positions per axis, every patch whole: the paper's grid)", DefaultValueFactory = _ => "full", HelpName = "full|krypton" };
    public Option<int?> Batch { get; } = new("--batch") { Description = "positions per inference call (default: chosen from the memory budget)", HelpName = "N" };
    public Option<int> Threads { get; } = new("--threads") { Description = "CPU threads for inference (default: all cores)", DefaultValueFactory = _ => 0, HelpName = "N" };
    public Option<string> Device { get; } = new("--device") { Description = "where inference runs: cpu, or cuda / cuda:N for ONNX Runtime's CUDA provider (a build with -p:KryptonGpu=true, with CUDA 13 and cuDNN 9 libraries on the library path)", DefaultValueFactory = _ => "cpu", HelpName = "cpu|cuda[:N]" };

    /// <summary>Adds the options; <paramref name="withValue"/> false leaves out --value (for commands that always use probabilities).</summary>
    public void AddTo(Command command, bool withValue = true)
    {
        foreach (var o in withValue ? new Option[] { Patch, Stride, Grid, Fill, Value, Batch, Threads, Device } : [Patch, Stride, Grid, Fill, Batch, Threads, Device])
            command.Options.Add(o);
    }

    /// <summary>The grid spec the options state (predicted class; no region or positions).</summary>
    public OcclusionSpec Spec(ParseResult parse) =>
        new(Size2.Parse(parse.GetValue(Patch)!, "patch"), Size2.Parse(parse.GetValue(Stride)!, "stride"), Krypton.Spec.Fill.Parse(parse.GetValue(Fill)!),
            Value: parse.GetResult(Value) is null ? ValueKind.Probability : ValueKinds.Parse(parse.GetValue(Value)!),
            GridKind: GridKinds.Parse(parse.GetValue(Grid)!));

    public ExecutionOptions Execution(ParseResult parse) => new(parse.GetValue(Threads), Krypton.Runtime.Device.Parse(parse.GetValue(Device)!));
}
