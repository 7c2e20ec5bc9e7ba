using Krypton.Model;
using Krypton.Onnx;
using Krypton.Runtime;

namespace Krypton.Tests;

public class BatchNormFoldingTests
{
    private static ConstantTensor K(Random r, int[] shape, double lo = -1, double hi = 1) =>
        ConstantTensor.Create(shape, Enumerable.Range(0, shape.Aggregate(1, (p, d) => p * d)).Select(_ => (float)(lo + (hi - lo) * r.NextDouble())).ToArray());

    private static BatchNorm Bn(Random r, int c) => new(K(r, [c]), K(r, [c]), K(r, [c]), K(r, [c], 0.05, 2), 1e-3f);

    private static float[] Run(ModelGraph g, float[] x, long[] shape)
    {
        using var s = new OnnxSession(OnnxExporter.ToOnnx(g));
        return s.RunSingle(g.InputName, x, shape).Values;
    }

    [Fact]
    public void Folding_tiny_mixed_unfolded_removes_every_BatchNorm_and_keeps_the_logits()
    {
        var g = OnnxImporter.Load(TestFiles.TinyMixedUnfolded);
        Assert.Contains(g.Nodes, n => n.Op is BatchNorm);
        var folded = BatchNormFolding.Fold(g);
        Assert.DoesNotContain(folded.Nodes, n => n.Op is BatchNorm);
        Assert.Equal(g.Nodes.Count(n => n.Op is not BatchNorm), folded.Nodes.Count);
        Assert.Equal(g.Output, folded.Output);

        var rng = new Random(7);
        var x = RefTensor.Random(rng, 2, g.Channels, g.Height, g.Width);
        long[] shape = [2, g.Channels, g.Height, g.Width];
        var before = Run(g, x.ToFloats(), shape);
        var after = Run(folded, x.ToFloats(), shape);
        OpTests.AssertClose(before.Select(v => (double)v).ToArray(), after, "folded logits");
    }

    [Fact]
    public void Folded_convolutions_match_the_reference_of_the_unfolded_graph()
    {
        // Grouped conv without bias, strided conv with bias, and a BN feeding a BN (only the first folds).
        var r = new Random(11);
        var nodes = new List<Node>
        {
            new("dw", new Conv(Window2D.Square(3, 1, 1), 4, K(r, [8, 1, 3, 3]), null), ["x"], "a"),
            new("bn1", Bn(r, 8), ["a"], "b"),
            new("conv", new Conv(new Window2D(3, 2, 2, 1, 1, 0, 0, 1), 1, K(r, [3, 8, 3, 2]), K(r, [3])), ["b"], "c"),
            new("bn2", Bn(r, 3), ["c"], "d"),
            new("bn3", Bn(r, 3), ["d"], "e"),
        };
        var g = new ModelGraph("x", [1, 4, 7, 6], nodes, "e");
        var folded = BatchNormFolding.Fold(g);
        Assert.Equal(["dw", "conv", "bn3"], folded.Nodes.Select(n => n.Name));

        var x = RefTensor.Random(r, 2, 4, 7, 6);
        var expected = ReferenceOps.Run(g, x)["e"];
        OpTests.AssertClose(expected.Data, Run(folded, x.ToFloats(), [2, 4, 7, 6]), "folded");
    }

    [Fact]
    public void BatchNorm_after_a_Conv_with_two_consumers_stays()
    {
        var r = new Random(3);
        var nodes = new List<Node>
        {
            new("conv", new Conv(Window2D.Square(3, 1, 1), 1, K(r, [2, 3, 3, 3]), K(r, [2])), ["x"], "c"),
            new("bn", Bn(r, 2), ["c"], "b"),
            new("relu", new Activation(ActivationKind.Relu), ["c"], "rc"),
            new("add", new Binary(BinaryKind.Add), ["b", "rc"], "y"),
        };
        var g = new ModelGraph("x", [1, 3, 5, 5], nodes, "y");
        Assert.Same(g, BatchNormFolding.Fold(g));
    }

    [Fact]
    public void BatchNorm_after_a_Conv_whose_output_is_the_graph_output_stays()
    {
        // The BN is dead code here, but the Conv's value must keep its meaning as the output.
        var r = new Random(4);
        var nodes = new List<Node>
        {
            new("conv", new Conv(Window2D.Square(1), 1, K(r, [2, 3, 1, 1]), null), ["x"], "c"),
            new("bn", Bn(r, 2), ["c"], "b"),
        };
        var g = new ModelGraph("x", [1, 3, 4, 4], nodes, "c");
        Assert.Same(g, BatchNormFolding.Fold(g));
    }

    [Fact]
    public void BatchNorm_not_fed_by_a_Conv_stays()
    {
        var r = new Random(5);
        var nodes = new List<Node>
        {
            new("relu", new Activation(ActivationKind.Relu), ["x"], "a"),
            new("bn", Bn(r, 3), ["a"], "b"),
        };
        var g = new ModelGraph("x", [1, 3, 4, 4], nodes, "b");
        Assert.Same(g, BatchNormFolding.Fold(g));
    }
}
