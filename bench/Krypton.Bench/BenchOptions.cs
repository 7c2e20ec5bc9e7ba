namespace Krypton.Bench;

internal sealed record BenchOptions(string[] Models, int Stride, int Patch, int Threads, int Batch, string? Json, bool PyTorch)
{
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
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        return o;
    }
}

internal sealed record NaiveRow(string Model, int ImageSize, int Positions, double RawMsPerImage, double NaiveMsPerPosition,
    double SweepSeconds, double HeatmapSeconds, double HeatmapsPerSecond, double Overhead, long PeakMemoryBytes, double? PyTorchSeconds)
{
    public string Describe() =>
        $"{Model} {ImageSize}²: {Positions} positions, sweep {SweepSeconds:0.0} s, heat map {HeatmapSeconds:0.0} s, raw forward {RawMsPerImage:0.00} ms/image, naive {NaiveMsPerPosition:0.00} ms/position, overhead {Overhead:+0.0%;-0.0%}, peak {PeakMemoryBytes / 1048576.0:0} MiB" +
        (PyTorchSeconds is { } p ? $", PyTorch naive {p:0.0} s" : "");

    public static string MarkdownTable(IEnumerable<NaiveRow> rows)
    {
        var lines = new List<string>
        {
            "| model | input | positions | raw forward ms/image | naive ms/position | overhead | s per heat map | heat maps per s | peak memory MiB | PyTorch naive s |",
            "|---|---|---|---|---|---|---|---|---|---|",
        };
        lines.AddRange(rows.Select(r =>
            $"| {r.Model} | {r.ImageSize}² | {r.Positions} | {r.RawMsPerImage:0.00} | {r.NaiveMsPerPosition:0.00} | {r.Overhead:+0.0%;-0.0%} | {r.HeatmapSeconds:0.0} | {r.HeatmapsPerSecond:0.0000} | {r.PeakMemoryBytes / 1048576.0:0} | {(r.PyTorchSeconds is { } p ? p.ToString("0.0") : "n/a")} |"));
        return string.Join('\n', lines);
    }
}
