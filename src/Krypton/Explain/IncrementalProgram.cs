using Krypton.Compilation;
using Krypton.Model;
using Microsoft.ML.OnnxRuntime;
using Krypton.Runtime;

namespace Krypton.Explain;

/// <summary>
/// KRYPTON's incremental inference, compiled: the cache graph (the model run once per image,
/// keeping every feature map the plan reads) and the incremental graph (a batch of positions in,
/// target values out), with their sessions.
/// </summary>
public sealed class IncrementalProgram : OcclusionProgram
{
    private readonly ModelGraph _model;
    private readonly OnnxSession _cacheSession;
    private readonly OnnxSession _session;
    private readonly Calibration? _calibration;

    /// <summary>Opens sessions over the graphs compiled from an incremental plan of <paramref name="model"/> (<see cref="IncrementalGraph.Compile"/>).</summary>
    public IncrementalProgram(ModelGraph model, CompiledIncremental compiled, ExecutionOptions? options = null)
    {
        _model = model;
        Compiled = compiled;
        var sessions = OnnxSession.OpenAll([(compiled.CacheGraph, options), (compiled.IncrementalGraph, options)]);
        (_cacheSession, _session) = (sessions[0], sessions[1]);
        if (compiled.CalibrationGraph is { } calibration)
        {
            // After the pair, not beside it: three sessions opening at once held VGG16's int8
            // program at 3.1 GB against 2.6 GB one after the other.
            try { _calibration = new Calibration(new OnnxSession(calibration, Calibration.OptionsFor(options))); }
            catch { _cacheSession.Dispose(); _session.Dispose(); throw; }
        }
    }

    /// <summary>The compiled graphs.</summary>
    public CompiledIncremental Compiled { get; }

    /// <inheritdoc/>
    /// <remarks>
    /// The caches are bound as outputs in the session's device memory and from there as the
    /// incremental graph's inputs: on a GPU they never leave it.
    /// </remarks>
    public override IPositionEvaluator Bind(float[] image, float[] fill)
    {
        var g = _model;
        IDisposableReadOnlyCollection<OrtValue> results;
        var x = OrtValue.CreateTensorValueFromMemory(image, [1, g.Channels, g.Height, g.Width]);
        var fillValue = OrtValue.CreateTensorValueFromMemory(fill, [1, g.Channels, g.Height, g.Width]);
        IReadOnlyDictionary<string, OrtValue> scales = new Dictionary<string, OrtValue>();
        float[]? reference = null;
        if (_calibration is not null) (scales, reference) = _calibration.Run(x, fillValue);
        try { results = RunCaches(x, scales, _cacheSession.DeviceMemory); }
        catch (Exception e) when (e is KryptonException or OnnxRuntimeException && _cacheSession.Options.IsCuda)
        {
            // Should the provider refuse outputs in its own memory, the caches come to the
            // host and are copied up once, when bound (Explanation.CacheMemory then says "Cpu").
            results = RunCaches(x, scales, OrtMemoryInfo.DefaultInstance);
        }
        // The image too: the input region of a patch cut off at the border keeps its pixels where the patch does not reach.
        var inputs = new Dictionary<string, OrtValue> { [ScoreHead.ImageInput] = x, [ScoreHead.FillInput] = fillValue };
        foreach (var (name, value) in scales) inputs[name] = value;
        for (int i = 0; i < Compiled.Caches.Count; i++) inputs[Compiled.Caches[i].InputName] = results[i];
        var unoccluded = (results[^2].GetTensorDataAsSpan<float>().ToArray(), results[^1].GetTensorDataAsSpan<float>().ToArray());
        return new BoundEvaluator(_session, inputs, [results, fillValue, x, .. scales.Values], _ => unoccluded)
        {
            CacheMemory = string.Join(",", Compiled.Caches.Select(c => inputs[c.InputName].GetTensorMemoryInfo().Name).Distinct()),
            ReferenceProbabilities = reference,
        };
    }

    /// <summary>The cache graph on an image: the caches in <paramref name="cacheMemory"/>, then the logits and probabilities in host memory.</summary>
    private IDisposableReadOnlyCollection<OrtValue> RunCaches(OrtValue image, IReadOnlyDictionary<string, OrtValue> scales, OrtMemoryInfo cacheMemory)
    {
        using var binding = _cacheSession.CreateBinding();
        binding.BindInput(ScoreHead.ImageInput, image);
        foreach (var (name, value) in scales) binding.BindInput(name, value);
        foreach (var cache in Compiled.Caches) binding.BindOutputToDevice(cache.InputName, cacheMemory);
        binding.BindOutputToDevice(ScoreHead.LogitsOutput, OrtMemoryInfo.DefaultInstance);
        binding.BindOutputToDevice(ScoreHead.ProbabilitiesOutput, OrtMemoryInfo.DefaultInstance);
        return _cacheSession.Run(binding);
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _cacheSession.Dispose();
        _session.Dispose();
        _calibration?.Dispose();
    }
}
