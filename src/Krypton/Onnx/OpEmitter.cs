using Krypton.Model;
using Krypton.Onnx.Proto;

namespace Krypton.Onnx;

/// <summary>
/// The ONNX form of every op of the closed set, written once: the exporter and every compiled
/// graph (naive, cache, incremental, masked) emit the model's nodes through here.
/// </summary>
public static class OpEmitter
{
    /// <summary>Emits <paramref name="op"/> as ONNX node(s) reading <paramref name="inputs"/> and writing <paramref name="output"/>.</summary>
    public static void Emit(this OnnxGraphBuilder b, Op op, string name, IReadOnlyList<string> inputs, string output)
    {
        switch (op)
        {
            case Conv conv:
            {
                var ins = new List<string> { inputs[0], b.Constant(name + ".weight", conv.Weight) };
                if (conv.Bias is not null) ins.Add(b.Constant(name + ".bias", conv.Bias));
                b.Node("Conv", ins, output, name, ConvAttributes(conv));
                break;
            }
            case BatchNorm bn:
                b.Node("BatchNormalization",
                    [inputs[0], b.Constant(name + ".scale", bn.Scale), b.Constant(name + ".bias", bn.Bias),
                     b.Constant(name + ".mean", bn.Mean), b.Constant(name + ".var", bn.Variance)],
                    output, name, OnnxAttr.Float("epsilon", bn.Epsilon));
                break;
            case Activation a:
                EmitActivation(b, a, name, inputs, output);
                break;
            case ChannelPool pool:
                b.Node(pool.TypeName, inputs, output, name, OnnxAttr.Ints("axes", 1), OnnxAttr.Int("keepdims", 1));
                break;
            case ChannelSlice slice:
                b.Node("Slice", [inputs[0], b.Int64s(name + ".starts", [slice.Start]), b.Int64s(name + ".ends", [slice.End]), b.Int64s(name + ".axes", [1])], output, name);
                break;
            case ChannelPermutation permutation:
                b.Node("Gather", [inputs[0], b.Int64s(name + ".source", permutation.Source.Select(c => (long)c).ToArray())], output, name, OnnxAttr.Int("axis", 1));
                break;
            case PRelu prelu:
                b.Node(prelu.TypeName, [inputs[0], b.Constant(name + ".slope", prelu.Slope)], output, name);
                break;
            case Lrn lrn:
                b.Node(lrn.TypeName, inputs, output, name, OnnxAttr.Int("size", lrn.Size), OnnxAttr.Float("alpha", lrn.Alpha), OnnxAttr.Float("beta", lrn.Beta), OnnxAttr.Float("bias", lrn.Bias));
                break;
            case Pool pool:
                b.Node(pool.TypeName, inputs, output, name, PoolAttributes(pool));
                break;
            case GlobalPool pool:
                b.Node(pool.TypeName, inputs, output, name);
                break;
            case Binary binary:
            {
                IReadOnlyList<string> ins = inputs;
                if (binary.Constant is not null)
                {
                    string c = b.Constant(name + ".constant", binary.Constant);
                    ins = binary.ConstantFirst ? [c, inputs[0]] : [inputs[0], c];
                }
                b.Node(binary.TypeName, ins, output, name);
                break;
            }
            case Concat concat:
                b.Node("Concat", inputs, output, name, OnnxAttr.Int("axis", concat.Axis));
                break;
            case Gemm gemm:
            {
                var ins = new List<string> { inputs[0], b.Constant(name + ".weight", gemm.B) };
                if (gemm.C is not null) ins.Add(b.Constant(name + ".bias", gemm.C));
                b.Node("Gemm", ins, output, name,
                    OnnxAttr.Float("alpha", gemm.Alpha), OnnxAttr.Float("beta", gemm.Beta),
                    OnnxAttr.Int("transA", gemm.TransA ? 1 : 0), OnnxAttr.Int("transB", gemm.TransB ? 1 : 0));
                break;
            }
            case MatMul matmul:
                b.Node("MatMul", [inputs[0], b.Constant(name + ".weight", matmul.B)], output, name);
                break;
            case Flatten flatten:
                b.Node("Flatten", inputs, output, name, OnnxAttr.Int("axis", flatten.Axis));
                break;
            case Expand expand:
                b.Node("Expand", [inputs[0], b.Int64s(name + ".shape", expand.Shape)], output, name);
                break;
            case Reshape reshape:
                b.Node("Reshape", [inputs[0], b.Int64s(name + ".shape", reshape.Shape)], output, name);
                break;
            case Squeeze squeeze:
                if (squeeze.Axes.Length == 0)
                    throw new KryptonException($"Squeeze '{name}' names no axes; give them explicitly so that a batch of one is kept");
                b.Node("Squeeze", [inputs[0], b.Int64s(name + ".axes", squeeze.Axes.Select(a => (long)a).ToArray())], output, name);
                break;
            case Unsqueeze unsqueeze:
                b.Node("Unsqueeze", [inputs[0], b.Int64s(name + ".axes", unsqueeze.Axes.Select(a => (long)a).ToArray())], output, name);
                break;
            case Identity:
                b.Node("Identity", inputs, output, name);
                break;
            case Softmax softmax:
                EmitSoftmax(b, softmax, name, inputs, output);
                break;
            case Pad pad:
                b.Node("Pad",
                    [inputs[0], b.Int64s(name + ".pads", pad.Pads.Select(p => (long)p).ToArray()), b.Constant(name + ".value", ConstantTensor.Scalar(pad.Value))],
                    output, name, OnnxAttr.String("mode", pad.Mode.ToString().ToLowerInvariant()));
                break;
            case OpaqueNetwork network:
                EmitOpaque(b, network, name, inputs, output);
                break;
            default:
                throw new InvalidOperationException($"op {op.GetType().Name} has no ONNX form");
        }
    }

