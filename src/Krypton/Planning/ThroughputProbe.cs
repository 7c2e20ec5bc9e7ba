using System.Collections.Concurrent;
using System.Diagnostics;
using Krypton.Compilation;
using Krypton.Runtime;
using Krypton.Spec;
using Microsoft.ML.OnnxRuntime;

namespace Krypton.Planning;

/// <summary>
/// This machine's convolution throughput under given execution options and precision, measured
/// once per process on a small fixed convolution (<see cref="ConvolutionProbeGraph"/>): the basis
/// of a plan's time estimate when no tuning profile measured the real thing.
/// </summary>
public static class ThroughputProbe
{
    private static readonly ConcurrentDictionary<(ExecutionOptions, Precision), double> Measured = new();

    /// <summary>Multiply-adds per second of the probe convolution (best of a few runs after a warm-up).</summary>
    public static double MultiplyAddsPerSecond(ExecutionOptions options, Precision precision = Precision.Fp32) =>
        Measured.GetOrAdd((options with { ProfilePrefix = null }, precision), key => Measure(key.Item1, key.Item2));

    private static double Measure(ExecutionOptions options, Precision precision)
    {
        using var session = new OnnxSession(ConvolutionProbeGraph.Emit(precision), options.For(precision));
        const int b = ConvolutionProbeGraph.Batch, c = ConvolutionProbeGraph.Channels, s = ConvolutionProbeGraph.Size;
        using var x = OrtValue.CreateTensorValueFromMemory(new float[b * c * s * s], [b, c, s, s]);
        var inputs = new Dictionary<string, OrtValue> { [ConvolutionProbeGraph.Input] = x };
        if (precision == Precision.Int8)
        {
            inputs[ReducedLayout.ScalesInput] = OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(0.05f, ConvolutionProbeGraph.Int8Slots).ToArray(), [ConvolutionProbeGraph.Int8Slots]);
            inputs[ReducedLayout.ZeroPointsInput] = OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat((byte)128, ConvolutionProbeGraph.Int8Slots).ToArray(), [ConvolutionProbeGraph.Int8Slots]);
        }
        try
        {
            double best = double.MaxValue;
            for (int i = 0; i < 4; i++)
            {
                var clock = Stopwatch.StartNew();
                session.Run(inputs).Dispose();
                if (i > 0) best = Math.Min(best, clock.Elapsed.TotalSeconds);   // the first run warms up
            }
            return ConvolutionProbeGraph.MultiplyAdds / Math.Max(best, 1e-6);
        }
        finally
        {
            foreach (var v in inputs.Values) v.Dispose();
        }
    }
}
