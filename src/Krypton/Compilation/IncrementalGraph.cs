using Google.Protobuf;
using Krypton.Incremental;
using Krypton.Model;
using Krypton.Onnx;
using Krypton.Onnx.Proto;
using Krypton.Spec;

namespace Krypton.Compilation;

/// <summary>
/// A cached feature map as the incremental graph reads it: the unoccluded value of
/// <see cref="Value"/>, channels last ([H + pads, W + pads, C]) so that a gather picks whole
/// channel vectors, padded once with <see cref="PadValue"/> so that reads outside the map need
/// no bounds logic (zero for convolutions, −∞ for max pooling, the constant for explicit pads).
/// </summary>
public sealed record CacheSpec(string InputName, string Value, float PadValue, int PadTop, int PadLeft, int PadBottom, int PadRight);

/// <summary>The two graphs of incremental inference for one model, patch size and τ.</summary>
/// <param name="CacheGraph">Runs the model once on the image [1, C, H, W] and outputs every cache, the logits and the probabilities.</param>
/// <param name="IncrementalGraph">Takes a batch of positions, the fill, the targets and the caches; outputs the target values.</param>
/// <param name="Caches">The caches, in the order the cache graph outputs them.</param>
/// <param name="BytesPerPosition">Estimated working memory of one position in a batch.</param>
public sealed record CompiledIncremental(byte[] CacheGraph, byte[] IncrementalGraph, IReadOnlyList<CacheSpec> Caches, long BytesPerPosition);

/// <summary>
/// Compiles an <see cref="IncrementalPlan"/> into ONNX (KRYPTON §2). Per local layer it gathers each
/// position's read window from the padded cache (GatherND with indices derived from the positions),
/// pastes the incoming changed region over it (a second gather and Where), and runs the layer with
/// padding 0 on the whole batch; element-wise layers run on the regions only; merges run on bounding
/// boxes; at the first global op the regions are pasted into the cached map and the rest runs in full.
/// Region starts come from lookup tables that the plan computed with the region geometry, indexed by
/// the positions inside the graph: the host sends positions and receives target values, nothing else.
/// </summary>
public static class IncrementalGraph
{
    /// <summary>Compiles the plan's graphs for the value kind.</summary>
    public static CompiledIncremental Compile(IncrementalPlan plan, ValueKind value)
    {
        var requests = Requests(plan);
        var caches = CacheSpecs(plan, requests);
        var emitter = new Emitter(plan, caches);
        byte[] incremental = emitter.Emit(requests, value);
        return new CompiledIncremental(CacheGraphFor(plan, caches), incremental, caches.Values.ToList(), emitter.BytesPerPosition);
    }

    /// <summary>
    /// One read of a value over a window, assembled from its cache and its changed region; or, when
    /// <paramref name="FromRegion"/>, the changed region itself (the window is exactly its cells,
    /// common at merges), with no cache.
    /// </summary>
    private sealed record Assembly(PlanStep Step, int InputIndex, string Value, float PadValue, RegionPlan Window, bool FromRegion = false);

    /// <summary>Every assembly the plan needs, step by step.</summary>
    private static List<Assembly> Requests(IncrementalPlan plan)
    {
        var g = plan.Graph;
        var list = new List<Assembly>();
        RegionPlan Whole(string v)
        {
            var s = g.ShapeOf(v);
            return new RegionPlan(new AxisPlan(s[2], new int[plan.RowOffsets]), new AxisPlan(s[3], new int[plan.ColumnOffsets]));
        }
        var state = plan.Steps.ToDictionary(s => s.Node.Output, s => s.Kind);
        bool Changed(string v) => v == g.InputName || (state.TryGetValue(v, out var k) && k is not (StepKind.Unchanged or StepKind.Full));
        foreach (var step in plan.Steps)
        {
            var n = step.Node;
            switch (step.Kind)
            {
                case StepKind.Window when RunsWhole(plan, step):
                    break;   // reads its changed input as it is: no cache
                case StepKind.Window:
                    list.Add(new Assembly(step, 0, n.Inputs[0], n.Op is Pool { Kind: PoolKind.Max } ? float.MinValue : 0f, step.Read!));
                    break;
                case StepKind.Pad:
                    list.Add(new Assembly(step, 0, n.Inputs[0], ((Pad)n.Op).Value, step.Read!));
                    break;
                case StepKind.Merge:
                    for (int i = 0; i < n.Inputs.Count; i++)
                        list.Add(new Assembly(step, i, n.Inputs[i], 0f, step.Output!));
                    break;
                case StepKind.Full:
                    for (int i = 0; i < n.Inputs.Count; i++)
                    {
                        string v = n.Inputs[i];
                        if (state.TryGetValue(v, out var k) && k == StepKind.Full) continue;
                        if (g.ShapeOf(v).Length != 4)
                            throw new IncrementalNotSupportedException($"node '{n.Name}' reads '{v}', which is not a feature map, before any global op");
                        list.Add(new Assembly(step, i, v, 0f, Whole(v)));
                    }
                    break;
            }
        }
        if (Changed(g.Output))
            list.Add(new Assembly(new PlanStep(g.Nodes[^1], StepKind.Full, null, null), -1, g.Output, 0f, Whole(g.Output)));
        return list.Select(a => a with { FromRegion = Changed(a.Value) && plan.Regions[a.Value].SameCells(a.Window) }).ToList();
    }

