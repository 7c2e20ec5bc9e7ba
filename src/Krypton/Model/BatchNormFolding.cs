namespace Krypton.Model;

/// <summary>
/// Folds inference-mode batch normalizations into the convolutions that feed them, a load-time
/// graph rewrite: fewer nodes to emit and to reason about, and fewer values whose changed regions
/// the incremental plan must track.
/// </summary>
public static class BatchNormFolding
{
    /// <summary>
    /// Returns a graph in which every BatchNorm whose input comes from a Conv with no other
    /// consumer (and that is not the graph output) is merged into that Conv:
    /// per output channel, w' = w·s and b' = (b − mean)·s + β with s = γ/√(var + ε).
    /// Other BatchNorms stay. The folded Conv writes the BatchNorm's output value, so the rest of
    /// the graph and its output name are unchanged. Returns <paramref name="g"/> itself when
    /// nothing folds.
    /// </summary>
    public static ModelGraph Fold(ModelGraph g)
    {
        // Only the Conv's own output is rewritten: folding through a shared value would change
        // what the other consumers see.
        var consumers = new Dictionary<string, int>();
        foreach (var n in g.Nodes)
            foreach (var i in n.Inputs)
                consumers[i] = consumers.GetValueOrDefault(i) + 1;

        var replaced = new Dictionary<Node, Node>(ReferenceEqualityComparer.Instance);
        var dropped = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        foreach (var bnNode in g.Nodes)
        {
            if (bnNode.Op is not BatchNorm bn) continue;
            string x = bnNode.Inputs[0];
            if (g.ProducerOf(x) is not { Op: Conv conv } convNode) continue;
            if (x == g.Output || consumers.GetValueOrDefault(x) != 1) continue;
            replaced[convNode] = convNode with { Op = FoldInto(conv, bn), Output = bnNode.Output };
            dropped.Add(bnNode);
        }
        if (dropped.Count == 0) return g;

        var nodes = g.Nodes
            .Where(n => !dropped.Contains(n))
            .Select(n => replaced.GetValueOrDefault(n) ?? n)
            .ToList();
        return g.WithNodes(nodes);
    }

    /// <summary>The convolution that computes <paramref name="bn"/> applied to <paramref name="conv"/>'s output.</summary>
    private static Conv FoldInto(Conv conv, BatchNorm bn)
    {
        int cout = conv.OutChannels;
        int perChannel = conv.Weight.Data.Length / cout;
        var w = new float[conv.Weight.Data.Length];
        var b = new float[cout];
        for (int c = 0; c < cout; c++)
        {
            // Double precision so that the folded weights are the correctly rounded product.
            double s = bn.Scale.Data[c] / Math.Sqrt((double)bn.Variance.Data[c] + bn.Epsilon);
            for (int j = 0; j < perChannel; j++)
                w[c * perChannel + j] = (float)(conv.Weight.Data[c * perChannel + j] * s);
            double bias = conv.Bias?.Data[c] ?? 0.0;
            b[c] = (float)((bias - bn.Mean.Data[c]) * s + bn.Bias.Data[c]);
        }
        return conv with
        {
            Weight = new ConstantTensor((int[])conv.Weight.Shape.Clone(), w),
            Bias = ConstantTensor.Vector(b),
        };
    }
}
