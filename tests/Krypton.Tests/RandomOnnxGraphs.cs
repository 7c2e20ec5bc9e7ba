using Krypton.Onnx;
using Krypton.Onnx.Proto;

namespace Krypton.Tests;

/// <summary>
/// Small random ONNX graphs: a chain of ops on the image whose shapes mostly fit (so that many
/// load and run), with branches computed from constants alone and nodes that read any value or
/// constant with whatever attributes come up.
/// </summary>
internal static class RandomOnnxGraphs
{
    private static readonly string[] Unary = ["Relu", "Sigmoid", "Tanh", "LeakyRelu", "Elu", "Softplus", "Erf", "Neg", "Abs", "Exp", "HardSigmoid", "Identity"];
    private static readonly string[] BinaryOps = ["Add", "Sub", "Mul", "Div"];

    /// <summary>Attributes that the importer's translators read, with values that may or may not make sense for the op.</summary>
    private static AttributeProto[] Attributes(Random r)
    {
        long I() => r.Next(-2, 5);
        long[] Is(int n) => Enumerable.Range(0, n).Select(_ => I()).ToArray();
        var all = new Func<AttributeProto>[]
        {
            () => OnnxAttr.Int("axis", I()), () => OnnxAttr.Ints("axes", Is(r.Next(4))), () => OnnxAttr.Ints("perm", Is(r.Next(5))),
            () => OnnxAttr.Ints("kernel_shape", Is(r.Next(1, 4))), () => OnnxAttr.Ints("strides", Is(2)), () => OnnxAttr.Ints("pads", Is(r.Next(2, 9))),
            () => OnnxAttr.Ints("dilations", Is(2)), () => OnnxAttr.Int("group", I()), () => OnnxAttr.Int("keepdims", I()),
            () => OnnxAttr.Int("transA", I()), () => OnnxAttr.Int("transB", I()), () => OnnxAttr.Float("alpha", 0.5f), () => OnnxAttr.Int("size", I()),
            () => OnnxAttr.String("mode", new[] { "constant", "reflect", "edge", "wrap" }[r.Next(4)]), () => OnnxAttr.Int("to", new[] { 1, 6, 7, 9 }[r.Next(4)]),
            () => OnnxAttr.Ints("split", Is(r.Next(1, 4))), () => OnnxAttr.Ints("starts", Is(1)), () => OnnxAttr.Ints("ends", Is(1)), () => OnnxAttr.Ints("shape", Is(r.Next(1, 4))),
            () => OnnxAttr.String("auto_pad", new[] { "SAME_UPPER", "VALID", "NOTSET", "odd" }[r.Next(4)]), () => OnnxAttr.Int("ceil_mode", I()),
            () => OnnxAttr.Float("min", -1f), () => OnnxAttr.Float("max", 1f), () => OnnxAttr.Int("start", I()), () => OnnxAttr.Int("end", I()),
        };
        return Enumerable.Range(0, r.Next(4)).Select(_ => all[r.Next(all.Length)]()).GroupBy(a => a.Name).Select(g => g.First()).ToArray();
    }