    /// <summary>
    /// A sliding window whose change has spread over its whole input and output: it runs as it is,
    /// padding included, on the changed region (which is the whole map), with no gather and no cache.
    /// </summary>
    private static bool RunsWhole(IncrementalPlan plan, PlanStep step) =>
        step.Kind == StepKind.Window
        && plan.Regions.TryGetValue(step.Node.Inputs[0], out var read) && read.Covers(plan.Graph.ShapeOf(step.Node.Inputs[0]))
        && step.Output!.Covers(plan.Graph.ShapeOf(step.Node.Output));

    private static Dictionary<(string, float), CacheSpec> CacheSpecs(IncrementalPlan plan, List<Assembly> requests)
    {
        var caches = new Dictionary<(string, float), CacheSpec>();
        foreach (var group in requests.Where(r => !r.FromRegion).GroupBy(r => (r.Value, r.PadValue)))
        {
            var shape = plan.Graph.ShapeOf(group.Key.Value);
            int top = Math.Max(0, -group.Min(r => r.Window.Y.MinStart));
            int left = Math.Max(0, -group.Min(r => r.Window.X.MinStart));
            int bottom = Math.Max(0, group.Max(r => r.Window.Y.MaxEnd) - shape[2]);
            int right = Math.Max(0, group.Max(r => r.Window.X.MaxEnd) - shape[3]);
            caches[group.Key] = new CacheSpec($"cache{caches.Count}", group.Key.Value, group.Key.PadValue, top, left, bottom, right);
        }
        return caches;
    }

    /// <summary>The model run once, exposing every cache channels-last and padded, plus its scores.</summary>
    private static byte[] CacheGraphFor(IncrementalPlan plan, Dictionary<(string, float), CacheSpec> caches)
    {
        var g = plan.Graph;
        var b = new OnnxGraphBuilder();
        ScoreHead.ReserveNames(b);
        string image = b.Input(ScoreHead.ImageInput, [1, g.Channels, g.Height, g.Width]);
        var names = OnnxExporter.EmitNodeValues(g, b, image);
        foreach (var c in caches.Values)
        {
            var shape = g.ShapeOf(c.Value);
            string hwc = b.Node("Transpose", [names[c.Value]], null, c.InputName + "/hwc", OnnxAttr.Ints("perm", 0, 2, 3, 1));
            string squeezed = b.Node("Squeeze", [hwc, b.Int64s(c.InputName + "/axes", [0])], null, c.InputName + "/squeeze");
            b.Node("Pad", [squeezed, b.Int64s(c.InputName + "/pads", [c.PadTop, c.PadLeft, 0, c.PadBottom, c.PadRight, 0]),
                b.Constant(c.InputName + "/value", ConstantTensor.Scalar(c.PadValue))], c.InputName, c.InputName + "/pad");
            b.Output(c.InputName, [shape[2] + c.PadTop + c.PadBottom, shape[3] + c.PadLeft + c.PadRight, shape[1]]);
        }
        ScoreHead.Emit(b, names[g.Output], g, ValueKind.Probability, null);
        return b.Build($"caches of {g.Name} for incremental occlusion").ToByteArray();
    }

