using System.Collections.Concurrent;
using System.Security.Cryptography;
using Krypton.Explain;
using Krypton.Jobs;
using Krypton.Output;
using Krypton.Planning;
using Microsoft.Extensions.Hosting;

namespace Krypton.Web;

/// <summary>
/// The server's jobs: a bounded queue in front of <see cref="ServeOptions.Concurrency"/> workers,
/// each with its own engine, whose compiled programs serve every later job of the same model and
/// patch. A job streams its map as it grows (<see cref="WebJob.Publish"/>), writes the files
/// <c>krypton explain --out</c> writes, and can be cancelled while it waits or within a batch.
/// </summary>
public sealed class JobQueue(ServeOptions options, ModelCatalog models, ImageCatalog images, UploadStore uploads) : IHostedService, IDisposable
{
    private readonly ConcurrentDictionary<string, WebJob> _jobs = new();
    private readonly LinkedList<WebJob> _waiting = [];
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _available = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _workers = [];
    private int _running;

    /// <summary>The resources each sweep gets: the server's threads and device, and its share of the memory budget.</summary>
    public ResourceOptions Resources => new()
    {
        Execution = options.Execution,
        MemoryBudgetBytes = options.MemoryBudgetBytes is { } budget ? budget / options.Concurrency
            : options.Concurrency > 1 ? MemoryBudget.DefaultBudgetBytes() / options.Concurrency : null,
    };

    /// <summary>Sweeps running now.</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>Checks the settings, loads the model and the image, and queues the job.</summary>
    /// <exception cref="KryptonException">The settings are wrong, name no model or image, or do not fit the model.</exception>
    /// <exception cref="QueueFullException">The queue holds <see cref="ServeOptions.QueueCapacity"/> jobs already.</exception>
    public WebJob Submit(JobSettings settings)
    {
        string id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        string folder = Path.Combine(uploads.Folder, "jobs", id);
        var prepared = Prepare(settings, Path.Combine(folder, "report.html"));
        var job = new WebJob(id, settings, prepared, folder);
        lock (_lock)
        {
            if (_waiting.Count >= options.QueueCapacity)
                throw new QueueFullException($"the queue is full ({options.QueueCapacity} jobs waiting, {Running} running): try again when one has started");
            _waiting.AddLast(job);
            _jobs[id] = job;
            job.Publish("queued", new { place = _waiting.Count, running = Running });
        }
        _available.Release();
        Prune();
        return job;
    }

    /// <summary>The job, checked and loaded: the model from the catalog (loaded once), the image, the spec against both.</summary>
    internal PreparedJob Prepare(JobSettings settings, string? reportFile = null)
    {
        var job = settings.Job(models, images, Resources, reportFile);
        ExplainJobRunner.CheckSettings(job);
        return ExplainJobRunner.Prepare(job, models.Load(settings.Model));
    }

    /// <summary>The job with this id.</summary>
    /// <exception cref="NotFoundException">No such job (or it was removed: the server keeps the last <see cref="ServeOptions.KeepJobs"/>).</exception>
    public WebJob Get(string id) => _jobs.TryGetValue(id, out var job) ? job
        : throw new NotFoundException($"no job '{id}' on this server (it keeps the last {options.KeepJobs} finished jobs)");

    /// <summary>Every job, newest first.</summary>
    public IReadOnlyList<WebJob> All() => _jobs.Values.OrderByDescending(j => j.SubmittedUtc).ToList();

    /// <summary>The job's place in the queue (1: next to start), 0 when it is not waiting.</summary>
    public int PlaceOf(WebJob job)
    {
        lock (_lock)
        {
            int place = 1;
            for (var node = _waiting.First; node is not null; node = node.Next, place++)
                if (node.Value == job) return place;
            return 0;
        }
    }

