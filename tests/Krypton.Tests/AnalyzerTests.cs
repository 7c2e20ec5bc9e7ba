using System.Text.Json;
using Krypton.Architectures;
using Krypton.Incremental;
using Krypton.Model;
using Krypton.Onnx;

namespace Krypton.Tests;

public class AnalyzerTests
{
    private static ConstantTensor Zeros(params int[] shape) =>
        ConstantTensor.Create(shape, new float[shape.Aggregate(1, (a, d) => a * d)]);

    private static Conv Conv3(int cin, int cout, int stride = 1) =>
        new(Window2D.Square(3, stride, 1), 1, Zeros(cout, cin, 3, 3), Zeros(cout));

    /// <summary>A VGG-like net on 40×40: two 3×3 convs, pool, conv, pool, conv, flatten, two FC layers.</summary>
    private static ModelGraph SmallVgg()
    {
        var nodes = new List<Node>();
        string last = "x";
        void Add(string name, Op op, params string[] inputs)
        {
            nodes.Add(new Node(name, op, inputs.Length == 0 ? [last] : inputs, name));
            last = name;
        }
        Add("conv1", Conv3(3, 4)); Add("relu1", new Activation(ActivationKind.Relu));
        Add("conv2", Conv3(4, 4)); Add("relu2", new Activation(ActivationKind.Relu));
        Add("pool1", new Pool(PoolKind.Max, Window2D.Square(2, 2)));
        Add("conv3", Conv3(4, 8)); Add("relu3", new Activation(ActivationKind.Relu));
        Add("pool2", new Pool(PoolKind.Max, Window2D.Square(2, 2)));
        Add("conv4", Conv3(8, 8)); Add("relu4", new Activation(ActivationKind.Relu));
        Add("flatten", new Flatten());
        Add("fc1", new Gemm(Zeros(16, 800), Zeros(16), TransB: true));
        Add("fc2", new Gemm(Zeros(10, 16), Zeros(10), TransB: true));
        return new ModelGraph("x", [1, 3, 40, 40], nodes, last, "small-vgg");
    }

    private const int ResSide = 64;

    /// <summary>A ResNet-like net on 64×64 with a strided block whose shortcut is a 1×1 conv, and a grouped dilated conv.</summary>
    private static ModelGraph SmallResNet()
    {
        var nodes = new List<Node>
        {
            new("stem", new Conv(Window2D.Square(7, 2, 3), 1, Zeros(8, 3, 7, 7), null), ["x"], "stem"),
            new("pool", new Pool(PoolKind.Max, Window2D.Square(3, 2, 1)), ["stem"], "pool"),
            new("a1", Conv3(8, 16, 2), ["pool"], "a1"),
            new("bn", new BatchNorm(Zeros(16), Zeros(16), Zeros(16), Zeros(16), 1e-5f), ["a1"], "bn"),
            new("a2", Conv3(16, 16), ["bn"], "a2"),
            new("short", new Conv(Window2D.Square(1, 2), 1, Zeros(16, 8, 1, 1), null), ["pool"], "short"),
            new("add", new Binary(BinaryKind.Add), ["a2", "short"], "add"),
            new("dil", new Conv(Window2D.Square(3, 1, 2, 2), 4, Zeros(16, 4, 3, 3), null), ["add"], "dil"),
            new("cat", new Concat(1, 2), ["dil", "add"], "cat"),
            new("gap", new GlobalPool(PoolKind.Average), ["cat"], "gap"),
            new("flat", new Flatten(), ["gap"], "flat"),
            new("fc", new Gemm(Zeros(32, 5), null), ["flat"], "fc"),
        };
        return new ModelGraph("x", [1, 3, ResSide, ResSide], nodes, "fc", "small-resnet");
    }

