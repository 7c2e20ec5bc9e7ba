using System.CommandLine;
using Krypton.Runtime;
using Krypton.Web;

namespace Krypton.Cli;

/// <summary>`krypton serve`: the web app and JSON API.</summary>
internal static class ServeCommand
{
    private static readonly Option<int> Port = new("--port") { Description = "port to listen on (0: any free one)", DefaultValueFactory = _ => 5000, HelpName = "N" };
    private static readonly Option<string> Host = new("--host") { Description = "address to listen on; anything but a loopback address (127.0.0.1, ::1, localhost) needs --token", DefaultValueFactory = _ => "127.0.0.1", HelpName = "ADDR" };
    private static readonly Option<string?> Models = new("--models") { Description = "a folder whose ONNX files the page offers as models (besides the demo and the built-ins)", HelpName = "DIR" };
    private static readonly Option<string?> Token = new("--token") { Description = "a secret (8 characters or more) every request must carry: the page gets it from the printed URL, scripts send Authorization: Bearer TOKEN", HelpName = "SECRET" };
    private static readonly Option<int> Concurrency = new("--concurrency") { Description = "sweeps that run at once, each on its own engine (the others wait in the queue)", DefaultValueFactory = _ => 1, HelpName = "N" };
    private static readonly Option<int> Queue = new("--queue") { Description = "jobs that may wait; a job beyond them is refused (503) until one starts", DefaultValueFactory = _ => 16, HelpName = "N" };
    private static readonly Option<string> MaxUpload = new("--max-upload") { Description = "the largest image or ONNX file a client may upload", DefaultValueFactory = _ => "256M", HelpName = "SIZE" };
    private static readonly Option<string?> MemoryBudget = new("--memory-budget") { Description = "memory all sweeps together may use, shared by --concurrency (default: a quarter of the free memory)", HelpName = "SIZE" };
    private static readonly Option<int> Threads = new("--threads") { Description = "CPU threads for inference (default: all cores)", DefaultValueFactory = _ => 0, HelpName = "N" };
    private static readonly Option<string> DeviceOption = new("--device") { Description = "where inference runs: cpu, or cuda / cuda:N (a build with -p:KryptonGpu=true)", DefaultValueFactory = _ => "cpu", HelpName = "cpu|cuda[:N]" };
    private static readonly Option<bool> VerboseOption = Cli.VerboseOption();

    public static Command Create()
    {
        var command = new Command("serve",
            "Serve the interactive web app and its JSON API: choose a model and an image, draw a region,\n" +
            "see the plan and its cost, and watch the heat map sharpen while it is computed; click to probe\n" +
            "one position, compare runs, download the files explain --out writes.\n\n" +
            "Examples:\n" +
            "  krypton serve\n" +
            "      http://127.0.0.1:5000/ on this machine (Ctrl+C stops it)\n" +
            "  krypton serve --models ~/onnx --port 8080\n" +
            "      also offer the ONNX files of ~/onnx\n" +
            "  krypton serve --host 0.0.0.0 --token \"$(openssl rand -hex 16)\" --concurrency 2\n" +
            "      reachable from other machines, each request carrying the token; two sweeps at once");
        foreach (var o in new Option[] { Port, Host, Models, Token, Concurrency, Queue, MaxUpload, MemoryBudget, Threads, DeviceOption, VerboseOption })
            command.Options.Add(o);
        command.SetAction(async (parse, cancellation) =>
        {
            var options = new ServeOptions
            {
                Port = parse.GetValue(Port),
                Host = parse.GetValue(Host)!,
                ModelsFolder = parse.GetValue(Models),
                Token = parse.GetValue(Token),
                Concurrency = parse.GetValue(Concurrency),
                QueueCapacity = parse.GetValue(Queue),
                MaxUploadBytes = ExplainCommand.ParseBytes(parse.GetValue(MaxUpload)!, "--max-upload"),
                MemoryBudgetBytes = parse.GetValue(MemoryBudget) is { } budget ? ExplainCommand.ParseBytes(budget) : null,
                Execution = new ExecutionOptions(parse.GetValue(Threads), Device.Parse(parse.GetValue(DeviceOption)!)),
            };
            await KryptonServer.RunAsync(options, url =>
            {
                Console.WriteLine($"krypton serve: listening on {url}");
                Console.WriteLine("open it in a browser; Ctrl+C stops the server");
            }, cancellation);
            Console.WriteLine("krypton serve: stopped");
            return 0;
        });
        return command;
    }
}
