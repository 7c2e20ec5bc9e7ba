using System.Collections.Concurrent;
using System.Diagnostics;
using Krypton.Model;
using Google.Protobuf;
using Krypton.Onnx;
using Krypton.Runtime;

namespace Krypton.Planning;

/// <summary>
/// This machine's convolution throughput under given execution options, measured once per
/// process on a small fixed convolution (64 → 64 channels, 3×3, 56×56, batch 4: a ResNet block's
/// shape): the basis of a plan's time estimate when no tuning profile measured the real thing.
/// </summary>
public static class ThroughputProbe
{
    private const int Batch = 4, Channels = 64, Size = 56, Kernel = 3;
    private static readonly ConcurrentDictionary<ExecutionOptions, double> Measured = new();

    /// <summary>Multiply-adds per second of the probe convolution (best of a few runs after a warm-up).</summary>
    public static double MultiplyAddsPerSecond(ExecutionOptions options) =>
        Measured.GetOrAdd(options with { ProfilePrefix = null }, Measure);

    private static double Measure(ExecutionOptions options)
    {
        var b = new OnnxGraphBuilder();
        string x = b.Input("x", [Batch, Channels, Size, Size]);
        var random = new Random(0);
        var weights = new float[Channels * Channels * Kernel * Kernel];
        for (int i = 0; i < weights.Length; i++) weights[i] = (float)(random.NextDouble() - 0.5) * 0.1f;
        string w = b.Constant("w", ConstantTensor.Create([Channels, Channels, Kernel, Kernel], weights));
        b.Node("Conv", [x, w], "y", "probe", OnnxAttr.Ints("pads", 1, 1, 1, 1));
        b.Output("y", [Batch, Channels, Size, Size]);
        using var session = new OnnxSession(b.Build("throughput probe").ToByteArray(), options);
        var data = new float[Batch * Channels * Size * Size];
        long[] shape = [Batch, Channels, Size, Size];
        session.RunSingle("x", data, shape);
        double best = double.MaxValue;
        for (int i = 0; i < 3; i++)
        {
            var clock = Stopwatch.StartNew();
            session.RunSingle("x", data, shape);
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        double macs = (double)Batch * Channels * Size * Size * Channels * Kernel * Kernel;
        return macs / Math.Max(best, 1e-6);
    }
}