    public static byte[] Make(Random r)
    {
        int opset = new[] { 9, 11, 13, 17 }[r.Next(4)];
        int c = 1 + r.Next(3), h = 3 + r.Next(6), w = 3 + r.Next(6);
        var m = new OnnxTestModel(opset, [1, c, h, w]);
        var values = new List<string> { "x" };
        var constants = new List<string>();
        int[] shape = [1, c, h, w];
        string current = "x";
        int id = 0;
        string Name(string prefix) => $"{prefix}{id++}";
        float[] Floats(int n) => Enumerable.Range(0, n).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();
        string Constant(int[] s)
        {
            string name = Name("k");
            m.Floats(name, s, Floats(s.Aggregate(1, (p, d) => p * d)));
            constants.Add(name);
            return name;
        }
        string Ints(params long[] v)
        {
            string name = Name("i");
            m.Int64s(name, v);
            constants.Add(name);
            return name;
        }
        string Any() => r.Next(3) == 0 && constants.Count > 0 ? constants[r.Next(constants.Count)] : values[r.Next(values.Count)];

        int count = 1 + r.Next(7);
        for (int k = 0; k < count; k++)
        {
            string output = Name("v");
            switch (r.Next(12))
            {
                case 0 or 1:
                    m.Node(Unary[r.Next(Unary.Length)], [current], [output]);
                    break;
                case 2:
                    m.Node(BinaryOps[r.Next(4)], [current, Constant(r.Next(2) == 0 ? [shape[1], 1, 1] : [])], [output]);
                    break;
                case 3:
                {
                    // A branch from constants alone (Captum's BasicModel3 computes relu(x − 1) with x a constant so), added to the image's path.
                    string a = Constant([shape[1], 1, 1]);
                    string folded = Name("f");
                    m.Node(Unary[r.Next(Unary.Length)], [a], [folded]);
                    if (r.Next(2) == 0)
                    {
                        string twice = Name("f");
                        m.Node(BinaryOps[r.Next(4)], [folded, Constant([])], [twice]);
                        folded = twice;
                    }
                    m.Node(BinaryOps[r.Next(4)], r.Next(2) == 0 ? [current, folded] : [folded, current], [output]);
                    break;
                }
                case 4 when shape.Length == 4:
                {
                    int outC = 1 + r.Next(4), kh = 1 + r.Next(Math.Min(3, shape[2])), kw = 1 + r.Next(Math.Min(3, shape[3]));
                    int inC = r.Next(8) == 0 ? shape[1] + 1 : shape[1];
                    m.Node("Conv", [current, Constant([outC, inC, kh, kw])], [output], attrs: [OnnxAttr.Ints("kernel_shape", kh, kw), OnnxAttr.Ints("pads", 0, 0, kh - 1, kw - 1)]);
                    shape = [1, outC, shape[2], shape[3]];
                    break;
                }
                case 5 when shape.Length == 4:
                    m.Node(r.Next(2) == 0 ? "MaxPool" : "AveragePool", [current], [output], attrs: [OnnxAttr.Ints("kernel_shape", 2, 2), OnnxAttr.Ints("pads", 0, 0, 1, 1)]);
                    break;
                case 6 when shape.Length == 4:
                    m.Node("GlobalAveragePool", [current], [output]);
                    shape = [1, shape[1], 1, 1];
                    break;
                case 7:
                    m.Node("Flatten", [current], [output]);
                    shape = [1, shape.Skip(1).Aggregate(1, (p, d) => p * d)];
                    break;
                case 8:
                {
                    // Any op on any value or constant: most of these fail, and must fail cleanly.
                    string op = OnnxMutations.OpTypes[r.Next(OnnxMutations.OpTypes.Length)];
                    var inputs = Enumerable.Range(0, r.Next(4)).Select(_ => r.Next(4) == 0 ? Ints(Enumerable.Range(0, r.Next(5)).Select(_ => (long)r.Next(-2, 4)).ToArray()) : Any()).ToArray();
                    m.Node(op, inputs, [output], attrs: Attributes(r));
                    values.Add(output);
                    continue;
                }
                case 9:
                    m.Node("Transpose", [r.Next(2) == 0 ? current : Constant([2, 3])], [output], attrs: OnnxAttr.Ints("perm", Enumerable.Range(0, shape.Length).OrderBy(_ => r.Next()).ToArray()));
                    values.Add(output);
                    continue;
                case 10:
                    m.Node("Reshape", [r.Next(3) == 0 ? Constant([2, 3]) : current, Ints(0, -1)], [output]);
                    shape = [1, shape.Skip(1).Aggregate(1, (p, d) => p * d)];
                    break;
                default:
                    m.Node("Concat", [current, r.Next(2) == 0 ? current : Any()], [output], attrs: OnnxAttr.Int("axis", r.Next(2) == 0 ? 1 : -1));
                    values.Add(output);
                    continue;
            }
            values.Add(output);
            current = output;
        }
        return m.Output(r.Next(8) == 0 ? Any() : current).Bytes();
    }
}