    private sealed class Emitter(IncrementalPlan plan, Dictionary<(string, float), CacheSpec> caches)
    {
        private readonly OnnxGraphBuilder _b = new();
        private readonly ModelGraph _g = plan.Graph;
        private readonly List<int[]> _rowColumns = [];
        private readonly List<int[]> _colColumns = [];
        private readonly Dictionary<AxisPlan, string> _starts = new(ReferenceEqualityComparer.Instance);
        private readonly Dictionary<string, string> _regionRows = [];
        private readonly Dictionary<string, string> _region = [];
        private readonly Dictionary<string, string> _full = [];
        private string _rowTable = "", _colTable = "", _batch = "";

        public long BytesPerPosition { get; private set; }

        public byte[] Emit(List<Assembly> requests, ValueKind value)
        {
            var b = _b;
            ScoreHead.ReserveNames(b);
            string positions = b.Input(ScoreHead.PositionsInput, [-1, 2], TensorProto.Types.DataType.Int64);
            string fill = b.Input(ScoreHead.FillInput, [1, _g.Channels, _g.Height, _g.Width]);
            string targets = b.Input(ScoreHead.TargetsInput, [-1], TensorProto.Types.DataType.Int64);
            foreach (var c in caches.Values)
            {
                var s = _g.ShapeOf(c.Value);
                b.Input(c.InputName, [s[2] + c.PadTop + c.PadBottom, s[3] + c.PadLeft + c.PadRight, s[1]]);
            }
            _rowTable = b.UniqueName("row_starts");
            _colTable = b.UniqueName("column_starts");
            string Axis(int column, string name) =>
                b.Node("Squeeze", [b.Node("Slice", [positions, b.Int64s(name + ".s", [column]), b.Int64s(name + ".e", [column + 1]), b.Int64s(name + ".a", [1])], null, name + "_slice"),
                    b.Int64s(name + ".axes", [1])], null, name);
            string rows = b.Node("Gather", [_rowTable, Axis(0, "patch_row")], null, "row_plan", OnnxAttr.Int("axis", 0));
            string cols = b.Node("Gather", [_colTable, Axis(1, "patch_column")], null, "column_plan", OnnxAttr.Int("axis", 0));
            string batch = b.Node("Shape", [positions], null, "batch_shape");
            _batch = b.Node("Slice", [batch, b.Int64s("batch.s", [0]), b.Int64s("batch.e", [1])], null, "batch");
            _rowsPlan = rows;
            _colsPlan = cols;

            // The input's changed region is the patch itself: the fill image's h × w cells under it.
            _region[_g.InputName] = FillUnderPatch(fill);
            BytesPerPosition += 4L * _g.Channels * plan.PatchHeight * plan.PatchWidth;

            var byStep = requests.GroupBy(r => r.Step).ToDictionary(x => x.Key, x => x.OrderBy(r => r.InputIndex).ToList());
            foreach (var step in plan.Steps)
                EmitStep(step, byStep.GetValueOrDefault(step) ?? []);

            string output;
            var last = requests.FirstOrDefault(r => r.InputIndex == -1);
            if (last is not null)
                output = Assemble(last);
            else if (_full.TryGetValue(_g.Output, out var full))
                output = full;
            else
                throw new IncrementalNotSupportedException("the model's output does not depend on the patch");
            ScoreHead.Emit(b, output, _g, value, targets);

            var (rowData, rowShape) = Table(_rowColumns, plan.RowOffsets);
            var (colData, colShape) = Table(_colColumns, plan.ColumnOffsets);
            b.Int64sAs(_rowTable, rowData, rowShape);
            b.Int64sAs(_colTable, colData, colShape);
            return b.Build($"incremental occlusion of {_g.Name}, patch {plan.PatchHeight}x{plan.PatchWidth}, tau {plan.Tau}").ToByteArray();
        }

        private string _rowsPlan = "", _colsPlan = "";

