using System.Diagnostics;
using Krypton.Model;
using Krypton.Compilation;
using Krypton.Explain;
using Krypton.Planning;
using Krypton.Runtime;

namespace Krypton.Quality;

/// <summary>
/// Measures deletion curves. At step k the union of the patches of the first k·N/Steps cells (of N)
/// is filled with the explanation's fill and the model is run on the whole image; the images are
/// made inside a compiled graph from one mask per step. Keeps the compiled graph of each model,
/// so many images reuse it. Holds native memory: dispose it.
/// </summary>
public sealed class Faithfulness : IDisposable
{
    private readonly Dictionary<(ModelGraph, ExecutionOptions), MaskedProgram> _programs = [];

    /// <summary>Measures once, with a graph compiled for this call alone.</summary>
    public static FaithfulnessResult Measure(ExplainRequest request, Explanation explanation, FaithfulnessOptions? options = null, CancellationToken cancellation = default)
    {
        using var f = new Faithfulness();
        return f.Evaluate(request, explanation, options, cancellation);
    }

    /// <summary>The deletion curve of an explanation, with the request that produced it.</summary>
    /// <exception cref="KryptonException">The explanation has no heat map, or does not fit the request.</exception>
    public FaithfulnessResult Evaluate(ExplainRequest request, Explanation explanation, FaithfulnessOptions? options = null, CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        options ??= FaithfulnessOptions.Default;
        options.Check();
        if (explanation.HeatMap.Length == 0)
            throw new KryptonException("faithfulness needs a heat map; explicit positions have none");
        var model = request.Model;
        var grid = explanation.Grid;
        if (grid.ImageHeight != model.Height || grid.ImageWidth != model.Width || explanation.HeatMap.Length != grid.Count)
            throw new KryptonException($"the explanation's {grid.Rows}x{grid.Columns} map over {grid.ImageHeight}x{grid.ImageWidth} does not fit the {model.Height}x{model.Width} model");

        var order = Sensitivity.Order(explanation);
        int n = order.Length;
        if (n == 0)
            throw new KryptonException("faithfulness needs a heat map with at least one computed cell");
        int steps = Math.Min(options.Steps, n);
        var counts = StepCounts(n, steps);
        var rng = new Random(options.Seed);
        var randomOrders = Enumerable.Range(0, options.RandomOrders).Select(_ =>
        {
            var o = order.ToArray();
            rng.Shuffle(o);
            return o;
        }).ToList();

        // Point 0 (nothing occluded) and point `steps` (every cell) are the same for all orders:
        // scored once. In between: steps − 1 masks per order, heat-map order first.
        var orders = new List<int[]> { order };
        orders.AddRange(randomOrders);
        var execution = request.Resources.Execution;
        var program = ProgramFor(model, execution);
        int total = 2 + (steps - 1) * orders.Count;
        int batch = MemoryBudget.For(model, options.BatchSize, () =>
            MemoryBudget.BatchSize(options.MemoryBudgetBytes ?? MemoryBudget.DefaultBudgetBytes(execution), program.BytesPerMask, total, execution.IsCuda, wholeImages: true));
        var fill = FillValues.Image(explanation.Spec.Fill, request.Input, model.Channels, model.Height, model.Width, request.Normalization, explanation.Spec.Patch);
        var probabilities = Score(program, request.Input, fill, Masks(explanation, orders, counts), total, batch, explanation.Target, cancellation);

        float first = probabilities[0], last = probabilities[total - 1];
        float[] CurveOf(int o)
        {
            var c = new float[steps + 1];
            c[0] = first;
            c[steps] = last;
            for (int k = 1; k < steps; k++) c[k] = probabilities[1 + o * (steps - 1) + (k - 1)];
            return c;
        }
        var fractions = counts.Select(c => c / (double)n).ToArray();
        var curve = CurveOf(0);
        var randomCurves = Enumerable.Range(1, randomOrders.Count).Select(CurveOf).ToList();
        var randomCurve = Enumerable.Range(0, steps + 1).Select(k => (float)randomCurves.Average(c => (double)c[k])).ToArray();
        return new FaithfulnessResult(explanation.Target, n, steps, fractions, curve, randomCurve,
            Area(fractions, curve), Area(fractions, randomCurve), randomCurves.Select(c => Area(fractions, c)).ToArray(),
            options.Seed, batch, clock.Elapsed);
    }

    /// <summary>
    /// Cells occluded after each step: ⌊k·N/steps⌋ for k = 0…steps, from 0 to N and strictly
    /// increasing when steps ≤ N.
    /// </summary>
    public static int[] StepCounts(int cells, int steps) =>
        Enumerable.Range(0, steps + 1).Select(k => (int)((long)k * cells / steps)).ToArray();

    /// <summary>Area under a curve by the trapezoid rule.</summary>
    public static double Area(IReadOnlyList<double> x, IReadOnlyList<float> y)
    {
        if (x.Count != y.Count)
            throw new KryptonException($"a curve needs as many x as y values, got {x.Count} and {y.Count}");
        double area = 0;
        for (int i = 1; i < x.Count; i++)
            area += (x[i] - x[i - 1]) * (y[i] + (double)y[i - 1]) / 2;
        return area;
    }

    /// <summary>
    /// The masks in scoring order: none occluded; then steps 1…steps−1 of each order; then all
    /// cells. Each is a copy of a running union, so making them costs one patch per cell per order.
    /// </summary>
    private static IEnumerable<bool[]> Masks(Explanation e, List<int[]> orders, int[] counts)
    {
        int h = e.Grid.ImageHeight, w = e.Grid.ImageWidth;
        int steps = counts.Length - 1;
        yield return new bool[h * w];
        foreach (var order in orders)
        {
            var union = new bool[h * w];
            for (int k = 1; k < steps; k++)
            {
                for (int i = counts[k - 1]; i < counts[k]; i++) AddPatch(e, order[i], union, w);
                yield return (bool[])union.Clone();
            }
        }
        var all = new bool[h * w];
        foreach (int cell in orders[0]) AddPatch(e, cell, all, w);
        yield return all;
    }

    private static void AddPatch(Explanation e, int cell, bool[] mask, int width)
    {
        var patch = e.Grid.PatchAt(cell);
        for (int r = patch.Y; r < patch.Y + patch.Height; r++)
            Array.Fill(mask, true, r * width + patch.X, patch.Width);
    }

    private static float[] Score(MaskedProgram program, float[] image, float[] fill, IEnumerable<bool[]> masks, int total, int batch, int target, CancellationToken cancellation)
    {
        int plane = program.Model.Height * program.Model.Width, k = program.OutputSize;
        var result = new float[total];
        int done = 0;
        foreach (var chunk in masks.Chunk(batch))
        {
            var flat = new bool[chunk.Length * plane];
            for (int i = 0; i < chunk.Length; i++) chunk[i].CopyTo(flat, i * plane);
            var (_, probabilities) = program.Evaluate(image, fill, flat, chunk.Length, cancellation);
            for (int i = 0; i < chunk.Length; i++) result[done + i] = probabilities[i * k + target];
            done += chunk.Length;
        }
        if (done != total)
            throw new InvalidOperationException($"scored {done} masks, expected {total}");
        return result;
    }

    private MaskedProgram ProgramFor(ModelGraph model, ExecutionOptions options)
    {
        if (!_programs.TryGetValue((model, options), out var program))
            _programs[(model, options)] = program = new MaskedProgram(model, MaskedGraph.Emit(model), options);
        return program;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var p in _programs.Values) p.Dispose();
        _programs.Clear();
    }
}
