using Google.Protobuf;
using Krypton.Onnx;
using Krypton.Onnx.Proto;

namespace Krypton.Tests;

/// <summary>The ways <see cref="OnnxMutations"/> breaks a valid ONNX file.</summary>
internal enum Mutation
{
    DropInput,
    OmitInput,
    UnknownInput,
    ConstantInput,
    OtherConstant,
    ExtraInput,
    OtherOperator,
    UnknownOperator,
    DropAttribute,
    BadAttributeValue,
    AttributeOfWrongType,
    UnknownAttribute,
    InitializerDims,
    InitializerType,
    InitializerData,
    ImageDims,
    ImageType,
    ReadsLaterOutput,
    ReadsOwnOutput,
    DuplicateOutput,
    OutputNamedLikeInput,
    DropOutputs,
    DropNode,
    EmptyGraph,
    NoGraphOutput,
    GraphOutputUnknown,
    GraphOutputIsConstant,
    Opset,
    SecondImage,
    TruncatedBytes,
    FlippedBytes,
}

/// <summary>
/// Breaks valid ONNX files the way broken exports, hand edits and bad downloads do: each
/// mutation changes one thing (an input, an attribute, a tensor, the order of nodes, the bytes).
/// </summary>
internal static class OnnxMutations
{
    /// <summary>Op types a node may be turned into: the importer's table and a few it leaves to ONNX Runtime.</summary>
    public static readonly string[] OpTypes =
    [
        "Relu", "Conv", "Add", "Sub", "Mul", "Div", "Reshape", "Transpose", "Concat", "Gemm", "MatMul", "Flatten", "Softmax",
        "LogSoftmax", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "BatchNormalization", "Squeeze",
        "Unsqueeze", "Slice", "Split", "Pad", "Shape", "Gather", "Cast", "Identity", "Sum", "Clip", "Pow", "ReduceMean",
        "ReduceMax", "LRN", "Expand", "Dropout", "Constant", "Sigmoid", "PRelu", "Tanh", "Sqrt", "HardSigmoid", "Neg",
        "ConstantOfShape", "Range", "Where", "Equal", "Erf", "LeakyRelu", "Elu", "Resize",
    ];

    /// <summary>Small integers a broken attribute or shape may hold: zero, negative, and off by one.</summary>
    private static readonly long[] OddInts = [-3, -1, 0, 1, 2, 3, 5, 7, 64];