    /// <summary>
    /// Independent count: carries a cell mask of changed values through the graph by checking
    /// every output cell's real taps, takes bounding boxes at merges, and counts multiply-adds
    /// from the layer dimensions. Returns Σ full, Σ incremental and each value's changed bounding box.
    /// </summary>
    private static (long Full, long Incremental, Dictionary<string, ChangedRegion?> Boxes) BruteForce(ModelGraph g, ChangedRegion patch)
    {
        var masks = new Dictionary<string, bool[,]?>();
        var inMask = new bool[g.Height, g.Width];
        for (int y = patch.Y.Start; y < patch.Y.End; y++)
            for (int x = patch.X.Start; x < patch.X.End; x++)
                inMask[y, x] = true;
        masks[g.InputName] = inMask;
        var boxes = new Dictionary<string, ChangedRegion?>();
        long full = 0, inc = 0;
        bool global = false;
        foreach (var n in g.Nodes)
        {
            var shape = g.ShapeOf(n.Output);
            bool[,]? mask = null; // null: recomputed in full
            switch (n.Op)
            {
                case Conv or Pool when !global && masks[n.Inputs[0]] is { } src:
                {
                    var w = n.Op is Conv c ? c.Window : ((Pool)n.Op).Window;
                    mask = new bool[shape[2], shape[3]];
                    for (int oy = 0; oy < shape[2]; oy++)
                        for (int ox = 0; ox < shape[3]; ox++)
                            for (int ty = 0; ty < w.KernelH; ty++)
                                for (int tx = 0; tx < w.KernelW; tx++)
                                {
                                    int iy = oy * w.StrideH - w.PadTop + ty * w.DilationH, ix = ox * w.StrideW - w.PadLeft + tx * w.DilationW;
                                    if (iy >= 0 && ix >= 0 && iy < src.GetLength(0) && ix < src.GetLength(1) && src[iy, ix])
                                        mask[oy, ox] = true;
                                }
                    break;
                }
                case Activation or BatchNorm when !global:
                    mask = masks[n.Inputs[0]];
                    break;
                case Binary or Concat when !global && n.Inputs.All(i => masks[i] is not null):
                {
                    // Merge: the bounding box of the union.
                    mask = new bool[shape[2], shape[3]];
                    foreach (var i in n.Inputs) Fill(mask, Box(masks[i]!));
                    break;
                }
                default:
                    global = true;
                    break;
            }
            masks[n.Output] = mask;
            var box = mask is null ? null : Box(mask);
            boxes[n.Output] = box;
            long cells = mask is null ? (shape.Length == 4 ? shape[2] * shape[3] : 1) : box?.Area ?? 0;
            long perCell = n.Op switch
            {
                Conv c => (long)c.Weight.Shape[1] * c.Window.KernelH * c.Window.KernelW * c.Weight.Shape[0],
                Gemm m => (long)m.B.Shape[0] * m.B.Shape[1],
                _ => 0,
            };
            long all = shape.Length == 4 ? shape[2] * shape[3] : 1;
            full += perCell * all;
            inc += perCell * cells;
        }
        return (full, inc, boxes);
    }

    private static ChangedRegion? Box(bool[,]? mask)
    {
        if (mask is null) return null;
        int y0 = int.MaxValue, x0 = int.MaxValue, y1 = -1, x1 = -1;
        for (int y = 0; y < mask.GetLength(0); y++)
            for (int x = 0; x < mask.GetLength(1); x++)
                if (mask[y, x]) { y0 = Math.Min(y0, y); x0 = Math.Min(x0, x); y1 = Math.Max(y1, y); x1 = Math.Max(x1, x); }
        return y1 < 0 ? null : new ChangedRegion(y0, x0, y1 - y0 + 1, x1 - x0 + 1);
    }

    private static void Fill(bool[,] mask, ChangedRegion? box)
    {
        if (box is not { } b) return;
        for (int y = b.Y.Start; y < b.Y.End; y++)
            for (int x = b.X.Start; x < b.X.End; x++)
                mask[y, x] = true;
    }

    [Fact]
    public void Small_vgg_speedup_equals_a_brute_force_count_when_every_window_is_aligned()
    {
        // A 5-pixel patch at the centre: every region width is odd before a 2×2 pool, so the
        // paper's ⌈(w + K − 1)/S⌉ is exactly the number of outputs touched.
        var g = SmallVgg();
        var a = Analyzer.Analyze(g, 5, 5);
        var (full, inc, boxes) = BruteForce(g, RegionGeometry.CentredPatch(40, 40, 5, 5));
        Assert.Equal(full, a.FullMultiplyAdds);
        Assert.Equal(inc, a.IncrementalMultiplyAdds);
        Assert.Equal((double)full / inc, a.TheoreticalSpeedup, 12);
        foreach (var l in a.Layers.Where(l => l.State == RegionState.Local))
            Assert.Equal((boxes[l.Name]!.Value.Height, boxes[l.Name]!.Value.Width), (l.ChangedHeight, l.ChangedWidth));
        Assert.Equal(full, g.MultiplyAdds);
    }

    [Theory]
    [InlineData(6, -1, -1)]
    [InlineData(8, 0, 0)]
    [InlineData(3, 37, 0)]
    [InlineData(11, 20, 29)]
    public void Small_vgg_regions_cover_every_changed_cell_at_any_position(int patch, int y, int x)
    {
        var g = SmallVgg();
        var region = y < 0 ? RegionGeometry.CentredPatch(40, 40, patch, patch) : RegionGeometry.Patch(40, 40, y, x, patch, patch);
        AssertCovers(g, region);
    }

