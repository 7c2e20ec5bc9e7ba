using Krypton.Model;

namespace Krypton.Onnx.Import;

/// <summary>Translators of operators that apply to each value on its own (activations), or along one axis (softmax, LRN).</summary>
internal static class ActivationOperators
{
    public static IReadOnlyDictionary<string, Translator> Table { get; } = new Dictionary<string, Translator>
    {
        ["Relu"] = _ => new Activation(ActivationKind.Relu),
        ["PRelu"] = n => new PRelu(n.Floats(1)),
        ["LeakyRelu"] = n => new Activation(ActivationKind.LeakyRelu, n.Float("alpha", 0.01f)),
        ["Elu"] = n => new Activation(ActivationKind.Elu, n.Float("alpha", 1f)),
        ["Selu"] = n => new Activation(ActivationKind.Selu, n.Float("alpha", 1.67326319217681884765625f), n.Float("gamma", 1.05070102214813232421875f)),
        ["Softplus"] = _ => new Activation(ActivationKind.Softplus),
        ["Softsign"] = _ => new Activation(ActivationKind.Softsign),
        ["Sigmoid"] = _ => new Activation(ActivationKind.Sigmoid),
        ["Sqrt"] = _ => new Activation(ActivationKind.Sqrt),
        ["Erf"] = _ => new Activation(ActivationKind.Erf),
        ["Tanh"] = _ => new Activation(ActivationKind.Tanh),
        ["HardSigmoid"] = n => new Activation(ActivationKind.HardSigmoid, n.Float("alpha", 0.2f), n.Float("beta", 0.5f)),
        ["HardSwish"] = _ => new Activation(ActivationKind.HardSwish),
        ["Pow"] = n => n.OptionalFloats(1) is { ElementCount: 1 } exponent
            ? new Activation(ActivationKind.Pow, exponent.Data[0])
            : throw n.Unsupported("Pow with an exponent that is not one constant"),
        ["Clip"] = n => n.Opset < 11
            ? new Activation(ActivationKind.Clip, n.Float("min", float.MinValue), n.Float("max", float.MaxValue))
            : new Activation(ActivationKind.Clip, n.OptionalScalar(1) ?? float.MinValue, n.OptionalScalar(2) ?? float.MaxValue),
        ["Identity"] = _ => new Identity(),
        ["Dropout"] = _ => new Identity(),
        ["Softmax"] = Softmax,
        ["LogSoftmax"] = Softmax,
        ["LRN"] = LocalResponseNormalization,
    };

    private static Translation Softmax(NodeContext n)
    {
        int rank = n.Shapes[0].Length;
        int axis = Op.NormalizeAxis((int)n.Int("axis", n.Opset >= 13 ? -1 : 1), rank);
        // Before opset 13 softmax flattens to 2-D at its axis; over the last axis that is the same.
        return new Softmax(axis, Coerce2D: n.Opset < 13 && axis != rank - 1, Log: n.OpType == "LogSoftmax");
    }

    private static Translation LocalResponseNormalization(NodeContext n)
    {
        long size = n.HasAttribute("size") ? n.Int("size", 0) : throw new KryptonException($"LRN node '{n.Name}' has no size");
        if (size % 2 == 0)
            throw n.Unsupported($"LRN of even size {size} (ONNX Runtime runs odd sizes only)");
        return new Lrn((int)size, n.Float("alpha", 1e-4f), n.Float("beta", 0.75f), n.Float("bias", 1f));
    }
}
