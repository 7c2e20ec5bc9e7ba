using System.Net;
using Krypton.Runtime;

namespace Krypton.Web;

/// <summary>How <c>krypton serve</c> runs: where it listens, what it offers, how many sweeps at once.</summary>
public sealed record ServeOptions
{
    /// <summary>The address to listen on; a loopback one (the default) is reachable from this machine only.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>The port; 0 for any free one.</summary>
    public int Port { get; init; } = 5000;

    /// <summary>A folder whose ONNX files the page offers as models; null for none.</summary>
    public string? ModelsFolder { get; init; }

    /// <summary>A secret every request must carry; required on a non-loopback <see cref="Host"/>.</summary>
    public string? Token { get; init; }

    /// <summary>Sweeps that run at once (each on its own engine); the rest wait in the queue.</summary>
    public int Concurrency { get; init; } = 1;

    /// <summary>Jobs that may wait in the queue; a job beyond them is refused (503) until one starts.</summary>
    public int QueueCapacity { get; init; } = 16;

    /// <summary>The largest upload (image or ONNX file), in bytes.</summary>
    public long MaxUploadBytes { get; init; } = 256L << 20;

    /// <summary>Memory all sweeps together may use, in bytes; null for the engine's default (a quarter of the free memory), shared by the concurrent sweeps.</summary>
    public long? MemoryBudgetBytes { get; init; }

    /// <summary>Threads and device of every engine.</summary>
    public ExecutionOptions Execution { get; init; } = ExecutionOptions.Default;

    /// <summary>
    /// Load the demo model and compile its default program on every worker (and the probe engine)
    /// when the server starts, so that the first job shows its first picture as soon as later ones.
    /// </summary>
    public bool WarmUp { get; init; } = true;

    /// <summary>Finished jobs kept (with their files) before the oldest are removed.</summary>
    public int KeepJobs { get; init; } = 64;

    /// <summary>True when <see cref="Host"/> is reachable from this machine only.</summary>
    public bool IsLoopback => Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || IPAddress.TryParse(Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);

    /// <summary>The URL the server answers on (with the token for a page opened from it).</summary>
    public string Url(int port) => $"http://{(Host.Contains(':') ? $"[{Host.Trim('[', ']')}]" : Host)}:{port}/";

    /// <summary>Checks the options before anything starts.</summary>
    /// <exception cref="KryptonException">An option is out of range, names a missing folder, or a non-loopback host has no token.</exception>
    public void Check()
    {
        if (Port is < 0 or > 65535)
            throw new KryptonException($"--port {Port} is not a port number (0 to 65535)");
        if (Concurrency < 1)
            throw new KryptonException($"--concurrency {Concurrency} must be at least 1");
        if (QueueCapacity < 1)
            throw new KryptonException($"--queue {QueueCapacity} must be at least 1");
        if (MaxUploadBytes < 1)
            throw new KryptonException($"--max-upload must be positive");
        if (MemoryBudgetBytes is <= 0)
            throw new KryptonException($"--memory-budget must be positive");
        if (ModelsFolder is { } folder && !Directory.Exists(folder))
            throw new KryptonException($"--models {folder}: no such folder");
        if (Token is { Length: < 8 })
            throw new KryptonException("--token must be at least 8 characters: it is the only thing between the network and this machine's CPU");
        if (!IsLoopback && Token is null)
            throw new KryptonException($"--host {Host} is reachable from other machines: give --token SECRET (every request must then carry it), or serve on 127.0.0.1");
        Execution.Check();
    }
}