    /// <summary>Cancels a job: a waiting one leaves the queue at once, a running one stops within a batch.</summary>
    public void Cancel(WebJob job)
    {
        bool wasWaiting;
        lock (_lock)
            wasWaiting = _waiting.Remove(job);
        job.Cancellation.Cancel();
        if (wasWaiting)
        {
            job.State = JobState.Cancelled;
            job.Publish("cancelled", new { message = "cancelled before it started" });
            PublishPlaces();
        }
    }

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Plans estimate time from the convolution rate measured once per process: measured here,
        // before requests and the warm-up, it is the quiet machine's (measured by the page's first
        // plan while a worker warms up, it came out 3-4 times too low and every estimate too long).
        if (options.WarmUp)
            ThroughputProbe.MultiplyAddsPerSecond(Resources.Execution);
        for (int i = 0; i < options.Concurrency; i++)
            _workers.Add(Task.Factory.StartNew(() => Work(_stopping.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default));
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        foreach (var job in _jobs.Values.Where(j => !j.Finished))
            job.Cancellation.Cancel();
        await Task.WhenAll(_workers).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private void Work(CancellationToken stopping)
    {
        using var engine = new OcclusionEngine();
        if (options.WarmUp)
            WarmUp(engine);
        while (true)
        {
            try { _available.Wait(stopping); }
            catch (OperationCanceledException) { return; }
            WebJob? job;
            lock (_lock)
            {
                job = _waiting.First?.Value;
                if (job is null) continue;   // cancelled while waiting
                _waiting.RemoveFirst();
                Interlocked.Increment(ref _running);
            }
            PublishPlaces();
            try { Execute(job, engine); }
            finally { Interlocked.Decrement(ref _running); }
            Prune();
        }
    }

    /// <summary>
    /// Loads the demo model and compiles the program of the page's default settings (the unoccluded
    /// run included); a failure here is left for the first job to report.
    /// </summary>
    internal void WarmUp(OcclusionEngine engine)
    {
        try
        {
            using var bound = engine.Bind(Prepare(new JobSettings()).Request);
        }
        catch (Exception e) when (e is KryptonException or IOException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException) { }
    }

    /// <summary>Tells every waiting job its place.</summary>
    private void PublishPlaces()
    {
        lock (_lock)
        {
            int place = 1;
            foreach (var waiting in _waiting)
                waiting.Publish("queued", new { place = place++, running = Running });
        }
    }

    private static void Execute(WebJob job, OcclusionEngine engine)
    {
        var token = job.Cancellation.Token;
        try
        {
            token.ThrowIfCancellationRequested();
            job.State = JobState.Running;
            var prepared = job.Prepared;
            var plan = engine.Plan(prepared.Request);
            job.Publish("started", Api.PlanOf(prepared, plan));
            var progress = new SyncProgress<OcclusionProgress>(p => job.Publish("progress", new
            {
                done = p.Done,
                total = p.Total,
                elapsed_seconds = p.Elapsed.TotalSeconds,
                remaining_seconds = p.Remaining?.TotalSeconds,
            }));
            var values = new SyncProgress<MapValues>(v => job.Publish("values", new
            {
                cells = v.Cells,
                values = Api.Finite(v.PrimaryValues()),
                target = v.Targets[v.PrimaryColumn],
                unoccluded = v.Unoccluded[v.PrimaryColumn],
                unoccluded_probability = v.UnoccludedProbabilities[v.PrimaryColumn],
            }));
            var result = ExplainJobRunner.Run(prepared, progress, token, engine, values);
            ExplainJobRunner.Write(result, job.Folder);
            job.Files = [.. result.WrittenFiles, .. File.Exists(Path.Combine(job.Folder, "report.html")) ? new[] { "report.html" } : []];
            job.Map = result.Explanation.HeatMap;
            job.State = JobState.Done;
            job.Publish("done", Api.ResultOf(job, result));
        }
        catch (OperationCanceledException)
        {
            job.State = JobState.Cancelled;
            job.Publish("cancelled", new { message = "cancelled; no files were written" });
        }
        catch (Exception e)
        {
            job.State = JobState.Failed;
            job.Publish("failed", new { error = Api.Describe(e) });
        }
    }

    /// <summary>Removes the oldest finished jobs beyond <see cref="ServeOptions.KeepJobs"/>, with their files.</summary>
    private void Prune()
    {
        foreach (var old in _jobs.Values.Where(j => j.Finished).OrderByDescending(j => j.SubmittedUtc).Skip(options.KeepJobs).ToList())
        {
            _jobs.TryRemove(old.Id, out _);
            try { if (Directory.Exists(old.Folder)) Directory.Delete(old.Folder, recursive: true); }
            catch (IOException) { }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _stopping.Dispose();
        _available.Dispose();
    }
}
