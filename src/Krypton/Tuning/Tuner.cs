using Krypton.Imaging;
using Krypton.Model;
using Krypton.Quality;
using Krypton.Explain;
using Krypton.Planning;
using Krypton.Runtime;
using Krypton.Spec;

namespace Krypton.Tuning;

/// <summary>
/// Tunes the approximations for a model (KRYPTON §3's automatic tuning, extended): on sample
/// images, runs the heat map at every τ swept in every precision swept, evaluates every
/// drill-down setting on those maps without running them again (drill-down only chooses which
/// cells to compute, so its map is a function of the full map at the same τ), fits SSIM against
/// the float32 exact map as a function of τ per precision and drill-down setting with its spread
/// over images, costs every setting with the times measured in its precision, and chooses the
/// fastest predicted to reach the quality for the chosen share of images. Then runs the choice,
/// the paper procedure's choice and the exact map in every other precision for real on held-out
/// images and records predicted against achieved.
/// </summary>
public static class Tuner
{
    /// <summary>Tunes on the images (model space, [1, C, H, W]; made when needed) and returns the profile.</summary>
    public static QualityProfile Run(ModelGraph model, ProfileModel identity, IReadOnlyList<(string Name, Lazy<float[]> Input)> images,
        OcclusionSpec spec, Preprocessing normalization, TuneOptions? options = null, IProgress<TuneProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        options ??= new TuneOptions();
        options.Check(images.Count);
        if (spec.Positions is not null || spec.RegionOfInterest is not null)
            throw new KryptonException("tuning needs whole heat maps; it does not go with explicit positions or a region of interest");
        int holdOut = options.HoldOutOf(images.Count);
        var taus = (options.Taus ?? TuneOptions.PaperTaus).Append(1.0).Distinct().OrderByDescending(t => t).ToArray();
        // An opaque network runs naively whatever τ says: every τ would sweep the same map. Drill-down
        // still saves inferences, so only it is tuned.
        if (model.OpaqueReason is not null)
            taus = [1.0];
        // An opaque network has no convolution of its own to run in another precision.
        var precisions = model.OpaqueReason is null ? options.PrecisionsSwept : [Precision.Fp32];
        var drills = options.DrillDowns ?? TuneOptions.DefaultDrillDowns;
        spec.Validate(model.Height, model.Width);

        var training = images.Take(images.Count - holdOut).ToList();
        var heldOut = images.Skip(images.Count - holdOut).ToList();
        var grid = spec.GridFor(model.Height, model.Width);
        var execution = options.Execution ?? ExecutionOptions.Default;
        int threads = execution.Threads > 0 ? execution.Threads : Environment.ProcessorCount;
        // The held-out part is counted at most (2 + precisions) runs an image until the choices are known.
        int total = training.Count * taus.Length * precisions.Count + 1 + heldOut.Count * (2 + precisions.Count), done = 0;
        void Step(string what) => progress?.Report(new TuneProgress(++done, total, what));

        using var engine = new OcclusionEngine();
        Explanation Run(float[] input, Approximation a, OcclusionMode mode = OcclusionMode.Exact, OcclusionSpec? with = null)
        {
            cancellation.ThrowIfCancellationRequested();
            return engine.Explain(new ExplainRequest(model, input, with ?? spec, normalization) { Method = new(mode, Tau: a.Tau, DrillDown: a.DrillDown, Precision: a.Precision), Resources = new() { BatchSize = options.BatchSize, Execution = execution } },
                null, cancellation);
        }

        // The sweep: every τ in every precision on every training image (float32 exact first, the
        // reference); drill-down evaluated on each map.
        var settings = new List<DrillDown?> { null };
        settings.AddRange(drills);
        var ssims = precisions.SelectMany(p => settings.Select(d => Key(p, d))).ToDictionary(k => k, _ => taus.ToDictionary(t => t, _ => new List<double>()));
        var seconds = precisions.ToDictionary(p => p, _ => taus.ToDictionary(t => t, _ => new List<double>()));
        foreach (var (name, input) in training)
        {
            float[]? exact = null;
            foreach (var precision in precisions)
                foreach (var tau in taus)
                {
                    var e = Run(input.Value, new Approximation(tau, null, precision));
                    seconds[precision][tau].Add(e.Timings.Sweep.TotalSeconds);
                    exact ??= e.HeatMap;
                    foreach (var d in settings)
                    {
                        float[] map = d is null ? e.HeatMap : d.Run(grid, spec.Value, cells => cells.Select(c => e.HeatMap[c]).ToArray()).Map;
                        ssims[Key(precision, d)][tau].Add(Ssim.Compute(exact, map, grid.Rows, grid.Columns));
                    }
                    Step($"{name}: {(precision == Precision.Fp32 ? "" : precision.Name() + ", ")}tau {tau:0.##}, {e.Timings.Sweep.TotalSeconds:0.0} s");
                }
        }

        // Naive baseline: a sample of the grid's positions on the first image (the cost of a naive
        // position does not depend on where it is), after a short warm-up run.
        int sample = Math.Min(options.NaivePositions, grid.Count);
        var naivePositions = Enumerable.Range(0, sample).Select(i => (long)i * grid.Count / sample)
            .Select(c => grid.Origin((int)c)).ToList();
        Run(training[0].Input.Value, Approximation.None, OcclusionMode.Naive, spec with { Positions = naivePositions.Take(Math.Min(32, sample)).ToList() });
        var naive = Run(training[0].Input.Value, Approximation.None, OcclusionMode.Naive, spec with { Positions = naivePositions });
        double naiveMs = naive.Timings.Sweep.TotalMilliseconds / sample;
        Step($"naive baseline: {naiveMs:0.00} ms per position");

        var fits = precisions.SelectMany(p => settings.Select(d =>
        {
            var byTau = ssims[Key(p, d)];
            var points = byTau.SelectMany(kv => kv.Value.Select(v => (kv.Key, v))).ToList();
            var spread = byTau.Select(kv => new TauValue(kv.Key, StandardDeviation(kv.Value))).ToList();
            return new SsimFit(d, SsimFit.FitPolynomial(points), spread, points.Count) { Precision = p };
        })).ToList();
        List<TauValue> MsPerPosition(Precision p) => taus.Select(t => new TauValue(t, seconds[p][t].Average() * 1000 / grid.Count)).ToList();
        var sweep = precisions.SelectMany(p => settings.SelectMany(d => taus.Select(t =>
        {
            int positions = new Approximation(t, d).Positions(grid);
            var values = ssims[Key(p, d)][t];
            return new SweepPoint(t, d, positions, values.Average(), values.Min(), seconds[p][t].Average() * positions / grid.Count) { Precision = p };
        }))).ToList();

        var profile = new QualityProfile(identity, [spec.Patch.Height, spec.Patch.Width], [spec.Stride.Height, spec.Stride.Width],
            spec.Fill.ToString(), spec.Value.ToString().ToLowerInvariant(), execution.Device.ToString(), threads, options.Confidence, taus,
            fits, MsPerPosition(Precision.Fp32), naiveMs, training.Select(i => i.Name).ToList())
        {
            PrecisionTimes = precisions.Skip(1).Select(p => new PrecisionTimes(p, MsPerPosition(p))).ToList(),
            GridKind = GridKinds.Name(spec.GridKind),
            TunedQuality = options.Quality,
            Sweep = sweep,
            CreatedUtc = DateTime.UtcNow,
        };
        var chosen = profile.Choose(options.Quality);
        var baseline = profile.ChoosePaperBaseline(options.Quality);

        // Held-out images: the choices, and the exact map in every other precision, run for real
        // (a setting that is two of these runs once, so the progress counts distinct settings).
        var checks = precisions.Skip(1).Select(p => new Approximation(1.0, null, p)).ToList();
        total = done + heldOut.Count * new[] { Approximation.None, chosen.Approximation, baseline.Approximation }.Concat(checks).Distinct().Count();
        var results = new List<HoldOutResult>();
        foreach (var (name, input) in heldOut)
        {
            var runs = new Dictionary<Approximation, Explanation>();
            Explanation RunOnce(Approximation a, string what)
            {
                if (runs.TryGetValue(a, out var known)) return known;
                var e = runs[a] = Run(input.Value, a);
                Step($"{name}: {what}, {e.Timings.Sweep.TotalSeconds:0.0} s");
                return e;
            }
            var exact = RunOnce(Approximation.None, "exact");
            var mine = RunOnce(chosen.Approximation, $"chosen {chosen.Approximation}");
            var paper = RunOnce(baseline.Approximation, $"paper procedure {baseline.Approximation}");
            var others = checks.Select(a => (a.Precision, Map: RunOnce(a, $"exact {a.Precision.Name()}"))).ToList();
            double Versus(Explanation e) => Ssim.Compute(exact.HeatMap, e.HeatMap, grid.Rows, grid.Columns);
            results.Add(new HoldOutResult(name, exact.Timings.Sweep.TotalSeconds, Versus(mine), mine.Timings.Sweep.TotalSeconds, Versus(paper), paper.Timings.Sweep.TotalSeconds)
            {
                Precisions = others.Select(o => new PrecisionCheck(o.Precision, Versus(o.Map), o.Map.Timings.Sweep.TotalSeconds)).ToList(),
            });
        }
        return profile with { Chosen = chosen, PaperBaseline = baseline, HoldOut = results };
    }

    private static string Key(Precision p, DrillDown? d) => p.Name() + (d is null ? "/none" : $"/{d.TargetSpeedup}/{d.Fraction}");

    private static double StandardDeviation(IReadOnlyList<double> values)
    {
        if (values.Count < 2) return 0;
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }
}
