using Krypton.Imaging;
using Krypton.Model;
using Krypton.Quality;
using Krypton.Explain;
using Krypton.Runtime;
using Krypton.Spec;
using Krypton.Planning;

namespace Krypton.Bench;

/// <summary>
/// The device's heat maps against CPU naive (`--verify`): for each model, the logits at positions
/// spread over the grid (and the one flush with the bottom-right corner), computed naive on the
/// CPU, then naive and exact on the benchmark's device, compared by <see cref="Agreement"/>; exact
/// mode's caches must have stayed in the device's memory. Then the device's faster precisions
/// (TF32 and float16 on CUDA, int8 on a CPU): exact against naive in that precision on the device.
/// What a GPU host runs before its benchmark, with no test runner there.
/// </summary>
internal static class Verification
{
    /// <summary>Runs the checks; <c>Unusable</c> when the device could not run at all (no benchmark then).</summary>
    public static (bool AllPass, bool Unusable) Run(BenchOptions options, Func<string, (ModelGraph Model, Preprocessing Normalization)> load)
    {
        bool all = true, unusable = false;
        foreach (var arch in options.Models)
        {
            var (model, normalization) = load(arch);
            var grid = options.Spec.GridFor(model.Height, model.Width);
            int count = Math.Min(47, grid.Count);
            var positions = Enumerable.Range(0, count).Select(i => (long)i * grid.Count / count)
                .Select(c => grid.Origin((int)c))
                .Append((model.Height - options.Patch, model.Width - options.Patch)).ToList();
            var input = RawForward.RandomImage(model, 3);
            var device = new ExecutionOptions(options.Threads, options.Device);
            // The benchmark's fill, and the blur: the patch cut from a fill image on the device.
            foreach (var fill in new[] { options.Spec.Fill, Fill.Blur }.Distinct())
            {
                var spec = options.Spec with { Value = ValueKind.Logit, Positions = positions, Fill = fill };
                var cpu = Explainer.Explain(new ExplainRequest(model, input, spec, normalization) { Method = new(OcclusionMode.Naive), Resources = new() { BatchSize = 16, Execution = new ExecutionOptions(0) } });
                foreach (var mode in new[] { OcclusionMode.Naive, OcclusionMode.Exact })
                {
                    Explanation run;
                    try { run = Explainer.Explain(new ExplainRequest(model, input, spec, normalization) { Method = new(mode), Resources = new() { Execution = device } }); }
                    catch (KryptonException e)
                    {
                        Console.WriteLine($"verify {arch} {mode.ToString().ToLowerInvariant()} fill {fill} on {options.Device}: FAIL: {e.Message}");
                        all = false;
                        unusable = true;
                        continue;
                    }
                    var a = Agreement.Of(run, cpu);
                    // Exact mode's caches must stay where the device computes (I/O binding): on a GPU, its memory.
                    string? cacheMemory = mode == OcclusionMode.Exact ? (device.IsCuda ? "Cuda" : "Cpu") : null;
                    bool placed = run.CacheMemory == cacheMemory;
                    all &= a.Same && placed && run.Mode == (mode == OcclusionMode.Exact ? "exact" : "naive");
                    Console.WriteLine($"verify {arch} {run.Mode} fill {fill} on {options.Device} vs naive on cpu, {positions.Count} positions: {(a.Same && placed ? "PASS" : "FAIL")}, " +
                        $"max difference {a.MaxDifference:g3} (logit scale {a.Scale:g3}, map range {a.Range:g3}){(a.Problem is { } p ? $": {p}" : "")}" +
                        (run.CacheMemory is { } m ? $", caches in {m} memory{(placed ? "" : $" (expected {cacheMemory})")}" : ""));
                }
            }
            if (unusable) continue;
            foreach (var precision in Enum.GetValues<Precision>().Where(p => p != Precision.Fp32 && p.IsFastOn(device.IsCuda)))
            {
                var spec = options.Spec with { Value = ValueKind.Logit, Positions = positions };
                Explanation Run(OcclusionMode mode) => Explainer.Explain(new ExplainRequest(model, input, spec, normalization) { Method = new(mode, Precision: precision), Resources = new() { Execution = device } });
                try
                {
                    var (naive, exact) = (Run(OcclusionMode.Naive), Run(OcclusionMode.Exact));
                    // TF32 rounds inside the convolution kernels, which differ between a window and a whole map: held like float16.
                    var a = Agreement.Of(exact, naive, precision: precision == Precision.Int8 ? Precision.Int8 : Precision.Fp16);
                    all &= a.Same;
                    Console.WriteLine($"verify {arch} {exact.Mode} vs {naive.Mode} on {options.Device}, {positions.Count} positions: {(a.Same ? "PASS" : "FAIL")}, " +
                        $"max difference {a.MaxDifference:g3} (logit scale {a.Scale:g3}){(a.Problem is { } p ? $": {p}" : "")}");
                }
                catch (KryptonException e)
                {
                    Console.WriteLine($"verify {arch} {precision.Name()} on {options.Device}: FAIL: {e.Message}");
                    all = false;
                }
            }
        }
        Console.WriteLine(all ? "verify: all PASS" : "verify: FAILED");
        return (all, unusable);
    }
}
