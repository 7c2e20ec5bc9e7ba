using System.Collections.Concurrent;
using System.Diagnostics;
using Krypton.Compilation;
using Krypton.Runtime;

namespace Krypton.Planning;

/// <summary>
/// This machine's convolution throughput under given execution options, measured once per
/// process on a small fixed convolution (<see cref="ConvolutionProbeGraph"/>): the basis of a
/// plan's time estimate when no tuning profile measured the real thing.
/// </summary>
public static class ThroughputProbe
{
    private static readonly ConcurrentDictionary<ExecutionOptions, double> Measured = new();

    /// <summary>Multiply-adds per second of the probe convolution (best of a few runs after a warm-up).</summary>
    public static double MultiplyAddsPerSecond(ExecutionOptions options) =>
        Measured.GetOrAdd(options with { ProfilePrefix = null }, Measure);

    private static double Measure(ExecutionOptions options)
    {
        using var session = new OnnxSession(ConvolutionProbeGraph.Emit(), options);
        const int b = ConvolutionProbeGraph.Batch, c = ConvolutionProbeGraph.Channels, s = ConvolutionProbeGraph.Size;
        var data = new float[b * c * s * s];
        long[] shape = [b, c, s, s];
        session.RunSingle(ConvolutionProbeGraph.Input, data, shape);
        double best = double.MaxValue;
        for (int i = 0; i < 3; i++)
        {
            var clock = Stopwatch.StartNew();
            session.RunSingle(ConvolutionProbeGraph.Input, data, shape);
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return ConvolutionProbeGraph.MultiplyAdds / Math.Max(best, 1e-6);
    }
}