    [Theory]
    [InlineData(4, -1, -1)]
    [InlineData(9, 0, 0)]
    [InlineData(5, 59, 13)]
    [InlineData(1, 63, 63)]
    public void Small_resnet_regions_cover_every_changed_cell_through_merges(int patch, int y, int x)
    {
        var g = SmallResNet();
        var region = y < 0 ? RegionGeometry.CentredPatch(ResSide, ResSide, patch, patch) : RegionGeometry.Patch(ResSide, ResSide, y, x, patch, patch);
        AssertCovers(g, region);
    }

    private static void AssertCovers(ModelGraph g, ChangedRegion patch)
    {
        var a = Analyzer.Analyze(g, patch);
        var (full, inc, boxes) = BruteForce(g, patch);
        var regions = RegionPropagation.Propagate(g, patch);
        foreach (var n in regions)
        {
            var truth = boxes[n.Node.Output];
            if (n.State == RegionState.Full) continue;
            Assert.NotNull(n.Region);
            Assert.True(n.Region.Value.Within(g.ShapeOf(n.Node.Output)[2], g.ShapeOf(n.Node.Output)[3]));
            if (truth is { } t)
                Assert.True(n.Region.Value.Y.Start <= t.Y.Start && n.Region.Value.Y.End >= t.Y.End
                    && n.Region.Value.X.Start <= t.X.Start && n.Region.Value.X.End >= t.X.End,
                    $"{n.Node.Name}: region {n.Region} misses changed cells {t}");
        }
        Assert.Equal(full, a.FullMultiplyAdds);
        Assert.True(a.IncrementalMultiplyAdds >= inc, "the analyzer counts less work than the cells that really change");
    }

    [Fact]
    public void After_the_first_global_op_everything_is_full()
    {
        var a = Analyzer.Analyze(SmallResNet(), 4, 4);
        int first = a.Layers.ToList().FindIndex(l => l.OpType == "GlobalAveragePool");
        Assert.All(a.Layers.Take(first), l => Assert.Equal(RegionState.Local, l.State));
        Assert.All(a.Layers.Skip(first), l => Assert.Equal(RegionState.Full, l.State));
        var fc = a.Layers.Single(l => l.Name == "fc");
        Assert.Equal(32L * 5, fc.FullMultiplyAdds);
        Assert.Equal(fc.FullMultiplyAdds, fc.IncrementalMultiplyAdds);
    }

    [Fact]
    public void Last_input_rule_takes_the_last_branch_and_bounding_box_takes_both()
    {
        var g = SmallResNet();
        var bbox = RegionPropagation.Propagate(g, RegionGeometry.CentredPatch(ResSide, ResSide, 4, 4)).ToDictionary(n => n.Node.Name);
        var last = RegionPropagation.Propagate(g, RegionGeometry.CentredPatch(ResSide, ResSide, 4, 4), mergeRule: MergeRule.LastInput).ToDictionary(n => n.Node.Name);
        Assert.Equal(last["short"].Region, last["add"].Region);
        Assert.Equal(ChangedRegion.BoundingBox(bbox["a2"].Region!.Value, bbox["short"].Region!.Value), bbox["add"].Region);
        Assert.NotEqual(bbox["add"].Region, last["add"].Region);
        Assert.True(Analyzer.Analyze(g, 4, 4, mergeRule: MergeRule.LastInput).TheoreticalSpeedup
            > Analyzer.Analyze(g, 4, 4).TheoreticalSpeedup);
    }

    [Fact]
    public void Tau_below_one_caps_regions_and_raises_the_speedup()
    {
        var g = SmallVgg();
        var exact = Analyzer.Analyze(g, 11, 11);
        var capped = Analyzer.Analyze(g, 11, 11, tau: 0.4);
        Assert.True(capped.TheoreticalSpeedup > exact.TheoreticalSpeedup);
        foreach (var (l, n) in capped.Layers.Zip(g.Nodes))
            if (l.State == RegionState.Local && n.Op is Conv or Pool)
                Assert.True(l.ChangedWidth <= RegionGeometry.ProjectiveFieldCap(0.4, l.OutputShape[3]));
    }

    [Fact]
    public void Result_serializes_to_json_with_the_speedup_and_every_layer()
    {
        var g = SmallVgg();
        var a = Analyzer.Analyze(g, 8, 8);
        using var doc = JsonDocument.Parse(JsonSerializer.Serialize(a));
        Assert.Equal(a.TheoreticalSpeedup, doc.RootElement.GetProperty("theoretical_speedup").GetDouble());
        var layers = doc.RootElement.GetProperty("layers");
        Assert.Equal(g.Nodes.Count, layers.GetArrayLength());
        Assert.Equal("conv1", layers[0].GetProperty("name").GetString());
        Assert.Equal("Local", layers[0].GetProperty("state").GetString());
        Assert.Equal(10, layers[0].GetProperty("changed_height").GetInt32());
    }
}

