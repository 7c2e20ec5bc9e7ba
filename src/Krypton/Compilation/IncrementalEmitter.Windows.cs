using Krypton.Incremental;
using Krypton.Model;
using Krypton.Onnx;
using Krypton.Onnx.Proto;

namespace Krypton.Compilation;

/// <summary>
/// How the incremental graph reads a window: each position's rows and columns from the plan's
/// start tables, and the window's cells gathered from one table of channel vectors that holds the
/// padded cache and the batch's changed regions.
/// </summary>
internal sealed partial class IncrementalEmitter
{
    private readonly Dictionary<string, string> _regionRows = [];

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
    private string Assemble(WindowRead a)
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
                string inside4 = b.Node("Unsqueeze", [inside, b.Int64s(tag + "/m_axes", [3])], null, tag + "/inside4");   // [n, h, w, 1]
                if (_v.IsStored(a.Value))
                {
                    // uint8 codes or float16: a choice, not arithmetic.
                    string chosen = b.Node("Where", [inside4, regionCells, cacheCells], null, tag + "/blend");
                    BytesPerPosition += 3L * ElementBytes(a.Value) * channels * h * w;
                    return b.Node("Transpose", [chosen], null, tag + "/nchw", OnnxAttr.Ints("perm", 0, 3, 1, 2));
                }
                string m = b.Node("Cast", [inside4], null, tag + "/m", OnnxAttr.Int("to", (int)TensorProto.Types.DataType.Float));
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
        BytesPerPosition += 2L * ElementBytes(a.Value) * channels * h * w;
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
