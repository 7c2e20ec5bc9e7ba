using Google.Protobuf;
using Krypton.Onnx.Proto;

namespace Krypton.Tests;

/// <summary>A small ONNX model under construction.</summary>
internal sealed class OnnxTestModel
{
    private readonly GraphProto _g = new() { Name = "test" };
    private readonly int _opset;

    public OnnxTestModel(int opset, int[] inputShape, string input = "x", bool symbolicBatch = true)
    {
        _opset = opset;
        _g.Input.Add(ValueInfo(input, inputShape, symbolicBatch));
    }

    public static ValueInfoProto ValueInfo(string name, int[]? shape, bool symbolicBatch = true, TensorProto.Types.DataType type = TensorProto.Types.DataType.Float)
    {
        var tt = new TypeProto.Types.Tensor { ElemType = (int)type };
        if (shape is not null)
        {
            tt.Shape = new TensorShapeProto();
            for (int i = 0; i < shape.Length; i++)
                tt.Shape.Dim.Add(i == 0 && symbolicBatch ? new TensorShapeProto.Types.Dimension { DimParam = "N" } : new TensorShapeProto.Types.Dimension { DimValue = shape[i] });
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tt } };
    }

    public OnnxTestModel Input(ValueInfoProto v) { _g.Input.Add(v); return this; }

    public OnnxTestModel Node(string op, string[] inputs, string[] outputs, string? name = null, params AttributeProto[] attrs)
    {
        var n = new NodeProto { OpType = op, Name = name ?? $"{op}_{_g.Node.Count}" };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        n.Attribute.AddRange(attrs);
        _g.Node.Add(n);
        return this;
    }

    public OnnxTestModel Floats(string name, int[] shape, float[] data)
    {
        _g.Initializer.Add(OnnxTestTensors.FloatTensor(name, shape, data));
        return this;
    }

    public OnnxTestModel Int64s(string name, params long[] data)
    {
        _g.Initializer.Add(OnnxTestTensors.Int64Tensor(name, data));
        return this;
    }

    public OnnxTestModel Tensor(TensorProto t) { _g.Initializer.Add(t); return this; }

    public OnnxTestModel Output(string name) { _g.Output.Add(ValueInfo(name, null)); return this; }

    public byte[] Bytes()
    {
        var m = new ModelProto { IrVersion = _opset >= 18 ? 8 : _opset >= 13 ? 7 : 5, Graph = _g, ProducerName = "test" };
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = _opset });
        return m.ToByteArray();
    }
}

/// <summary>Tensor constructors for hand-built ONNX models.</summary>
internal static class OnnxTestTensors
{
    internal static TensorProto FloatTensor(string name, int[] shape, float[] data)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(shape.Select(d => (long)d));
        t.FloatData.AddRange(data);
        return t;
    }

    internal static TensorProto Int64Tensor(string name, long[] data)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.Add(data.Length);
        t.Int64Data.AddRange(data);
        return t;
    }
}