/// <summary>The built-in networks, built once for all published-table tests (VGG16's random weights take seconds).</summary>
public sealed class BuiltinNetworks
{
    private readonly Lazy<ModelGraph> _vgg16 = new(() => BuiltinModels.Create("vgg16", WeightSource.Random(), 224));
    private readonly Lazy<ModelGraph> _resnet18 = new(() => BuiltinModels.Create("resnet18", WeightSource.Random(), 224));
    private readonly Lazy<ModelGraph> _inceptionV3 = new(() => BuiltinModels.Create("inception_v3", WeightSource.Random(), 299));

    public ModelGraph Get(string name) => name switch
    {
        "vgg16" => _vgg16.Value,
        "resnet18" => _resnet18.Value,
        "inception_v3" => _inceptionV3.Value,
        _ => throw new ArgumentException(name),
    };
}

/// <summary>KRYPTON's published theoretical speedups (KRYPTON.md §2–3), reproduced on the built-in networks.</summary>
public class PublishedSpeedupTests(BuiltinNetworks networks) : IClassFixture<BuiltinNetworks>
{
    [Theory]
    [InlineData("vgg16", MergeRule.BoundingBox, new[] { 8.59, 7.85, 7.67, 6.52, 6.36, 5.84, 5.69, 5.04 })]
    [InlineData("resnet18", MergeRule.BoundingBox, new[] { 2.38, 2.33, 2.32, 2.19, 2.18, 2.13, 2.12, 1.99 })]
    [InlineData("inception_v3", MergeRule.BoundingBox, new[] { 1.82, 1.82, 1.80, 1.80, 1.76, 1.76, 1.74, 1.74 })]
    // The published InceptionV3 row: a Concat takes its last input's region (the reference scripts' shortcut).
    [InlineData("inception_v3", MergeRule.LastInput, new[] { 2.29, 2.29, 2.27, 2.27, 2.13, 2.13, 2.11, 2.10 })]
    public void Exact_speedups_for_patches_4_to_32_match_the_published_row(string model, MergeRule rule, double[] published)
    {
        var g = networks.Get(model);
        for (int i = 0; i < published.Length; i++)
        {
            int patch = 4 * (i + 1);
            double r = Analyzer.Analyze(g, patch, patch, mergeRule: rule).TheoreticalSpeedup;
            Assert.True(Math.Abs(r - published[i]) <= 0.01, $"{model} patch {patch}: {r:F4}, published {published[i]}");
        }
    }

    [Theory]
    [InlineData("vgg16", MergeRule.BoundingBox, new[] { 7.22, 8.65, 11.39 })]
    [InlineData("resnet18", MergeRule.BoundingBox, new[] { 2.80, 4.84, 7.73 })]
    [InlineData("inception_v3", MergeRule.BoundingBox, new[] { 2.61, 4.18, 8.26 })]
    [InlineData("inception_v3", MergeRule.LastInput, new[] { 3.07, 4.71, 8.54 })]
    public void Approximate_speedups_at_patch_16_match_the_published_tau_values(string model, MergeRule rule, double[] published)
    {
        var g = networks.Get(model);
        double[] taus = [0.8, 0.6, 0.4];
        for (int i = 0; i < taus.Length; i++)
        {
            double r = Analyzer.Analyze(g, 16, 16, taus[i], rule).TheoreticalSpeedup;
            Assert.True(Math.Abs(r - published[i]) <= 0.02, $"{model} τ={taus[i]}: {r:F4}, published {published[i]}");
        }
    }

    [Theory]
    [InlineData("resnet18")]
    [InlineData("inception_v3")]
    public void Speedup_of_a_builtin_network_equals_that_of_its_onnx_export(string model)
    {
        var g = networks.Get(model);
        var imported = OnnxImporter.Parse(OnnxExporter.ToOnnx(g), model);
        foreach (var (patch, tau) in new[] { (8, 1.0), (16, 1.0), (16, 0.6) })
            Assert.Equal(Analyzer.Analyze(g, patch, patch, tau).TheoreticalSpeedup,
                Analyzer.Analyze(imported, patch, patch, tau).TheoreticalSpeedup, 12);
    }

    [Fact]
    public void Vgg16_full_inference_is_15_47_gmac_and_patch_16_covers_conv5_3_entirely()
    {
        var g = networks.Get("vgg16");
        var a = Analyzer.Analyze(g, 16, 16);
        Assert.Equal(15.47, a.FullMultiplyAdds / 1e9, 2);
        var conv53 = a.Layers.Single(l => l.Name == "features.28");
        Assert.Equal((14, 14), (conv53.ChangedHeight, conv53.ChangedWidth));
    }
}