    public static byte[] Apply(ModelProto original, Mutation mutation, Random r)
    {
        var m = original.Clone();
        var g = m.Graph;
        var nodes = g.Node;
        NodeProto? AnyNode() => nodes.Count == 0 ? null : nodes[r.Next(nodes.Count)];
        TensorProto? AnyInitializer() => g.Initializer.Count == 0 ? null : g.Initializer[r.Next(g.Initializer.Count)];
        switch (mutation)
        {
            case Mutation.DropInput when AnyNode() is { Input.Count: > 0 } n:
                n.Input.RemoveAt(r.Next(n.Input.Count));
                break;
            case Mutation.OmitInput when AnyNode() is { Input.Count: > 0 } n:
                n.Input[r.Next(n.Input.Count)] = "";
                break;
            case Mutation.UnknownInput when AnyNode() is { Input.Count: > 0 } n:
                n.Input[r.Next(n.Input.Count)] = "no_such_value";
                break;
            case Mutation.ConstantInput when AnyNode() is { Input.Count: > 0 } n && AnyInitializer() is { } t:
                n.Input[0] = t.Name;
                break;
            case Mutation.OtherConstant when AnyNode() is { Input.Count: > 1 } n && AnyInitializer() is { } t:
                n.Input[1 + r.Next(n.Input.Count - 1)] = t.Name;
                break;
            case Mutation.ExtraInput when AnyNode() is { } n:
                n.Input.Add(r.Next(2) == 0 && AnyInitializer() is { } extra ? extra.Name : g.Input[0].Name);
                break;
            case Mutation.OtherOperator when AnyNode() is { } n:
                n.OpType = OpTypes[r.Next(OpTypes.Length)];
                break;
            case Mutation.UnknownOperator when AnyNode() is { } n:
                n.OpType = "NoSuchOperator";
                break;
            case Mutation.DropAttribute when AnyNode() is { Attribute.Count: > 0 } n:
                n.Attribute.RemoveAt(r.Next(n.Attribute.Count));
                break;
            case Mutation.BadAttributeValue when AnyNode() is { Attribute.Count: > 0 } n:
                BreakValue(n.Attribute[r.Next(n.Attribute.Count)], r);
                break;
            case Mutation.AttributeOfWrongType when AnyNode() is { Attribute.Count: > 0 } n:
            {
                int i = r.Next(n.Attribute.Count);
                string name = n.Attribute[i].Name;
                n.Attribute[i] = (r.Next(4)) switch
                {
                    0 => OnnxAttr.Int(name, OddInts[r.Next(OddInts.Length)]),
                    1 => OnnxAttr.Ints(name, OddInts[r.Next(OddInts.Length)], OddInts[r.Next(OddInts.Length)]),
                    2 => OnnxAttr.Float(name, 0.5f),
                    _ => OnnxAttr.String(name, "bogus"),
                };
                break;
            }
            case Mutation.UnknownAttribute when AnyNode() is { } n:
                n.Attribute.Add(OnnxAttr.Int("no_such_attribute", 1));
                break;
            case Mutation.InitializerDims when AnyInitializer() is { } t:
                if (t.Dims.Count == 0 || r.Next(3) == 0) t.Dims.Add(OddInts[r.Next(OddInts.Length)]);
                else if (r.Next(2) == 0) t.Dims.RemoveAt(r.Next(t.Dims.Count));
                else t.Dims[r.Next(t.Dims.Count)] = OddInts[r.Next(OddInts.Length)];
                break;
            case Mutation.InitializerType when AnyInitializer() is { } t:
                t.DataType = new[] { 2, 3, 6, 7, 9, 10, 11, 1, 0, 99 }[r.Next(10)];
                break;
            case Mutation.InitializerData when AnyInitializer() is { } t:
                if (t.RawData.Length > 0) t.RawData = ByteString.CopyFrom(t.RawData.Span[..r.Next(t.RawData.Length)]);
                else if (t.FloatData.Count > 0) t.FloatData.RemoveAt(r.Next(t.FloatData.Count));
                else if (t.Int64Data.Count > 0) t.Int64Data.Add(OddInts[r.Next(OddInts.Length)]);
                else t.FloatData.Add(1f);
                break;
            case Mutation.ImageDims when g.Input.Count > 0 && g.Input[0].Type?.TensorType?.Shape is { } shape:
                if (shape.Dim.Count == 0 || r.Next(3) == 0) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = OddInts[r.Next(OddInts.Length)] });
                else if (r.Next(2) == 0) shape.Dim.RemoveAt(r.Next(shape.Dim.Count));
                else shape.Dim[r.Next(shape.Dim.Count)] = r.Next(2) == 0
                    ? new TensorShapeProto.Types.Dimension { DimValue = OddInts[r.Next(OddInts.Length)] }
                    : new TensorShapeProto.Types.Dimension { DimParam = "symbolic" };
                break;
            case Mutation.ImageType when g.Input.Count > 0:
                if (r.Next(3) == 0) g.Input[0].Type = null;
                else if (g.Input[0].Type?.TensorType is { } tt) tt.ElemType = new[] { 7, 11, 10, 0 }[r.Next(4)];
                break;
            case Mutation.ReadsLaterOutput when nodes.Count > 1:
            {
                int i = r.Next(nodes.Count - 1), j = r.Next(i + 1, nodes.Count);
                if (nodes[i].Input.Count > 0) nodes[i].Input[r.Next(nodes[i].Input.Count)] = nodes[j].Output[0];
                else nodes[i].Input.Add(nodes[j].Output[0]);
                break;
            }
            case Mutation.ReadsOwnOutput when AnyNode() is { Output.Count: > 0 } n:
                if (n.Input.Count > 0) n.Input[0] = n.Output[0];
                else n.Input.Add(n.Output[0]);
                break;
            case Mutation.DuplicateOutput when nodes.Count > 1:
            {
                int i = r.Next(nodes.Count), j = r.Next(nodes.Count);
                if (i != j && nodes[j].Output.Count > 0) nodes[i].Output[0] = nodes[j].Output[0];
                break;
            }
            case Mutation.OutputNamedLikeInput when AnyNode() is { Output.Count: > 0 } n:
                n.Output[0] = r.Next(2) == 0 || AnyInitializer() is not { } init ? g.Input[0].Name : init.Name;
                break;
            case Mutation.DropOutputs when AnyNode() is { } n:
                n.Output.Clear();
                break;
            case Mutation.DropNode when nodes.Count > 0:
                nodes.RemoveAt(r.Next(nodes.Count));
                break;
            case Mutation.EmptyGraph:
                nodes.Clear();
                break;
            case Mutation.NoGraphOutput:
                g.Output.Clear();
                break;
            case Mutation.GraphOutputUnknown when g.Output.Count > 0:
                g.Output[0].Name = "no_such_output";
                break;
            case Mutation.GraphOutputIsConstant when g.Output.Count > 0 && AnyInitializer() is { } t:
                g.Output[0].Name = t.Name;
                break;
            case Mutation.Opset:
                m.OpsetImport.Clear();
                m.OpsetImport.Add(new OperatorSetIdProto { Domain = r.Next(4) == 0 ? "com.example" : "", Version = new long[] { 1, 6, 9, 12, 14, 18, 21, 99 }[r.Next(8)] });
                break;
            case Mutation.SecondImage:
                g.Input.Add(OnnxTestModel.ValueInfo("second", [1, 3, 4, 4]));
                break;
            case Mutation.TruncatedBytes:
            {
                var bytes = m.ToByteArray();
                return bytes[..r.Next(bytes.Length)];
            }
            case Mutation.FlippedBytes:
            {
                var bytes = m.ToByteArray();
                for (int k = 0; k < 1 + r.Next(4); k++)
                    bytes[r.Next(bytes.Length)] ^= (byte)(1 << r.Next(8));
                return bytes;
            }
        }
        return m.ToByteArray();
    }

    private static void BreakValue(AttributeProto a, Random r)
    {
        long Odd() => OddInts[r.Next(OddInts.Length)];
        switch (a.Type)
        {
            case AttributeProto.Types.AttributeType.Int:
                a.I = Odd();
                break;
            case AttributeProto.Types.AttributeType.Ints when a.Ints.Count > 0 && r.Next(2) == 0:
                a.Ints[r.Next(a.Ints.Count)] = Odd();
                break;
            case AttributeProto.Types.AttributeType.Ints:
                if (a.Ints.Count > 0 && r.Next(2) == 0) a.Ints.RemoveAt(r.Next(a.Ints.Count));
                else a.Ints.Add(Odd());
                break;
            case AttributeProto.Types.AttributeType.Float:
                a.F = new[] { 0f, -1f, float.NaN, float.PositiveInfinity, 1e30f }[r.Next(5)];
                break;
            case AttributeProto.Types.AttributeType.String:
                a.S = ByteString.CopyFromUtf8(r.Next(2) == 0 ? "bogus" : "");
                break;
            case AttributeProto.Types.AttributeType.Tensor when a.T is { } t:
                if (r.Next(2) == 0) t.DataType = new[] { 3, 9, 10, 99 }[r.Next(4)];
                else t.Dims.Add(Odd());
                break;
            default:
                a.Type = AttributeProto.Types.AttributeType.Undefined;
                break;
        }
    }
}
