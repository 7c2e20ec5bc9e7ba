using Microsoft.ML.OnnxRuntime;

namespace Krypton.Runtime;

/// <summary>
/// One ONNX Runtime session over an emitted graph, created once and reused for every batch.
/// Holds native memory: dispose it.
/// </summary>
public sealed class OnnxSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly SessionOptions _options;

    /// <summary>Creates a session over ONNX bytes with full graph optimizations.</summary>
    /// <param name="onnx">The model.</param>
    /// <param name="options">Device, threads, profiling.</param>
    /// <param name="probe">
    /// A trial run, not a workload: no graph optimizations (their cost, such as prepacking the
    /// weights of a large model, would not pay off) and ONNX Runtime's own error log silent (its
    /// failure is an answer, not a problem).
    /// </param>
    public OnnxSession(byte[] onnx, ExecutionOptions? options = null, bool probe = false)
    {
        options ??= ExecutionOptions.Default;
        _options = new SessionOptions
        {
            GraphOptimizationLevel = probe ? GraphOptimizationLevel.ORT_DISABLE_ALL : GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            // 0 would let ONNX Runtime choose, which here ran the demo 1.75x slower than one
            // thread per core given explicitly (13.4 s against 7.7 s), so "all cores" is spelled out.
            IntraOpNumThreads = options.EffectiveThreads,
            InterOpNumThreads = 1,
            // Warnings (such as ONNX shape inference disagreeing with ceil-mode pooling sizes that
            // the kernels compute correctly) are not the user's business; errors still surface.
            LogSeverityLevel = probe ? OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL : OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        // ONNX Runtime would fuse DequantizeLinear → op → QuantizeLinear patterns of the int8
        // graphs into integer kernels (QLinearAveragePool, QLinearAdd…) where the pattern happens
        // to be unbroken: a graph that also outputs the middle value (a cache) would then round
        // differently from one that does not, and exact int8 would drift from naive int8. The
        // emitted graphs say which ops run in integers (QLinearConv); nothing else is fused.
        _options.AddSessionConfigEntry("session.disable_quant_qdq", "1");
        // Emitted graphs keep large weights in files named by their hash (Onnx.WeightFiles), which
        // ONNX Runtime reads from here.
        if (WeightFolder.IsChosen)
            _options.AddSessionConfigEntry(WeightFolder.SessionConfigKey, WeightFolder.Path);
        if (options.IsCuda)
            AppendCuda(_options, options.Device.Index, options.Tf32);
        if (options.ProfilePrefix is { } prefix)
        {
            // The prefix first: ONNX Runtime takes it when profiling is switched on (set after, it
            // was ignored and the profiles went to the working folder as onnxruntime_profile_*).
            _options.ProfileOutputPathPrefix = prefix;
            _options.EnableProfiling = true;
        }
        try { _session = new InferenceSession(onnx, _options); }
        catch (OnnxRuntimeException e)
        {
            _options.Dispose();
            throw new KryptonException($"ONNX Runtime rejected the graph: {FirstLine(e.Message)}", e);
        }
        Options = options;
        DeviceMemory = options.IsCuda
            ? new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.DeviceAllocator, options.Device.Index, OrtMemType.Default)
            : OrtMemoryInfo.DefaultInstance;
    }

    /// <summary>
    /// Opens sessions over several graphs at once, one thread each: ONNX Runtime spends most of a
    /// session's opening optimizing its graph on one core, so the graphs of one program (cache,
    /// incremental, calibration) open in about the time of the largest. Should one fail, the others
    /// are disposed and its error is thrown.
    /// </summary>
    public static OnnxSession[] OpenAll(IReadOnlyList<(byte[] Graph, ExecutionOptions? Options)> graphs)
    {
        if (graphs.Count == 1) return [new OnnxSession(graphs[0].Graph, graphs[0].Options)];
        var opening = graphs.Select(g => Task.Run(() => new OnnxSession(g.Graph, g.Options))).ToArray();
        try { Task.WaitAll(opening); }
        catch (AggregateException)
        {
            foreach (var t in opening.Where(t => t.IsCompletedSuccessfully)) t.Result.Dispose();
            var errors = opening.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).ToList();
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(errors.FirstOrDefault(e => e is KryptonException) ?? errors[0]);
        }
        return [.. opening.Select(t => t.Result)];
    }

    /// <summary>The options the session was created with.</summary>
    public ExecutionOptions Options { get; }

    /// <summary>Names of the graph's outputs.</summary>
    public IReadOnlyList<string> OutputNames => _session.OutputNames;

    /// <summary>
    /// Runs the graph on the given named inputs and returns the named outputs (all by default).
    /// Cancelling stops ONNX Runtime mid-run (its terminate flag) and throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public IDisposableReadOnlyCollection<OrtValue> Run(IReadOnlyDictionary<string, OrtValue> inputs, IReadOnlyList<string>? outputs = null,
        CancellationToken cancellation = default) =>
        Guarded(runOptions => _session.Run(runOptions, inputs.Keys.ToList(), inputs.Values.ToList(), outputs ?? _session.OutputNames), cancellation);

    /// <summary>
    /// Where the session computes: the GPU's memory under CUDA, host memory otherwise. Outputs
    /// bound here stay on the device, ready to be bound as another run's inputs.
    /// </summary>
    internal OrtMemoryInfo DeviceMemory { get; }

    /// <summary>
    /// A new I/O binding. An input bound to it is copied to the device once, when bound, and
    /// stays there for every run until it is bound again; outputs go where they are bound.
    /// </summary>
    internal OrtIoBinding CreateBinding() => _session.CreateIoBinding();

    /// <summary>Runs the graph on a binding and returns its outputs in binding order; cancels and fails as <see cref="Run(IReadOnlyDictionary{string, OrtValue}, IReadOnlyList{string}?, CancellationToken)"/>.</summary>
    internal IDisposableReadOnlyCollection<OrtValue> Run(OrtIoBinding binding, CancellationToken cancellation = default) =>
        Guarded(runOptions => _session.RunWithBoundResults(runOptions, binding), cancellation);

    private static IDisposableReadOnlyCollection<OrtValue> Guarded(Func<RunOptions, IDisposableReadOnlyCollection<OrtValue>> run, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        using var runOptions = new RunOptions();
        using var registration = cancellation.Register(() => runOptions.Terminate = true);
        try
        {
            return run(runOptions);
        }
        catch (OnnxRuntimeException) when (cancellation.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellation);
        }
        catch (OnnxRuntimeException e)
        {
            throw new KryptonException($"ONNX Runtime failed: {FirstLine(e.Message)}", e);
        }
    }

    /// <summary>Convenience for one float input and one float output: returns the output values and shape.</summary>
    public (float[] Values, long[] Shape) RunSingle(string inputName, float[] input, long[] shape, string? outputName = null)
    {
        using var x = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var results = Run(new Dictionary<string, OrtValue> { [inputName] = x }, [outputName ?? _session.OutputNames[0]]);
        var y = results[0];
        return (y.GetTensorDataAsSpan<float>().ToArray(), y.GetTensorTypeAndShape().Shape);
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();

    /// <summary>
    /// Puts ONNX Runtime's CUDA execution provider first (CPU stays as the fallback for ops CUDA
    /// lacks). The CPU build's native library has no CUDA provider, and the GPU build needs CUDA
    /// and cuDNN libraries on the library path: either way, one line saying so.
    /// </summary>
    private static void AppendCuda(SessionOptions options, int deviceId, bool tf32)
    {
        // A missing CUDA library is also logged by ONNX Runtime itself, in colour, before the
        // exception that says the same: silenced here, so the user gets one line.
        var env = OrtEnv.Instance();
        var level = env.EnvLogLevel;
        env.EnvLogLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
        try
        {
            // TF32 would round convolution inputs to 10-bit mantissas: heat maps must equal the
            // CPU's to float32 rounding, so it is off.
            using var cuda = new OrtCUDAProviderOptions();
            cuda.UpdateOptions(new Dictionary<string, string> { ["device_id"] = deviceId.ToString(System.Globalization.CultureInfo.InvariantCulture), ["use_tf32"] = tf32 ? "1" : "0" });
            options.AppendExecutionProvider_CUDA(cuda);
        }
        catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
        {
            options.Dispose();
            string why = FirstLine(e.Message);
            int fail = why.LastIndexOf("FAIL : ", StringComparison.Ordinal);
            if (fail >= 0) why = why[(fail + 7)..];
            if (why.StartsWith("[ErrorCode:", StringComparison.Ordinal) && why.IndexOf("] ", StringComparison.Ordinal) is > 0 and var end) why = why[(end + 2)..];
            bool cpuBuild = why.Contains("not enabled in this build", StringComparison.Ordinal) || e is EntryPointNotFoundException;
            throw new KryptonException($"CUDA was asked for (device cuda:{deviceId}) but is not available: {why.TrimEnd('.')}. " + (cpuBuild
                ? "This build carries ONNX Runtime's CPU provider only; build with -p:KryptonGpu=true for the CUDA provider"
                : "The CUDA provider needs CUDA 13 and cuDNN 9 libraries on the library path (LD_LIBRARY_PATH)"));
        }
        finally
        {
            env.EnvLogLevel = level;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Options.ProfilePrefix is not null)
            _session.EndProfiling();
        _session.Dispose();
        _options.Dispose();
        if (Options.IsCuda) DeviceMemory.Dispose();
    }
}
