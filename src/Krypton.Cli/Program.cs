using System.CommandLine;
using Krypton.Cli;

var root = new RootCommand(
    "Krypton.NET: fast occlusion heat maps for CNN image classifiers.\n" +
    "Slide a patch over the image, record how the model's output changes at each position,\n" +
    "and get a heat map of the regions the prediction depends on.");
root.Subcommands.Add(ExplainCommand.Create());
return await Cli.InvokeAsync(root, args);
