using Google.Protobuf;
using Krypton.Incremental;
using Krypton.Model;
using Krypton.Onnx;
using Krypton.Onnx.Proto;
using Krypton.Spec;

namespace Krypton.Compilation;

/// <summary>
/// Writes the incremental graph of one plan, step by step: each position's read windows assembled
/// from the caches and the changed regions (one gather per window), the layers run on the batch's
/// regions, and the score head on the result. One emitter makes one graph.
/// </summary>
internal sealed partial class IncrementalEmitter
{
    private readonly IncrementalPlan plan;
    private readonly IReadOnlyDictionary<(string, float), CacheSpec> caches;
    private readonly OnnxGraphBuilder _b = new(weightFiles: true);
    private readonly PrecisionEmitter _v;
    private readonly ModelGraph _g;
    private readonly List<int[]> _rowColumns = [];
    private readonly List<int[]> _colColumns = [];
    private readonly Dictionary<AxisPlan, string> _starts = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, string> _region = [];
    private readonly Dictionary<string, string> _full = [];
    private string _rowTable = "", _colTable = "", _batch = "";

    /// <summary>An emitter of the plan's incremental graph reading <paramref name="caches"/>, in a precision with its layout (<see cref="ReducedLayout.For"/>).</summary>
    public IncrementalEmitter(IncrementalPlan plan, IReadOnlyDictionary<(string, float), CacheSpec> caches, Precision precision, ReducedLayout? layout)
    {
        this.plan = plan;
        this.caches = caches;
        _g = plan.Graph;
        ScoreHead.ReserveNames(_b);
        _v = new PrecisionEmitter(_b, precision, layout);
    }

    public long BytesPerPosition { get; private set; }

    /// <summary>Bytes of one element of the value as the graph holds it (uint8, float16 or float32).</summary>
    private int ElementBytes(string value) => _v.ElementBytes(value);

    public byte[] Emit(List<WindowRead> reads, ValueKind value)
    {
        var b = _b;
        string positions = b.Input(ScoreHead.PositionsInput, [-1, 2], TensorProto.Types.DataType.Int64);
        string image = b.Input(ScoreHead.ImageInput, [1, _g.Channels, _g.Height, _g.Width]);
        string fill = b.Input(ScoreHead.FillInput, [1, _g.Channels, _g.Height, _g.Width]);
        string targets = b.Input(ScoreHead.TargetsInput, [-1], TensorProto.Types.DataType.Int64);
        foreach (var c in caches.Values)
        {
            var s = _g.ShapeOf(c.Value);
            b.Input(c.InputName, [s[2] + c.PadTop + c.PadBottom, s[3] + c.PadLeft + c.PadRight, s[1]], _v.TypeOf(c.Value));
        }
        _rowTable = b.UniqueName("row_starts");
        _colTable = b.UniqueName("column_starts");
        string Axis(int column, string name) =>
            b.Node("Squeeze", [b.Node("Slice", [positions, b.Int64s(name + ".s", [column]), b.Int64s(name + ".e", [column + 1]), b.Int64s(name + ".a", [1])], null, name + "_slice"),
                b.Int64s(name + ".axes", [1])], null, name);
        string patchRow = Axis(0, "patch_row"), patchColumn = Axis(1, "patch_column");
        string rows = b.Node("Gather", [_rowTable, patchRow], null, "row_plan", OnnxAttr.Int("axis", 0));
        string cols = b.Node("Gather", [_colTable, patchColumn], null, "column_plan", OnnxAttr.Int("axis", 0));
        string batch = b.Node("Shape", [positions], null, "batch_shape");
        _batch = b.Node("Slice", [batch, b.Int64s("batch.s", [0]), b.Int64s("batch.e", [1])], null, "batch");
        _rowsPlan = rows;
        _colsPlan = cols;

        // The input's changed region is the patch's window: the fill where the patch covers it.
        _region[_g.InputName] = InputRegion(image, fill, patchRow, patchColumn);
        BytesPerPosition += 3 * 4L * _g.Channels * plan.PatchHeight * plan.PatchWidth;

        var byStep = reads.GroupBy(r => r.Step).ToDictionary(x => x.Key, x => x.OrderBy(r => r.InputIndex).ToList());
        foreach (var step in plan.Steps)
            EmitStep(step, byStep.GetValueOrDefault(step) ?? []);

        string output;
        var last = reads.FirstOrDefault(r => r.InputIndex == -1);
        if (last is not null)
            output = Assemble(last);
        else if (_full.TryGetValue(_g.Output, out var full))
            output = full;
        else
            throw new IncrementalNotSupportedException("the model's output does not depend on the patch");
        ScoreHead.Emit(b, _v.Float(output, _g.Output), _g, value, targets);

        var (rowData, rowShape) = Table(_rowColumns, plan.RowOffsets);
        var (colData, colShape) = Table(_colColumns, plan.ColumnOffsets);
        b.Int64sAs(_rowTable, rowData, rowShape);
        b.Int64sAs(_colTable, colData, colShape);
        return b.Build($"incremental occlusion of {_g.Name}, patch {plan.PatchHeight}x{plan.PatchWidth}, tau {plan.Tau}").ToByteArray();
    }

