using Krypton.Model;
using Krypton.Onnx;
using Krypton.Spec;

namespace Krypton.Tests;

/// <summary>
/// Exact incremental inference gives the naive heat map on PyTorch exports of common CNN families
/// (TestData/export_cnn_zoo.py: random weights and batch-norm statistics, dynamic batch axis):
/// SqueezeNet 1.1 (ceil-mode max pooling, fire-module concatenations; opset 11), MobileNetV2
/// (depthwise convolutions, inverted residuals, ReLU6 as Clip), DenseNet (dense concatenation,
/// batch norm before convolutions, transition average pools), a narrow ResNet-50-style bottleneck
/// net, a net of dilated, non-square and asymmetrically padded convolutions (opset 9), one of
/// padded average pooling without the padding in the divisor and padded ceil-mode pooling,
/// ShuffleNet V2 (channel split and shuffle under shape arithmetic), MobileNetV3 and EfficientNet
/// (hard-swish, SiLU, squeeze-and-excitation), a tutorial-style view + log_softmax head and a
/// narrow ConvNeXt (layer norm and a GELU MLP on a channels-last permutation).
/// Each also runs as the original file does in ONNX Runtime.
/// </summary>
public class ExactModeZooTests
{
    private static readonly Fill Fill = new TensorFill(0.3f);

