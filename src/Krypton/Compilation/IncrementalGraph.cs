using Google.Protobuf;
using Krypton.Incremental;
using Krypton.Model;
using Krypton.Onnx;
using Krypton.Spec;

namespace Krypton.Compilation;

/// <summary>
/// Compiles an <see cref="IncrementalPlan"/> into ONNX (KRYPTON §2). Per local layer it assembles each
/// position's read window from the padded cache and the incoming changed region (one Gather of channel
/// vectors, <see cref="IncrementalEmitter"/>) and runs the layer with padding 0 on the whole batch; element-wise layers run on the regions only; merges run on bounding
/// boxes; at the first global op the regions are pasted into the cached map and the rest runs in full.
/// Region starts come from lookup tables that the plan computed with the region geometry, indexed by
/// the positions inside the graph: the host sends positions and receives target values, nothing else.
/// </summary>
public static class IncrementalGraph
{
    /// <summary>Compiles the plan's graphs for the value kind and precision.</summary>
    public static CompiledIncremental Compile(IncrementalPlan plan, ValueKind value, Precision precision = Precision.Fp32)
    {
        var layout = ReducedLayout.For(precision, plan.Graph);
        var reads = Reads(plan);
        var caches = CacheSpecs(plan, reads);
        var emitter = new IncrementalEmitter(plan, caches, precision, layout);
        byte[] incremental = emitter.Emit(reads, value);
        return new CompiledIncremental(CacheGraphFor(plan, caches, precision, layout), incremental, caches.Values.ToList(), emitter.BytesPerPosition,
            precision == Precision.Fp32 ? null : CalibrationGraph.Emit(plan.Graph, precision == Precision.Int8 ? layout : null));
    }


    /// <summary>Every window read the plan needs, step by step.</summary>
    private static List<WindowRead> Reads(IncrementalPlan plan)
    {
        var g = plan.Graph;
        var list = new List<WindowRead>();
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
                    list.Add(new WindowRead(step, 0, n.Inputs[0], n.Op is Pool { Kind: PoolKind.Max } ? float.MinValue : 0f, step.Read!));
                    break;
                case StepKind.Pad:
                    list.Add(new WindowRead(step, 0, n.Inputs[0], ((Pad)n.Op).Value, step.Read!));
                    break;
                case StepKind.Merge:
                    for (int i = 0; i < n.Inputs.Count; i++)
                        list.Add(new WindowRead(step, i, n.Inputs[i], 0f, step.Output!));
                    break;
                case StepKind.Full:
                    for (int i = 0; i < n.Inputs.Count; i++)
                    {
                        string v = n.Inputs[i];
                        if (state.TryGetValue(v, out var k) && k == StepKind.Full) continue;
                        if (g.ShapeOf(v).Length != 4)
                            throw new IncrementalNotSupportedException($"node '{n.Name}' reads '{v}', which is not a feature map, before any global op");
                        list.Add(new WindowRead(step, i, v, 0f, Whole(v)));
                    }
                    break;
            }
        }
        if (Changed(g.Output))
            list.Add(new WindowRead(new PlanStep(g.Nodes[^1], StepKind.Full, null, null), -1, g.Output, 0f, Whole(g.Output)));
        return list.Select(a => a with { FromRegion = Changed(a.Value) && plan.Regions[a.Value].SameCells(a.Window) }).ToList();
    }

    /// <summary>
    /// A sliding window whose change has spread over its whole input and output: it runs as it is,
    /// padding included, on the changed region (which is the whole map), with no gather and no cache.
    /// </summary>
    internal static bool RunsWhole(IncrementalPlan plan, PlanStep step) =>
        step.Kind == StepKind.Window
        && plan.Regions.TryGetValue(step.Node.Inputs[0], out var read) && read.Covers(plan.Graph.ShapeOf(step.Node.Inputs[0]))
        && step.Output!.Covers(plan.Graph.ShapeOf(step.Node.Output));

    private static Dictionary<(string, float), CacheSpec> CacheSpecs(IncrementalPlan plan, List<WindowRead> reads)
    {
        var caches = new Dictionary<(string, float), CacheSpec>();
        foreach (var group in reads.Where(r => !r.FromRegion).GroupBy(r => (r.Value, r.PadValue)))
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
    private static byte[] CacheGraphFor(IncrementalPlan plan, Dictionary<(string, float), CacheSpec> caches, Precision precision, ReducedLayout? layout)
    {
        var g = plan.Graph;
        var b = new OnnxGraphBuilder(weightFiles: true);
        ScoreHead.ReserveNames(b);
        string image = b.Input(ScoreHead.ImageInput, [1, g.Channels, g.Height, g.Width]);
        var emitter = new PrecisionEmitter(b, precision, layout);
        var names = emitter.EmitNetwork(g, image);
        foreach (var c in caches.Values)
        {
            var shape = g.ShapeOf(c.Value);
            string hwc = b.Node("Transpose", [names[c.Value]], null, c.InputName + "/hwc", OnnxAttr.Ints("perm", 0, 2, 3, 1));
            string squeezed = b.Node("Squeeze", [hwc, b.Int64s(c.InputName + "/axes", [0])], null, c.InputName + "/squeeze");
            b.Node("Pad", [squeezed, b.Int64s(c.InputName + "/pads", [c.PadTop, c.PadLeft, 0, c.PadBottom, c.PadRight, 0]),
                emitter.PadConstant(c.Value, c.PadValue, c.InputName)], c.InputName, c.InputName + "/pad");
            b.Output(c.InputName, [shape[2] + c.PadTop + c.PadBottom, shape[3] + c.PadLeft + c.PadRight, shape[1]], emitter.TypeOf(c.Value));
        }
        ScoreHead.Emit(b, emitter.Float(names[g.Output], g.Output), g, ValueKind.Probability, null);
        return b.Build($"caches of {g.Name} for incremental occlusion").ToByteArray();
    }
}
