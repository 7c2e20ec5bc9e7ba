using System.Diagnostics;
using Krypton.Explain;
using Krypton.Jobs;
using Krypton.Planning;

namespace Krypton.Web;

/// <summary>
/// Answers at once what needs no sweep: the plan of a job before it runs, the image's top classes,
/// and the target's value with the patch at one point (<c>--positions</c>, one naive inference on
/// an image whose unoccluded run is kept). Runs beside the queue, on an engine of its own, one
/// request at a time; keeps the last few bound images.
/// </summary>
public sealed class ProbeService(JobQueue queue) : IDisposable
{
    private const int KeptImages = 4;
    private readonly OcclusionEngine _engine = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly LinkedList<(string Key, BoundImage Image)> _bound = [];

    /// <summary>The plan of the settings with the image's top classes.</summary>
    public async Task<object> PlanAsync(JobSettings settings, CancellationToken cancellation)
    {
        await _gate.WaitAsync(cancellation);
        try
        {
            var prepared = queue.Prepare(settings);
            var plan = _engine.Plan(prepared.Request);
            var bound = Bound(settings, prepared);
            var labels = prepared.Labels;
            var top = Enumerable.Range(0, bound.Probabilities.Length).OrderByDescending(i => bound.Probabilities[i]).Take(10)
                .Select(i => new { index = i, name = labels?.NameOf(i), probability = bound.Probabilities[i] }).ToList();
            return new
            {
                planned = Api.PlanOf(prepared, plan),
                top,
                profile = ModelCatalog.HasProfile(settings.Model, prepared.Job.Spec),
                outputs = prepared.Model.Graph.OutputSize,
            };
        }
        finally { _gate.Release(); }
    }

    /// <summary>The target's value with the patch's top-left corner at (<paramref name="y"/>, <paramref name="x"/>), in the settings' units.</summary>
    public async Task<object> ProbeAsync(JobSettings settings, int y, int x, CancellationToken cancellation)
    {
        await _gate.WaitAsync(cancellation);
        try
        {
            var clock = Stopwatch.StartNew();
            var prepared = queue.Prepare(settings);
            var bound = Bound(settings, prepared);
            var map = bound.Probe([(y, x)], cancellation).First(m => m.Target == bound.Primary);
            return new
            {
                y,
                x,
                value = map.PositionValues![0],
                target = map.Target,
                target_name = prepared.Labels?.NameOf(map.Target),
                unoccluded = map.UnoccludedValue,
                unoccluded_probability = map.UnoccludedProbability,
                seconds = clock.Elapsed.TotalSeconds,
            };
        }
        finally { _gate.Release(); }
    }

    /// <summary>The image bound for probes (naive, in the settings' precision), from the kept ones when it is there.</summary>
    private BoundImage Bound(JobSettings settings, PreparedJob prepared)
    {
        string key = string.Join('|', settings.Model, settings.Image ?? ImageCatalog.DefaultId, settings.Patch, settings.Fill, settings.Value, settings.Target, settings.Precision, settings.Grid);
        for (var node = _bound.First; node is not null; node = node.Next)
            if (node.Value.Key == key)
            {
                _bound.Remove(node);
                _bound.AddFirst(node);
                return node.Value.Image;
            }
        var request = prepared.Request with { Method = new MethodOptions(OcclusionMode.Naive, Precision: prepared.Job.Method.Precision) };
        var image = _engine.Bind(request);
        _bound.AddFirst((key, image));
        while (_bound.Count > KeptImages)
        {
            _bound.Last!.Value.Image.Dispose();
            _bound.RemoveLast();
        }
        return image;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var (_, image) in _bound) image.Dispose();
        _bound.Clear();
        _engine.Dispose();
        _gate.Dispose();
    }
}
