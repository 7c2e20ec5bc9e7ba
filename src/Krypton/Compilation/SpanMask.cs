using Krypton.Onnx;

namespace Krypton.Compilation;

/// <summary>
/// Masks from index comparisons, built in the graph: which cells of a window lie inside a span,
/// per axis, and their outer product over rows and columns. The naive patch mask, the average-pool
/// counting mask and the incremental graph's paste of a region into its read window all use these.
/// </summary>
internal static class SpanMask
{
    /// <summary>Boolean <c>low ≤ index &lt; high</c>, broadcast (all three are tensor names).</summary>
    public static string Inside(OnnxGraphBuilder b, string index, string low, string high, string name)
    {
        string ge = b.Node("GreaterOrEqual", [index, low], null, name + "_ge");
        string lt = b.Node("Less", [index, high], null, name + "_lt");
        return b.Node("And", [ge, lt], null, name + "_inside");
    }

    /// <summary>[n, 1, h, w] boolean: row mask [n, h] and column mask [n, w] both true.</summary>
    public static string Grid(OnnxGraphBuilder b, string rows, string columns, string name)
    {
        string rows4 = b.Node("Unsqueeze", [rows, b.Int64s(name + "_rows.axes", [1, 3])], null, name + "_rows4");
        string columns4 = b.Node("Unsqueeze", [columns, b.Int64s(name + "_cols.axes", [1, 2])], null, name + "_cols4");
        return b.Node("And", [rows4, columns4], null, name);
    }
}