    /// <summary>A convolution's attributes (Conv, QLinearConv): kernel, strides, pads, dilations, groups.</summary>
    public static AttributeProto[] ConvAttributes(Conv conv)
    {
        var w = conv.Window;
        return
        [
            OnnxAttr.Ints("kernel_shape", w.KernelH, w.KernelW),
            OnnxAttr.Ints("strides", w.StrideH, w.StrideW),
            OnnxAttr.Ints("pads", w.PadTop, w.PadLeft, w.PadBottom, w.PadRight),
            OnnxAttr.Ints("dilations", w.DilationH, w.DilationW),
            OnnxAttr.Int("group", conv.Groups),
        ];
    }

    /// <summary>A pooling window's attributes: kernel, strides, pads, ceil mode, and dilations (max) or count_include_pad (average).</summary>
    public static AttributeProto[] PoolAttributes(Pool pool)
    {
        var w = pool.Window;
        var attrs = new List<AttributeProto>
        {
            OnnxAttr.Ints("kernel_shape", w.KernelH, w.KernelW),
            OnnxAttr.Ints("strides", w.StrideH, w.StrideW),
            OnnxAttr.Ints("pads", w.PadTop, w.PadLeft, w.PadBottom, w.PadRight),
            OnnxAttr.Int("ceil_mode", pool.CeilMode ? 1 : 0),
        };
        if (pool.Kind == PoolKind.Max)
            attrs.Add(OnnxAttr.Ints("dilations", w.DilationH, w.DilationW));
        else
            attrs.Add(OnnxAttr.Int("count_include_pad", pool.CountIncludePad ? 1 : 0));
        return [.. attrs];
    }

    private static void EmitActivation(OnnxGraphBuilder b, Activation a, string name, IReadOnlyList<string> inputs, string output)
    {
        switch (a.Kind)
        {
            case ActivationKind.LeakyRelu or ActivationKind.Elu:
                b.Node(a.Kind.ToString(), inputs, output, name, OnnxAttr.Float("alpha", a.Alpha));
                break;
            case ActivationKind.HardSigmoid:
                b.Node("HardSigmoid", inputs, output, name, OnnxAttr.Float("alpha", a.Alpha), OnnxAttr.Float("beta", a.Beta));
                break;
            case ActivationKind.Selu:
                b.Node("Selu", inputs, output, name, OnnxAttr.Float("alpha", a.Alpha), OnnxAttr.Float("gamma", a.Beta));
                break;
            case ActivationKind.Pow:
                b.Node("Pow", [inputs[0], b.Constant(name + ".exponent", ConstantTensor.Scalar(a.Alpha))], output, name);
                break;
            case ActivationKind.Clip:
                b.Node("Clip", [inputs[0], b.Constant(name + ".min", ConstantTensor.Scalar(a.Alpha)), b.Constant(name + ".max", ConstantTensor.Scalar(a.Beta))], output, name);
                break;
            default:
                b.Node(a.Kind.ToString(), inputs, output, name);
                break;
        }
    }

    private static void EmitSoftmax(OnnxGraphBuilder b, Softmax softmax, string name, IReadOnlyList<string> inputs, string output)
    {
        if (!softmax.Coerce2D)
        {
            b.Node(softmax.TypeName, inputs, output, name, OnnxAttr.Int("axis", softmax.Axis));
            return;
        }
        string flat = b.Node("Flatten", inputs, null, name + "/flatten", OnnxAttr.Int("axis", softmax.Axis));
        string soft = b.Node(softmax.TypeName, [flat], null, name, OnnxAttr.Int("axis", 1));
        string shape = b.Node("Shape", [inputs[0]], null, name + "/shape");
        b.Node("Reshape", [soft, shape], output, name + "/reshape");
    }

    /// <summary>
    /// The original nodes and constants, every name inside given a fresh one under
    /// <paramref name="name"/>, so that two copies (or the graph around it) never collide.
    /// </summary>
    private static void EmitOpaque(OnnxGraphBuilder b, OpaqueNetwork network, string name, IReadOnlyList<string> inputs, string output)
    {
        var body = network.Body as OnnxBody ?? throw new InvalidOperationException($"opaque network '{name}' was not read from ONNX");
        string image = network.ChannelsLast ? b.Node("Transpose", [inputs[0]], null, name + "/channels_last", OnnxAttr.Ints("perm", 0, 2, 3, 1)) : inputs[0];
        var names = new Dictionary<string, string> { [network.Input] = image, [network.Output] = output, [""] = "" };
        string Mapped(string original) =>
            names.TryGetValue(original, out var m) ? m : names[original] = b.UniqueName($"{name}/{original}");
        foreach (var t in body.Graph.Initializer)
        {
            var copy = t.Clone();
            copy.Name = Mapped(t.Name);
            b.Raw(copy);
        }
        foreach (var n in body.Graph.Node)
        {
            var copy = n.Clone();
            copy.Input.Clear();
            copy.Input.AddRange(n.Input.Select(Mapped));
            copy.Output.Clear();
            copy.Output.AddRange(n.Output.Select(Mapped));
            copy.Name = b.UniqueName($"{name}/{(n.Name.Length > 0 ? n.Name : n.OpType)}");
            b.Raw(copy, body.Opsets, body.IrVersion);
        }
    }
}
