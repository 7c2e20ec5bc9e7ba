using System.CommandLine;
using Krypton.Demo;
using Krypton.Jobs;
using Krypton.Spec;

namespace Krypton.Cli;

/// <summary>The options that name a model, shared by every command that loads one.</summary>
internal sealed class ModelOptions
{
    public Option<string?> Model { get; } = new("--model") { Description = "ONNX file of the model (any CNN with one N×C×H×W input)", HelpName = "FILE" };
    public Option<string?> Arch { get; } = new("--arch") { Description = "built-in architecture instead of a file: vgg16, resnet18 or inception_v3 (default, with neither --model nor --arch: the demo model, ImageNet ResNet18 with a Fashion-MNIST head)", HelpName = "NAME" };
    public Option<string?> Weights { get; } = new("--weights") { Description = "weights for --arch, a .safetensors file with torchvision's state_dict names (default: seeded random weights)", HelpName = "FILE" };
    public Option<int> Seed { get; } = new("--seed") { Description = "seed of the random weights of --arch", DefaultValueFactory = _ => 0, HelpName = "N" };
    public Option<string?> ImageSize { get; } = new("--image-size") { Description = "input size for models that leave it open, and for --arch (default: the model's own, else 224; 299 for inception_v3)", HelpName = "N[xM]" };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Model, Arch, Weights, Seed, ImageSize })
            command.Options.Add(o);
    }

    /// <summary>The model the options name: a file, a built-in architecture, or (naming neither) the demo model.</summary>
    /// <exception cref="KryptonException">The options contradict each other.</exception>
    public ModelSource Source(ParseResult parse)
    {
        string? file = parse.GetValue(Model), arch = parse.GetValue(Arch), weights = parse.GetValue(Weights);
        var size = parse.GetValue(ImageSize) is { } text ? Size2.Parse(text, "image size") : (Size2?)null;
        if (file is not null && arch is not null)
            throw new KryptonException("give either --model or --arch, not both");
        if (weights is not null && arch is null)
            throw new KryptonException("--weights goes with --arch (an ONNX file carries its own weights)");
        if (file is not null)
            return new OnnxFileSource(file, size);
        if (arch is null or DemoModel.Name)
        {
            if (weights is not null)
                throw new KryptonException("--weights does not apply to the demo model (its head is trained by 'krypton train-head')");
            if (size is { } s && (s.Height != DemoModel.Side || s.Width != DemoModel.Side))
                throw new KryptonException($"the demo model takes {DemoModel.Side}x{DemoModel.Side} images; --image-size {s} does not apply");
            return ModelSource.Demo;
        }
        return new ArchitectureSource(arch, weights, parse.GetValue(Seed), size);
    }
}
