using System.Text.Json;
using Krypton.Jobs;

namespace Krypton.Web;

/// <summary>Where a job is.</summary>
public enum JobState
{
    /// <summary>Waiting for a worker.</summary>
    Queued,

    /// <summary>Its sweep is running.</summary>
    Running,

    /// <summary>Finished; its files are written.</summary>
    Done,

    /// <summary>Stopped with an error.</summary>
    Failed,

    /// <summary>Cancelled by its client (or the server stopping).</summary>
    Cancelled,
}

/// <summary>One server-sent event: its number (the stream's Last-Event-ID), name and JSON data.</summary>
public sealed record ServerEvent(int Id, string Name, string Data);

/// <summary>
/// A job of the server: its settings, the prepared explain job, its state, and every event it has
/// published, kept so that a page that connects late (or reconnects) sees the whole story.
/// </summary>
public sealed class WebJob
{
    private readonly List<ServerEvent> _events = [];
    private readonly Lock _lock = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal WebJob(string id, JobSettings settings, PreparedJob prepared, string folder)
    {
        Id = id;
        Settings = settings;
        Prepared = prepared;
        Folder = folder;
    }

    /// <summary>The job's id (random).</summary>
    public string Id { get; }

    /// <summary>What was asked for.</summary>
    public JobSettings Settings { get; }

    /// <summary>The loaded model and input, checked.</summary>
    public PreparedJob Prepared { get; }

    /// <summary>Where its files go (in the server's temporary folder).</summary>
    internal string Folder { get; }

    private volatile JobState _state = JobState.Queued;

    /// <summary>Where it is (set by the worker, read by requests on other threads).</summary>
    public JobState State
    {
        get => _state;
        internal set => _state = value;
    }

    /// <summary>When it was submitted.</summary>
    public DateTime SubmittedUtc { get; } = DateTime.UtcNow;

    /// <summary>Cancels the sweep (within a batch) or takes the job out of the queue.</summary>
    internal CancellationTokenSource Cancellation { get; } = new();

    /// <summary>The finished explanation's primary map, row-major (NaN outside a region of interest); null before it is done.</summary>
    public float[]? Map { get; internal set; }

    /// <summary>The files written, by name.</summary>
    public IReadOnlyList<string> Files { get; internal set; } = [];

    /// <summary>True once the job will publish nothing more.</summary>
    public bool Finished => State is JobState.Done or JobState.Failed or JobState.Cancelled;

    /// <summary>Adds an event (its data serialized now) and wakes the streams waiting for one.</summary>
    internal void Publish(string name, object data)
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            _events.Add(new ServerEvent(_events.Count + 1, name, JsonSerializer.Serialize(data, Api.Json)));
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    /// <summary>The events after number <paramref name="after"/>, waiting for one when there are none yet (empty when the wait is cancelled or times out).</summary>
    internal async Task<IReadOnlyList<ServerEvent>> EventsAfterAsync(int after, TimeSpan wait, CancellationToken cancellation)
    {
        Task changed;
        lock (_lock)
        {
            if (_events.Count > after)
                return _events.Skip(after).ToList();
            changed = _changed.Task;
        }
        try
        {
            await changed.WaitAsync(wait, cancellation);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException) { return []; }
        lock (_lock) return _events.Skip(after).ToList();
    }
}
