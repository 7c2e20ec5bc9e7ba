using System.CommandLine;
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

    public ModelSource Source(ParseResult parse) =>
        new(parse.GetValue(Model), parse.GetValue(Arch), parse.GetValue(Weights), parse.GetValue(Seed),
            parse.GetValue(ImageSize) is { } size ? Size2.Parse(size, "image size") : null);
}