    public static TheoryData<string, int, int, int, int> Models => new()
    {
        // file, patch height, patch width, stride height, stride width
        { "zoo_squeezenet1_1.onnx", 12, 12, 17, 17 },
        { "zoo_mobilenet_v2.onnx", 12, 10, 17, 21 },
        { "zoo_densenet.onnx", 8, 8, 11, 11 },
        { "zoo_bottleneck_resnet.onnx", 9, 7, 11, 9 },
        { "zoo_dilated.onnx", 5, 7, 7, 6 },
        { "zoo_pools.onnx", 6, 6, 7, 5 },
        { "zoo_shufflenet_v2.onnx", 10, 10, 9, 9 },
        { "zoo_mobilenet_v3.onnx", 10, 8, 9, 11 },
        { "zoo_efficientnet.onnx", 9, 9, 10, 10 },
        { "zoo_view_logsoftmax.onnx", 5, 5, 3, 3 },
        { "zoo_convnext.onnx", 8, 8, 8, 8 },
        { "zoo_cbam.onnx", 8, 8, 7, 7 },
        { "zoo_se_expand.onnx", 6, 6, 5, 5 },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Import_computes_what_the_pytorch_export_computes(string file, int patchH, int patchW, int strideH, int strideW)
    {
        _ = (patchH, patchW, strideH, strideW);
        OnnxImportTests.AssertSameAsOriginal(File.ReadAllBytes(TestFiles.Path_(file)), batch: 3, tolerance: 1e-4);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Pytorch_export_exact_equals_naive(string file, int patchH, int patchW, int strideH, int strideW)
    {
        var model = OnnxImporter.Load(TestFiles.Path_(file));
        var input = ExactVsNaive.Input(model, file.Length);
        var patch = new Size2(patchH, patchW);
        var spec = new OcclusionSpec(patch, new Size2(strideH, strideW), Fill, Value: ValueKind.Logit);
        var (_, naive) = ExactVsNaive.Check(model, input, spec, file, batch: 16);
        ExactVsNaive.Check(model, input, ExactVsNaive.Corner(model, patch, Fill, naive.Target, reach: 3), file + " corner", batch: 16);
    }

    [Fact]
    public void Exports_contain_the_layers_they_are_meant_to_test()
    {
        // Guards the script: a silently simplified export would weaken the tests above.
        ModelGraph M(string f) => OnnxImporter.Load(TestFiles.Path_(f));
        var squeeze = M("zoo_squeezenet1_1.onnx");
        Assert.Contains(squeeze.Nodes, n => n.Op is Pool { Kind: PoolKind.Max, CeilMode: true });
        Assert.Contains(squeeze.Nodes, n => n.Op is Concat);
        var mobile = M("zoo_mobilenet_v2.onnx");
        Assert.Contains(mobile.Nodes, n => n.Op is Conv c && c.Groups > 1 && c.Groups == c.InChannels);
        Assert.Contains(mobile.Nodes, n => n.Op is Activation { Kind: ActivationKind.Clip });
        Assert.Contains(mobile.Nodes, n => n.Op is Binary { Kind: BinaryKind.Add, Constant: null });
        var dense = M("zoo_densenet.onnx");
        Assert.Contains(dense.Nodes, n => n.Op is Pool { Kind: PoolKind.Average });
        Assert.True(dense.Nodes.Count(n => n.Op is Concat) >= 4);
        Assert.Contains(M("zoo_bottleneck_resnet.onnx").Nodes, n => n.Op is Binary { Kind: BinaryKind.Add, Constant: null });
        var dilated = M("zoo_dilated.onnx");
        Assert.Contains(dilated.Nodes, n => n.Op is Conv c && c.Window.DilationH == 2);
        Assert.Contains(dilated.Nodes, n => n.Op is Conv c && c.Window.KernelH != c.Window.KernelW && c.Window.StrideH != c.Window.StrideW);
        Assert.Contains(dilated.Nodes, n => n.Op is Pad p && p.Pads[2] != p.Pads[6]
            || n.Op is Conv c && (c.Window.PadTop != c.Window.PadBottom || c.Window.PadLeft != c.Window.PadRight));
        var pools = M("zoo_pools.onnx");
        Assert.Contains(pools.Nodes, n => n.Op is Pool { Kind: PoolKind.Average, CountIncludePad: false } p && !p.Window.Unpadded);
        Assert.Contains(pools.Nodes, n => n.Op is Pool { Kind: PoolKind.Max, CeilMode: true } p && !p.Window.Unpadded);
        Assert.Contains(pools.Nodes, n => n.Op is Pool { Kind: PoolKind.Average, CeilMode: true });
        var shuffle = M("zoo_shufflenet_v2.onnx");
        Assert.Contains(shuffle.Nodes, n => n.Op is ChannelSlice);
        Assert.Contains(shuffle.Nodes, n => n.Op is ChannelPermutation);
        var mobile3 = M("zoo_mobilenet_v3.onnx");
        // HardSwish exports as HardSigmoid times its input before opset 14; the excitation gates with HardSigmoid too.
        Assert.True(mobile3.Nodes.Count(n => n.Op is Activation { Kind: ActivationKind.HardSigmoid }) >= 2);
        Assert.Contains(mobile3.Nodes, n => n.Op is Binary { Kind: BinaryKind.Mul, Constant: null });   // the excitation's scale
        var efficient = M("zoo_efficientnet.onnx");
        Assert.Contains(efficient.Nodes, n => n.Op is Activation { Kind: ActivationKind.Sigmoid });
        Assert.Contains(efficient.Nodes, n => n.Op is Binary { Kind: BinaryKind.Mul, Constant: null });
        var view = M("zoo_view_logsoftmax.onnx");
        Assert.Equal([0L, -1L], Assert.IsType<Reshape>(Assert.Single(view.Nodes, n => n.Op is Reshape).Op).Shape);
        Assert.Contains(view.Nodes, n => n.Op is Softmax { Log: true });
        var convnext = M("zoo_convnext.onnx");
        Assert.Contains(convnext.Nodes, n => n.Op is ChannelPool { Kind: PoolKind.Average });
        Assert.Contains(convnext.Nodes, n => n.Op is Activation { Kind: ActivationKind.Erf });
        Assert.Contains(convnext.Nodes, n => n.Op is Conv { Groups: > 1 } c && c.Window.KernelH == 7);
        var se = M("zoo_se_expand.onnx");
        Assert.Null(se.OpaqueReason);
        Assert.Contains(se.Nodes, n => n.Op is Expand);
        var cbam = M("zoo_cbam.onnx");
        Assert.Null(cbam.OpaqueReason);
        Assert.Equal(2, cbam.Nodes.Count(n => n.Op is ChannelPool { Kind: PoolKind.Max }));
        Assert.Equal(2, cbam.Nodes.Count(n => n.Op is ChannelPool { Kind: PoolKind.Average }));
        // The first attention block runs incrementally: its channel pooling changes only near the patch.
        var regions = Incremental.RegionPropagation.Propagate(cbam, new Incremental.ChangedRegion(20, 20, 8, 8));
        Assert.Equal(Incremental.RegionState.Local, regions.First(r => r.Node.Op is ChannelPool { Kind: PoolKind.Max }).State);
    }
}