        /// <summary>
        /// [n, C, h, w]: each position's patch cut from the fill image [1, C, H, W]: the input's
        /// region window, one Gather on the flattened pixels (the patch always lies inside the image).
        /// </summary>
        private string FillUnderPatch(string fill)
        {
            var b = _b;
            var (_, _, pixels) = WindowCells(plan.Regions[_g.InputName], 0, 0, _g.Width, "fill");
            string flat = b.Node("Reshape", [fill, b.Int64s("fill.flat", [_g.Channels, (long)_g.Height * _g.Width])], null, "fill_flat");
            string gathered = b.Node("Gather", [flat, pixels], null, "fill_gather", OnnxAttr.Int("axis", 1));   // [C, n, h, w]
            return b.Node("Transpose", [gathered], null, "patch", OnnxAttr.Ints("perm", 1, 0, 2, 3));
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

        private void EmitStep(PlanStep step, List<Assembly> assemblies)
        {
            var n = step.Node;
            var b = _b;
            var outShape = _g.ShapeOf(n.Output);
            switch (step.Kind)
            {
                case StepKind.Unchanged:
                    return;
                case StepKind.ElementWise:
                    _region[n.Output] = b.UniqueName(n.Output);
                    b.Emit(n.Op, n.Name, [_region[n.Inputs[0]]], _region[n.Output]);
                    break;
                case StepKind.Window when RunsWhole(plan, step):
                    _region[n.Output] = b.UniqueName(n.Output);
                    b.Emit(n.Op, n.Name, [_region[n.Inputs[0]]], _region[n.Output]);
                    break;
                case StepKind.Window:
                    _region[n.Output] = WindowStep(n, step, Assemble(assemblies[0]));
                    break;
                case StepKind.Merge:
                    _region[n.Output] = b.UniqueName(n.Output);
                    b.Emit(n.Op, n.Name, assemblies.Select(Assemble).ToList(), _region[n.Output]);
                    break;
                case StepKind.Pad:
                    _region[n.Output] = Assemble(assemblies[0]);
                    break;
                case StepKind.Full:
                {
                    var inputs = n.Inputs.Select((v, i) => _full.TryGetValue(v, out var f) ? f : Assemble(assemblies.Single(a => a.InputIndex == i))).ToList();
                    _full[n.Output] = b.UniqueName(n.Output);
                    b.Emit(n.Op, n.Name, inputs, _full[n.Output]);
                    BytesPerPosition += 4L * outShape.Skip(1).Aggregate(1L, (p, d) => p * d);
                    return;
                }
            }
            BytesPerPosition += 4L * outShape[1] * step.Output!.Y.Length * step.Output.X.Length;
        }

        /// <summary>A sliding window on its assembled read window: the same layer with padding 0.</summary>
        private string WindowStep(Node n, PlanStep step, string window)
        {
            var b = _b;
            string output = b.UniqueName(n.Output);
            switch (n.Op)
            {
                case Conv conv:
                    b.Emit(conv with { Window = conv.Window with { PadTop = 0, PadLeft = 0, PadBottom = 0, PadRight = 0 } }, n.Name, [window], output);
                    return output;
                case Pool { Kind: PoolKind.Max } pool:
                    b.Emit(pool with { Window = pool.Window with { PadTop = 0, PadLeft = 0, PadBottom = 0, PadRight = 0 }, CeilMode = false }, n.Name, [window], output);
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
                        b.Emit(p, n.Name, [window], output);
                        return output;
                    }
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

        /// <summary>[1, length] int64: 0, 1, …, length − 1.</summary>
        private string Range(int length, string tag) =>
            _b.Int64s($"range{length}_{tag}", Enumerable.Range(0, length).Select(i => (long)i).ToArray(), [1, length]);

        /// <summary>[n, 1] int64: each position's start on this axis, read from the plan's lookup table.</summary>
        private string Start(AxisPlan axis, bool rows)
        {
            if (_starts.TryGetValue(axis, out var name)) return name;
            var columns = rows ? _rowColumns : _colColumns;
            int column = columns.Count;
            columns.Add(axis.Starts);
            string tag = (rows ? "row" : "col") + column;
            name = _b.Node("Slice", [rows ? _rowsPlan : _colsPlan, _b.Int64s(tag + ".s", [column]), _b.Int64s(tag + ".e", [column + 1]), _b.Int64s(tag + ".a", [1])], null, tag + "_start");
            _starts[axis] = name;
            return name;
        }

        /// <summary>
        /// A window's cells for each position: its rows [n, h] and columns [n, w] (from the plan's
        /// start tables), and their flat indices (row + <paramref name="padTop"/>) · <paramref name="rowLength"/>
        /// + column + <paramref name="padLeft"/>, [n, h, w], into a row-major table of the (padded) map.
        /// </summary>
        private (string Rows, string Columns, string Index) WindowCells(RegionPlan window, int padTop, int padLeft, int rowLength, string tag)
        {
            var b = _b;
            string Const(string what, long v) => b.Int64s($"{tag}/{what}", [v], [1, 1]);
            string iy = b.Node("Add", [Start(window.Y, rows: true), Range(window.Y.Length, "y")], null, tag + "/rows");   // [n, h]
            string ix = b.Node("Add", [Start(window.X, rows: false), Range(window.X.Length, "x")], null, tag + "/cols");  // [n, w]
            string row = b.Node("Mul", [b.Node("Add", [iy, Const("pad_top", padTop)], null, tag + "/cy"), Const("row_length", rowLength)], null, tag + "/cy_stride");
            string column = b.Node("Add", [ix, Const("pad_left", padLeft)], null, tag + "/cx");
            string index = b.Node("Add", [b.Node("Unsqueeze", [row, b.Int64s(tag + "/row_axes", [2])], null, tag + "/cy3"),
                b.Node("Unsqueeze", [column, b.Int64s(tag + "/column_axes", [1])], null, tag + "/cx3")], null, tag + "/index");   // [n, h, w]
            return (iy, ix, index);
        }

        /// <summary>
        /// [n, C, h, w]: the value over each position's window, taken from its changed region
        /// where the window overlaps it and from the padded cache elsewhere. Both sources are
        /// rows of one table (the cache's cells, then every position's region cells), so one
        /// Gather of whole channel vectors does it; only the row indices are chosen per cell.
        /// </summary>
        private string Assemble(Assembly a)
        {
            var b = _b;
            if (a.FromRegion)
                return _region[a.Value];
            var cache = caches[(a.Value, a.PadValue)];
            var shape = _g.ShapeOf(a.Value);
            int channels = shape[1];
            int paddedH = shape[2] + cache.PadTop + cache.PadBottom, paddedW = shape[3] + cache.PadLeft + cache.PadRight;
            string tag = b.UniqueName($"{cache.InputName}/w{a.Window.Y.Length}x{a.Window.X.Length}");
            int h = a.Window.Y.Length, w = a.Window.X.Length;
            string Const(string what, long v) => b.Int64s($"{tag}/{what}", [v], [1, 1]);
            string Rows(string ys) => b.Node("Unsqueeze", [ys, b.Int64s(tag + "/rows_axes", [2])], null, tag + "/rows3");   // [n, h, 1]
            string Cols(string xs) => b.Node("Unsqueeze", [xs, b.Int64s(tag + "/cols_axes", [1])], null, tag + "/cols3");   // [n, 1, w]

            var (iy, ix, index) = WindowCells(a.Window, cache.PadTop, cache.PadLeft, paddedW, tag);
            string table = CacheTable(cache, paddedH * paddedW, channels);

            if (_region.ContainsKey(a.Value))
            {
                var region = plan.Regions[a.Value];
                int rh = region.Y.Length, rw = region.X.Length;
                (string Inside, string Clipped) Local(string cells, string start, int length, string what)
                {
                    string local = b.Node("Sub", [cells, start], null, $"{tag}/{what}_local");
                    string clipped = b.Node("Min", [b.Node("Max", [local, Const(what + "_lo", 0)], null, $"{tag}/{what}_max"), Const(what + "_hi", length - 1)], null, $"{tag}/{what}_clip");
                    return (SpanMask.Inside(b, local, Const(what + "_zero", 0), Const(what + "_len", length), $"{tag}/{what}"), clipped);
                }
                var (inY, ly) = Local(iy, Start(region.Y, rows: true), rh, "ry");
                var (inX, lx) = Local(ix, Start(region.X, rows: false), rw, "rx");
                string inside = b.Node("And", [Rows(inY), Cols(inX)], null, tag + "/inside");                                   // [n, h, w]
                // Region cell (p, i, j) is row p·rh·rw + i·rw + j of the region's rows, and that plus
                // the cache's cells in a table of both.
                string pStride = b.Node("Mul", [PositionIndex(), Const("region_cells", (long)rh * rw)], null, tag + "/p_stride");   // [n, 1]
                string lyStride = b.Node("Mul", [ly, Const("region_width", rw)], null, tag + "/ly_stride");                          // [n, h]
                string RegionIndex(string rowBase) =>
                    b.Node("Add", [Rows(b.Node("Add", [lyStride, rowBase], null, tag + "/ry_index")), Cols(lx)], null, tag + "/region_index"); // [n, h, w]
                if ((long)paddedH * paddedW > BlendAbove * h * w)
                {
                    // A large cache (early layers): copying it into a table each batch would cost more
                    // than the windows themselves, so gather the two sources apart and blend them with
                    // a 0/1 mask (c·(1 − m) + r·m is exactly c or r; caches pad with finite values).
                    string cacheCells = b.Node("Gather", [table, index], null, tag + "/cache_gather", OnnxAttr.Int("axis", 0));
                    string regionCells = b.Node("Gather", [RegionRows(a.Value, channels), RegionIndex(pStride)], null, tag + "/region_gather", OnnxAttr.Int("axis", 0));
                    string m = b.Node("Cast", [b.Node("Unsqueeze", [inside, b.Int64s(tag + "/m_axes", [3])], null, tag + "/inside4")], null, tag + "/m",
                        OnnxAttr.Int("to", (int)TensorProto.Types.DataType.Float));
                    string keep = b.Node("Sub", [b.Constant(tag + "/one", ConstantTensor.Scalar(1f)), m], null, tag + "/keep");
                    string blended = b.Node("Add", [b.Node("Mul", [cacheCells, keep], null, tag + "/cache_part"), b.Node("Mul", [regionCells, m], null, tag + "/region_part")],
                        null, tag + "/blend");
                    BytesPerPosition += 4 * 4L * channels * h * w;
                    return b.Node("Transpose", [blended], null, tag + "/nchw", OnnxAttr.Ints("perm", 0, 3, 1, 2));
                }
                string first = b.Node("Add", [pStride, Const("cache_cells", (long)paddedH * paddedW)], null, tag + "/region_base"); // [n, 1]
                index = b.Node("Where", [inside, RegionIndex(first), index], null, tag + "/index");
                table = PastedTable(cache, table, a.Value, channels);
            }
            BytesPerPosition += 2 * 4L * channels * h * w;
            string gathered = b.Node("Gather", [table, index], null, tag + "/gather", OnnxAttr.Int("axis", 0));                   // [n, h, w, C]
            return b.Node("Transpose", [gathered], null, tag + "/nchw", OnnxAttr.Ints("perm", 0, 3, 1, 2));
        }

        /// <summary>[n, 1] int64: 0, 1, …, n − 1, each position's index in the batch.</summary>
        private string PositionIndex()
        {
            if (_positionIndex is not null) return _positionIndex;
            var b = _b;
            string n = b.Node("Squeeze", [_batch, b.Int64s("batch_axes", [0])], null, "batch_scalar");
            string range = b.Node("Range", [b.Int64Scalar("zero", 0), n, b.Int64Scalar("one", 1)], null, "position_index");
            _positionIndex = b.Node("Unsqueeze", [range, b.Int64s("position_index_axes", [1])], null, "position_index2");
            return _positionIndex;
        }

        private string? _positionIndex;

        /// <summary>
        /// Caches with more cells than this many windows' worth are blended rather than copied into
        /// a gather table each batch (about a batch's worth of windows: the two costs meet there).
        /// </summary>
        private const long BlendAbove = 64;
        private readonly Dictionary<string, string> _cacheTables = [];

        /// <summary>A cache as a table of channel vectors, [cells, C] (a free reshape).</summary>
        private string CacheTable(CacheSpec cache, int cells, int channels)
        {
            if (_cacheTables.TryGetValue(cache.InputName, out var name)) return name;
            name = _b.Node("Reshape", [cache.InputName, _b.Int64s(cache.InputName + "/table_shape", [cells, channels])], null, cache.InputName + "/table");
            _cacheTables[cache.InputName] = name;
            return name;
        }

        private readonly Dictionary<string, string> _pastedTables = [];

        /// <summary>The cache's rows followed by the batch's region rows, made once per cache and batch.</summary>
        private string PastedTable(CacheSpec cache, string table, string value, int channels)
        {
            if (_pastedTables.TryGetValue(cache.InputName, out var name)) return name;
            name = _b.Node("Concat", [table, RegionRows(value, channels)], null, cache.InputName + "/pasted_table", OnnxAttr.Int("axis", 0));
            _pastedTables[cache.InputName] = name;
            return name;
        }

        /// <summary>A changed region as rows of channel vectors, [n·h·w, C], made once per value.</summary>
        private string RegionRows(string value, int channels)
        {
            if (_regionRows.TryGetValue(value, out var name)) return name;
            string hwc = _b.Node("Transpose", [_region[value]], null, value + "/region_hwc", OnnxAttr.Ints("perm", 0, 2, 3, 1));
            name = _b.Node("Reshape", [hwc, _b.Int64s(value + "/region_rows_shape", [-1, channels])], null, value + "/region_rows");
            _regionRows[value] = name;
            return name;
        }
    }
}