    private string _rowsPlan = "", _colsPlan = "";

    /// <summary>
    /// [n, C, h, w]: each position's input region, the plan's window of the patch: the fill image's
    /// cells where the patch covers them and the image's elsewhere. A whole patch is its window; a
    /// patch cut off at the border starts below (or right of) its window, which stays flush with the
    /// border, so only the cells at or after its origin take the fill. One Gather of each image on the
    /// flattened pixels (the window always lies inside the image).
    /// </summary>
    private string InputRegion(string image, string fill, string patchRow, string patchColumn)
    {
        var b = _b;
        var (rows, columns, pixels) = WindowCells(plan.Regions[_g.InputName], 0, 0, _g.Width, "fill");
        string Window(string source, string tag)
        {
            string flat = b.Node("Reshape", [source, b.Int64s(tag + ".flat", [_g.Channels, (long)_g.Height * _g.Width])], null, tag + "_flat");
            string gathered = b.Node("Gather", [flat, pixels], null, tag + "_gather", OnnxAttr.Int("axis", 1));   // [C, n, h, w]
            return b.Node("Transpose", [gathered], null, tag + "_window", OnnxAttr.Ints("perm", 1, 0, 2, 3));
        }
        string From(string cells, string origin, string tag) =>   // [n, cells]: the cell is at or after the patch's origin
            b.Node("GreaterOrEqual", [cells, b.Node("Unsqueeze", [origin, b.Int64s(tag + ".axes", [1])], null, tag + "_origin")], null, tag + "_covered");
        string covered = b.Node("And", [
            b.Node("Unsqueeze", [From(rows, patchRow, "patch_rows"), b.Int64s("patch_rows.axes3", [2])], null, "patch_rows3"),
            b.Node("Unsqueeze", [From(columns, patchColumn, "patch_columns"), b.Int64s("patch_columns.axes3", [1])], null, "patch_columns3")], null, "patch_cells");   // [n, h, w]
        string mask = b.Node("Unsqueeze", [covered, b.Int64s("patch_mask.axes", [1])], null, "patch_mask");   // [n, 1, h, w]
        return b.Node("Where", [mask, Window(fill, "fill"), Window(image, "image")], null, "patch");
    }

    private static (long[] Data, int[] Shape) Table(List<int[]> columns, int offsets)
    {
        int width = Math.Max(columns.Count, 1);
        var data = new long[offsets * width];
        for (int o = 0; o < offsets; o++)
            for (int c = 0; c < columns.Count; c++)
                data[o * width + c] = columns[c][o];
        return (data, [offsets, width]);
    }

    private void EmitStep(PlanStep step, List<WindowRead> reads)
    {
        var n = step.Node;
        var b = _b;
        var outShape = _g.ShapeOf(n.Output);
        switch (step.Kind)
        {
            case StepKind.Unchanged:
                return;
            case StepKind.ElementWise:
            case StepKind.Window when IncrementalGraph.RunsWhole(plan, step):
                _region[n.Output] = b.UniqueName(n.Output);
                _v.Emit(n, n.Op, [_region[n.Inputs[0]]], _region[n.Output]);
                break;
            case StepKind.Window:
                _region[n.Output] = WindowStep(n, step, Assemble(reads[0]));
                break;
            case StepKind.Merge:
                _region[n.Output] = b.UniqueName(n.Output);
                _v.Emit(n, n.Op, reads.Select(Assemble).ToList(), _region[n.Output]);
                break;
            case StepKind.Pad:
                _region[n.Output] = Assemble(reads[0]);
                break;
            case StepKind.Full:
            {
                var inputs = n.Inputs.Select((v, i) => _full.TryGetValue(v, out var f) ? f : Assemble(reads.Single(a => a.InputIndex == i))).ToList();
                _full[n.Output] = b.UniqueName(n.Output);
                _v.Emit(n, n.Op, inputs, _full[n.Output]);
                BytesPerPosition += ElementBytes(n.Output) * outShape.Skip(1).Aggregate(1L, (p, d) => p * d);
                return;
            }
        }
        BytesPerPosition += (long)ElementBytes(n.Output) * outShape[1] * step.Output!.Y.Length * step.Output.X.Length;
    }

