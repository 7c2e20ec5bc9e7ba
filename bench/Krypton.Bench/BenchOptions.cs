namespace Krypton.Bench;

internal sealed record BenchOptions(string[] Models, int Stride, int Patch, int Threads, int Batch, string? Json, bool PyTorch, string? Profile = null, string[]? Modes = null, int? ExactBatch = null,
    Dictionary<string, string>? QualityProfiles = null, string Images = "samples/fashion-mnist", double? Quality = null, Krypton.Runtime.Device Device = default, bool Verify = false, bool RefinementStudy = false,
    Krypton.Spec.GridKind Grid = Krypton.Spec.GridKind.Krypton, bool Int8Layers = false)
{
    /// <summary>
    /// The benchmark's experiment: square patch and stride, gray fill, probability of the predicted
    /// class, on KRYPTON's grid unless --grid says otherwise (the paper's counts: 2,704 positions at
    /// 224², patch 16, stride 4; the random-weight profiles in bench/profiles were tuned on it).
    /// </summary>
    public Krypton.Spec.OcclusionSpec Spec => new(Krypton.Spec.Size2.Square(Patch), Krypton.Spec.Size2.Square(Stride), Krypton.Spec.Fill.Gray, GridKind: Grid);

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions(["vgg16", "resnet18", "inception_v3"], 4, 16, 2, 16, null, false);
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            o = args[i] switch
            {
                "--models" => o with { Models = Next().Split(',') },
                "--stride" => o with { Stride = int.Parse(Next()) },
                "--patch" => o with { Patch = int.Parse(Next()) },
                "--threads" => o with { Threads = int.Parse(Next()) },
                "--batch" => o with { Batch = int.Parse(Next()) },
                "--json" => o with { Json = Next() },
                "--pytorch" => o with { PyTorch = true },
                "--profile" => o with { Profile = Next() },
                "--modes" => o with { Modes = Next().Split(',') },
                "--exact-batch" => o with { ExactBatch = Next() is var v && v == "auto" ? null : int.Parse(v) },
                "--quality-profiles" => o with { QualityProfiles = Next().Split(',').Select(kv => kv.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]) },
                "--images" => o with { Images = Next() },
                "--grid" => o with { Grid = Krypton.Spec.GridKinds.Parse(Next()) },
                "--device" => o with { Device = Krypton.Runtime.Device.Parse(Next()) },
                "--verify" => o with { Verify = true },
                "--refinement-study" => o with { RefinementStudy = true },
                "--int8-layers" => o with { Int8Layers = true },
                "--quality" => o with { Quality = double.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        return o;
    }
}

internal sealed record BenchRow(string Model, int ImageSize, string Mode, int Batch, int Positions, double RawMsPerImage, double MsPerPosition,
    double SweepSeconds, double HeatmapSeconds, double OverheadVsRaw, double? SpeedupVsNaive, double TheoreticalSpeedup, long PeakMemoryBytes, double? PyTorchSeconds)
{
    /// <summary>For approximate rows: the settings, and the SSIM against the exact map over the held-out images.</summary>
    public string? Settings { get; init; }
    public double? MeanSsim { get; init; }
    public double? MinSsim { get; init; }
    public int? Images { get; init; }

    public string Describe() =>
        $"{Model} {ImageSize}² {Mode} (batch {Batch}): {Positions} positions, sweep {SweepSeconds:0.0} s, heat map {HeatmapSeconds:0.0} s, {MsPerPosition:0.00} ms/position, raw forward {RawMsPerImage:0.00} ms/image ({OverheadVsRaw:+0.0%;-0.0%})" +
        (SpeedupVsNaive is { } s ? $", {s:0.00}x naive (theoretical {TheoreticalSpeedup:0.00}x)" : "") +
        $", peak {PeakMemoryBytes / 1048576.0:0} MiB" + (PyTorchSeconds is { } p ? $", PyTorch naive {p:0.0} s" : "") +
        (MeanSsim is { } q ? $", {Settings}: SSIM mean {q:0.000}, min {MinSsim:0.000} over {Images} image(s)" : "");

    public static string MarkdownTable(IEnumerable<BenchRow> rows)
    {
        var lines = new List<string>
        {
            "| model | input | mode | batch | positions | s per heat map (sweep) | ms/position | raw forward ms/image | vs raw forward | speedup vs naive | theoretical | peak memory MiB | PyTorch naive s | SSIM mean (min) |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        };
        lines.AddRange(rows.Select(r =>
            $"| {r.Model} | {r.ImageSize}² | {r.Mode} | {r.Batch} | {r.Positions} | {r.SweepSeconds:0.0} | {r.MsPerPosition:0.00} | {r.RawMsPerImage:0.00} | {r.OverheadVsRaw:+0.0%;-0.0%} | {(r.SpeedupVsNaive is { } s ? s.ToString("0.00") + "x" : "")} | {r.TheoreticalSpeedup:0.00}x | {r.PeakMemoryBytes / 1048576.0:0} | {(r.PyTorchSeconds is { } p ? p.ToString("0.0") : "")} | {(r.MeanSsim is { } q ? $"{q:0.000} ({r.MinSsim:0.000})" : "")} |"));
        return string.Join('\n', lines);
    }
}
