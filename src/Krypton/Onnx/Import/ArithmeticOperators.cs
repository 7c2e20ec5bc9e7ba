using Krypton.Model;

namespace Krypton.Onnx.Import;

/// <summary>Translators of element-wise arithmetic, affine normalization and dense layers.</summary>
internal static class ArithmeticOperators
{
    public static IReadOnlyDictionary<string, Translator> Table { get; } = new Dictionary<string, Translator>
    {
        ["Add"] = Binary,
        ["Sub"] = Binary,
        ["Mul"] = Binary,
        ["Div"] = Binary,
        ["Sum"] = Sum,
        ["BatchNormalization"] = n => new BatchNorm(n.Floats(1), n.Floats(2), n.Floats(3), n.Floats(4), n.Float("epsilon", 1e-5f)),
        ["Gemm"] = n => new Gemm(n.Floats(1), n.OptionalFloats(2), n.Float("alpha", 1f), n.Float("beta", 1f), n.Int("transA", 0) != 0, n.Int("transB", 0) != 0),
        ["MatMul"] = n => new MatMul(n.Floats(1)),
    };

    private static Translation Binary(NodeContext n)
    {
        var kind = Enum.Parse<BinaryKind>(n.OpType);
        if (n.Opset < 7 && n.HasAttribute("broadcast"))
            throw n.Unsupported($"{n.OpType} with legacy broadcast");
        if (n.Inputs.Count != 2)
            throw new KryptonException($"{n.OpType} node '{n.Name}' has {n.Inputs.Count} inputs; {n.OpType} takes 2");
        bool c0 = n.TryFloats(0, out var k0);
        bool c1 = n.TryFloats(1, out var k1);
        if (n.Values.Count + (c0 ? 1 : 0) + (c1 ? 1 : 0) != 2)
            throw new KryptonException($"{n.OpType} node '{n.Name}' reads {(n.Inputs.Contains("") ? "an omitted input" : "an integer constant")}; {n.OpType} takes two float tensors");
        // The batch axis must stay the first: a constant of higher rank than the value, or with more
        // than one row on the batch axis, would move or multiply it; so would two values of different ranks.
        int rank = n.Shapes[0].Length;
        bool movesBatch = (c1 ? k1 : c0 ? k0 : null) is { Shape: var s }
            ? s.Length > rank || s.Length == rank && rank > 0 && s[0] != 1
            : n.Shapes[1].Length != rank;
        if (movesBatch)
            throw n.Unsupported($"{n.OpType} that broadcasts over the batch axis");
        return c1 ? new Binary(kind, k1) : c0 ? new Binary(kind, k0, ConstantFirst: true) : new Binary(kind);
    }

    /// <summary>Sum of several values (Caffe2 exports write residual additions so): a chain of additions.</summary>
    private static Translation Sum(NodeContext n)
    {
        if (n.Values.Count != n.Inputs.Count)
            throw n.Unsupported(n.OpType);   // a constant or omitted input: no addition of values
        if (n.Values.Count == 1)
            return Translation.Forward(n.Values[0]);
        var nodes = new List<Model.Node>();
        string sum = n.Values[0];
        for (int k = 1; k < n.Values.Count; k++)
        {
            bool last = k == n.Values.Count - 1;
            string output = last ? n.Output : $"{n.Output}__sum{k}";
            nodes.Add(new Model.Node(last ? n.Name : $"{n.Name}__{k}", new Binary(BinaryKind.Add), [sum, n.Values[k]], output));
            sum = output;
        }
        return Translation.Several(nodes);
    }
}
