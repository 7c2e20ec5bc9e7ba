using System.CommandLine;
using System.CommandLine.Help;
using Krypton.Cli;

// A plain Command named "krypton" (not RootCommand, which would take the assembly's name).
var root = new Command("krypton",
    "Krypton.NET: fast occlusion heat maps for CNN image classifiers.\n" +
    "Slide a patch over the image, record how the model's output changes at each position,\n" +
    "and get a heat map of the regions the prediction depends on.\n\n" +
    "Start with: krypton explain            (the built-in demo)\n" +
    "            krypton explain --help     (all options, with examples)");
root.Options.Add(new HelpOption());
root.Options.Add(new VersionOption());
root.Subcommands.Add(ExplainCommand.Create());
root.Subcommands.Add(AnalyzeCommand.Create());
root.Subcommands.Add(SsimCommand.Create());
root.Subcommands.Add(FaithfulnessCommand.Create());
root.Subcommands.Add(TuneCommand.Create());
root.Subcommands.Add(TrainHeadCommand.Create());
root.Subcommands.Add(SamplesCommand.Create());
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(MergeCommand.Create());
return await Cli.InvokeAsync(root, args);