    /// <summary>A sliding window on its assembled read window: the same layer with padding 0.</summary>
    private string WindowStep(Node n, PlanStep step, string window)
    {
        var b = _b;
        string output = b.UniqueName(n.Output);
        switch (n.Op)
        {
            case Conv conv:
                _v.Emit(n, conv with { Window = conv.Window with { PadTop = 0, PadLeft = 0, PadBottom = 0, PadRight = 0 } }, [window], output);
                return output;
            case Pool { Kind: PoolKind.Max } pool:
                _v.Emit(n, pool with { Window = pool.Window with { PadTop = 0, PadLeft = 0, PadBottom = 0, PadRight = 0 }, CeilMode = false }, [window], output);
                return output;
            case Pool pool:
            {
                // Average pooling divides by the cells that count (in-image cells, or with
                // count_include_pad the cells inside the padded input): the same average over
                // a mask of those cells gives the share of the window that counts.
                var p = pool with { Window = pool.Window with { PadTop = 0, PadLeft = 0, PadBottom = 0, PadRight = 0 }, CeilMode = false, CountIncludePad = true };
                var inShape = _g.ShapeOf(n.Inputs[0]);
                var w = pool.Window;
                bool overhang = step.Read!.Y.MinStart < -w.PadTop || step.Read.X.MinStart < -w.PadLeft
                    || step.Read.Y.MaxEnd > inShape[2] + w.PadBottom || step.Read.X.MaxEnd > inShape[3] + w.PadRight;
                bool readsPadding = step.Read.Y.MinStart < 0 || step.Read.X.MinStart < 0 || step.Read.Y.MaxEnd > inShape[2] || step.Read.X.MaxEnd > inShape[3];
                if (pool.CountIncludePad ? !overhang : !readsPadding)
                {
                    _v.Emit(n, p, [window], output);
                    return output;
                }
                window = _v.Float(window, n.Inputs[0]);
                var (hiY, hiX) = pool.CountIncludePad ? (inShape[2] + w.PadBottom, inShape[3] + w.PadRight) : (inShape[2], inShape[3]);
                string mask = CountingMask(step.Read, pool.CountIncludePad ? w.PadTop : 0, pool.CountIncludePad ? w.PadLeft : 0, hiY, hiX, n.Name);
                string sum = b.Node("AveragePool", [window], null, n.Name + "/sum", PoolAttrs(p));
                string share = b.Node("AveragePool", [mask], null, n.Name + "/share", PoolAttrs(p));
                b.Node("Div", [sum, share], output, n.Name + "/mean");
                return output;
            }
            default:
                throw new IncrementalNotSupportedException($"node '{n.Name}' has no incremental window form");
        }
    }

    private static AttributeProto[] PoolAttrs(Pool p) =>
    [
        OnnxAttr.Ints("kernel_shape", p.Window.KernelH, p.Window.KernelW),
        OnnxAttr.Ints("strides", p.Window.StrideH, p.Window.StrideW),
        OnnxAttr.Ints("pads", 0, 0, 0, 0),
        OnnxAttr.Int("count_include_pad", 1),
    ];

    /// <summary>[n, 1, h, w] float: 1 where the window cell lies in [−padTop, hiY) × [−padLeft, hiX).</summary>
    private string CountingMask(RegionPlan window, int padTop, int padLeft, int hiY, int hiX, string name)
    {
        var b = _b;
        string Inside(AxisPlan axis, string starts, int low, int high, string tag) =>
            SpanMask.Inside(b, b.Node("Add", [starts, Range(axis.Length, tag)], null, $"{name}/{tag}_index"),
                b.Int64s($"{name}/{tag}_low", [-low], [1, 1]), b.Int64s($"{name}/{tag}_high", [high], [1, 1]), $"{name}/{tag}");
        string y = Inside(window.Y, Start(window.Y, rows: true), padTop, hiY, "mask_rows");
        string x = Inside(window.X, Start(window.X, rows: false), padLeft, hiX, "mask_cols");
        string both = SpanMask.Grid(b, y, x, $"{name}/mask");
        return b.Node("Cast", [both], null, $"{name}/mask_float", OnnxAttr.Int("to", (int)TensorProto.Types.DataType.Float));
    }
}
