using System.Diagnostics;
using Krypton.Model;
using Krypton.Compilation;
using Krypton.Explain;
using Krypton.Planning;
using Krypton.Runtime;
using Krypton.Spec;

namespace Krypton.Quality;

/// <summary>
/// Measures deletion and insertion curves over pixels (<see cref="FaithfulnessResult"/>). At step k
/// the first ⌊k·P/Steps⌋ of the P covered pixels, in the map's per-pixel order, are filled with the
/// explanation's fill (deletion) or are the only ones not filled (insertion), and the model is run on
/// the whole image; the images are made inside a compiled graph from one mask per step. Keeps the
/// compiled graph of each model, so many images reuse it. Holds native memory: dispose it.
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

    /// <summary>The deletion and insertion curves of an explanation, with the request that produced it.</summary>
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

        var changes = Importance.Changes(explanation, explanation.Primary);
        var order = PixelOrder(grid, changes);
        int n = order.Length;
        if (n == 0)
            throw new KryptonException("faithfulness needs a heat map with at least one computed cell");
        int steps = Math.Min(options.Steps, n);
        var counts = StepCounts(n, steps);
        var rng = new Random(options.Seed);
        var orders = new List<int[]> { order };
        orders.AddRange(Enumerable.Range(0, options.RandomOrders).Select(_ => PixelOrder(grid, Shuffled(changes, rng))));

        // The unoccluded and the fully filled image are the ends of every curve: scored once. In
        // between: steps − 1 deletion masks, then steps − 1 insertion masks, per order.
        var execution = request.Resources.Execution;
        var program = ProgramFor(model, execution);
        int perOrder = 2 * (steps - 1), total = 2 + perOrder * orders.Count;
        int batch = MemoryBudget.For(model, options.BatchSize, () =>
            MemoryBudget.BatchSize(options.MemoryBudgetBytes ?? MemoryBudget.DefaultBudgetBytes(execution), program.BytesPerMask, total, execution.IsCuda, wholeImages: true));
        var fill = FillValues.Image(explanation.Spec.Fill, request.Input, model.Channels, model.Height, model.Width, request.Normalization, explanation.Spec.Patch);
        var probabilities = Score(program, request.Input, fill, Masks(grid, orders, counts), total, batch, explanation.Target, cancellation);

        float unoccluded = probabilities[0], filled = probabilities[1];
        float[] CurveOf(int o, bool insertion)
        {
            var c = new float[steps + 1];
            (c[0], c[steps]) = insertion ? (filled, unoccluded) : (unoccluded, filled);
            for (int k = 1; k < steps; k++) c[k] = probabilities[2 + o * perOrder + (insertion ? steps - 1 : 0) + (k - 1)];
            return c;
        }
        var fractions = counts.Select(c => c / (double)n).ToArray();
        FaithfulnessCurves Curves(bool insertion)
        {
            var random = Enumerable.Range(1, orders.Count - 1).Select(o => CurveOf(o, insertion)).ToList();
            var mean = Enumerable.Range(0, steps + 1).Select(k => (float)random.Average(c => (double)c[k])).ToArray();
            var heat = CurveOf(0, insertion);
            return new FaithfulnessCurves(heat, mean, Area(fractions, heat), random.Select(c => Area(fractions, c)).ToArray());
        }
        return new FaithfulnessResult(explanation.Target, n, steps, fractions, Curves(insertion: false), Curves(insertion: true),
            options.Seed, batch, clock.Elapsed);
    }

    /// <summary>
    /// The covered pixels, most important first: each pixel's score is the mean change of the cells
    /// whose patch covers it (<see cref="OcclusionGrid.PerPixel"/>), largest first, ties in raster
    /// order; pixels no computed cell covers are left out.
    /// </summary>
    public static int[] PixelOrder(OcclusionGrid grid, float[] changes)
    {
        var perPixel = grid.PerPixel(changes);
        return Enumerable.Range(0, perPixel.Length).Where(i => float.IsFinite(perPixel[i]))
            .OrderByDescending(i => perPixel[i]).ThenBy(i => i).ToArray();
    }

    /// <summary>A random map of the same cells: the finite values shuffled over the finite cells (NaN cells stay NaN).</summary>
    private static float[] Shuffled(float[] changes, Random rng)
    {
        var cells = Enumerable.Range(0, changes.Length).Where(i => float.IsFinite(changes[i])).ToArray();
        var values = cells.Select(i => changes[i]).ToArray();
        rng.Shuffle(values);
        var map = (float[])changes.Clone();
        for (int j = 0; j < cells.Length; j++) map[cells[j]] = values[j];
        return map;
    }

    /// <summary>
    /// Pixels filled after each step: ⌊k·P/steps⌋ for k = 0…steps, from 0 to P and strictly
    /// increasing when steps ≤ P.
    /// </summary>
    public static int[] StepCounts(int pixels, int steps) =>
        Enumerable.Range(0, steps + 1).Select(k => (int)((long)k * pixels / steps)).ToArray();

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
    /// The masks in scoring order (true = filled): none; every covered pixel; then per order its
    /// deletion steps 1…steps−1 (its first pixels filled) and its insertion steps (all covered
    /// pixels but its first filled).
    /// </summary>
    private static IEnumerable<bool[]> Masks(OcclusionGrid grid, List<int[]> orders, int[] counts)
    {
        int size = grid.ImageHeight * grid.ImageWidth, steps = counts.Length - 1;
        yield return new bool[size];
        var covered = new bool[size];
        foreach (int p in orders[0]) covered[p] = true;
        yield return covered;
        foreach (var order in orders)
        {
            for (int k = 1; k < steps; k++)
            {
                var mask = new bool[size];
                for (int i = 0; i < counts[k]; i++) mask[order[i]] = true;
                yield return mask;
            }
            for (int k = 1; k < steps; k++)
            {
                var mask = (bool[])covered.Clone();
                for (int i = 0; i < counts[k]; i++) mask[order[i]] = false;
                yield return mask;
            }
        }
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
