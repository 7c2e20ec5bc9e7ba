using System.CommandLine;
using Microsoft.ML.OnnxRuntime;

namespace Krypton.Cli;

/// <summary>Runs a command line with the tool's error policy: one clear line, non-zero exit.</summary>
internal static class Cli
{
    /// <summary>Exit code for bad input (files, model, options).</summary>
    public const int InputError = 2;

    /// <summary>Exit code when the user cancelled (Ctrl+C), as shells expect for SIGINT.</summary>
    public const int Cancelled = 130;

    /// <summary>Exit code for an unexpected failure (a bug).</summary>
    public const int InternalError = 70;

    public static bool Verbose { get; set; }

    /// <summary>A command's --verbose flag (read from the raw arguments by <see cref="InvokeAsync"/>, so that errors before parsing honour it).</summary>
    public static Option<bool> VerboseOption() => new("--verbose") { Description = "show details of errors" };

    /// <summary>A command's --quiet / -q flag; <paramref name="progress"/> names what it silences ("bar", "lines").</summary>
    public static Option<bool> QuietOption(string progress) => new("--quiet", "-q") { Description = $"no progress {progress}" };

    public static async Task<int> InvokeAsync(Command root, string[] args)
    {
        Verbose = args.Contains("--verbose");
        // Ctrl+C (or SIGTERM) cancels the token; the run stops within one inference call, reports
        // it and exits with 130. The parser's own handler is off: it may return before the action
        // has finished, cutting its message short.
        var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
        using var cancel = new CancellationTokenSource();
        void OnSignal(System.Runtime.InteropServices.PosixSignalContext context)
        {
            context.Cancel = true;
            cancel.Cancel();
        }
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, OnSignal);
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, OnSignal);
        try
        {
            var parse = root.Parse(args.Length == 0 ? ["--help"] : args);
            if (parse.Errors.Count > 0 && !args.Any(a => a is "--help" or "-h" or "-?"))
            {
                // One line for a mistyped command line, not the whole help text.
                string command = string.Join(' ', parse.CommandResult.Command is { } c && c != root ? ["krypton", c.Name] : new[] { "krypton" });
                var error = parse.Errors.FirstOrDefault(e => !e.Message.StartsWith("Required command", StringComparison.Ordinal)) ?? parse.Errors[0];
                Console.Error.WriteLine($"krypton: error: {error.Message.ReplaceLineEndings(" ")} (see '{command} --help')");
                return InputError;
            }
            return await parse.InvokeAsync(config, cancel.Token);
        }
        catch (Exception e)
        {
            return Report(e);
        }
    }

    /// <summary>
    /// Makes a synchronous action the command's action, run off the parser's thread. A cancelled
    /// action would surface as a cancelled task, which the parser turns into exit code 130
    /// silently; catching it here keeps the one-line message.
    /// </summary>
    public static void SetAction(Command command, Func<ParseResult, CancellationToken, int> run) =>
        command.SetAction(async (parse, cancellation) =>
        {
            try { return await Task.Run(() => run(parse, cancellation), cancellation); }
            catch (OperationCanceledException e) { return Report(e); }
        });

    /// <summary>Prints one line for an exception and returns the exit code it deserves.</summary>
    public static int Report(Exception e)
    {
        switch (e)
        {
            case OperationCanceledException:
                Console.Error.WriteLine("krypton: cancelled; no output was written");
                return Cancelled;
            case KryptonException k:
                Console.Error.WriteLine($"krypton: error: {k.Describe(TermFlags.Of)}");
                if (Verbose) Console.Error.WriteLine(k);
                return InputError;
            case OnnxRuntimeException o:
                Console.Error.WriteLine($"krypton: error: ONNX Runtime: {o.Message.Split('\n')[0]}");
                if (Verbose) Console.Error.WriteLine(o);
                return InputError;
            case IOException or UnauthorizedAccessException:
                Console.Error.WriteLine($"krypton: error: {e.Message}");
                if (Verbose) Console.Error.WriteLine(e);
                return InputError;
            default:
                Console.Error.WriteLine($"krypton: internal error: {e.GetType().Name}: {e.Message} (run with --verbose for details, and please report it)");
                if (Verbose) Console.Error.WriteLine(e);
                return InternalError;
        }
    }
}
