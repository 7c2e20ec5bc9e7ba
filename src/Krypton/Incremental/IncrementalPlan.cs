using Krypton.Model;

namespace Krypton.Incremental;

/// <summary>
/// KRYPTON's incremental inference (§2), planned for a model and a patch size: every node's
/// changed region as a fixed size and a start per patch offset (computed with
/// <see cref="RegionGeometry"/> and <see cref="RegionPropagation"/>, nothing else), and where
/// the first global op switches to full inference. The graph compiler turns this into ONNX.
/// </summary>
public sealed class IncrementalPlan
{
    private IncrementalPlan(ModelGraph graph, int patchHeight, int patchWidth, double tau, RegionPlan input,
        IReadOnlyList<PlanStep> steps, IReadOnlyDictionary<string, RegionPlan> regions)
    {
        Graph = graph;
        PatchHeight = patchHeight;
        PatchWidth = patchWidth;
        Tau = tau;
        Input = input;
        Steps = steps;
        Regions = regions;
    }

    /// <summary>The model.</summary>
    public ModelGraph Graph { get; }

    /// <summary>Patch height.</summary>
    public int PatchHeight { get; }

    /// <summary>Patch width.</summary>
    public int PatchWidth { get; }

    /// <summary>Projective-field threshold (1 for exact inference).</summary>
    public double Tau { get; }

    /// <summary>The patch's region on the input image.</summary>
    public RegionPlan Input { get; }

    /// <summary>One step per node, in node order.</summary>
    public IReadOnlyList<PlanStep> Steps { get; }

    /// <summary>The changed region of every locally changed value (the input included).</summary>
    public IReadOnlyDictionary<string, RegionPlan> Regions { get; }

    /// <summary>
    /// Patch origins along the height axis that the plan's tables cover: every row of the input (H).
    /// A patch starting below H − h is cut off at the border; its regions are those of the whole
    /// patch flush with the border, which contains it (the graph fills only the cells it covers).
    /// </summary>
    public int RowOffsets => Graph.Height;

    /// <summary>Patch origins along the width axis that the plan's tables cover: every column (W).</summary>
    public int ColumnOffsets => Graph.Width;

    /// <summary>Plans incremental inference for a model and a patch size.</summary>
    /// <exception cref="IncrementalNotSupportedException">Some part of the model has no incremental form.</exception>
    public static IncrementalPlan Build(ModelGraph graph, int patchHeight, int patchWidth, double tau = 1.0)
    {
        if (graph.OpaqueReason is { } opaque)
            throw new IncrementalNotSupportedException($"the model is run as one opaque network ({opaque})");
        if (graph.Nodes.Count == 0)
            throw new IncrementalNotSupportedException("the model has no layer before its final activation: there is nothing to compute incrementally");
        int h = graph.Height, w = graph.Width;
        if (patchHeight > h || patchWidth > w || patchHeight < 1 || patchWidth < 1)
            throw new KryptonException($"patch {patchHeight}x{patchWidth} does not fit the {h}x{w} input");

        // Rows and columns are independent: sweep the patch down the first column and along the
        // first row, and read each node's row span from the first sweep and column span from the second.
        var rowSweep = Enumerable.Range(0, h - patchHeight + 1)
            .Select(y => RegionPropagation.Propagate(graph, new ChangedRegion(y, 0, patchHeight, patchWidth), tau)).ToList();
        var colSweep = Enumerable.Range(0, w - patchWidth + 1)
            .Select(x => RegionPropagation.Propagate(graph, new ChangedRegion(0, x, patchHeight, patchWidth), tau)).ToList();

        var regions = new Dictionary<string, RegionPlan>
        {
            [graph.InputName] = new RegionPlan(
                new AxisPlan(patchHeight, ToBorder(Enumerable.Range(0, h - patchHeight + 1).ToArray(), h)),
                new AxisPlan(patchWidth, ToBorder(Enumerable.Range(0, w - patchWidth + 1).ToArray(), w))),
        };
        var steps = new List<PlanStep>(graph.Nodes.Count);
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            var node = graph.Nodes[i];
            var state = rowSweep[0][i].State;
            if (rowSweep.Concat(colSweep).Any(p => p[i].State != state))
                throw new IncrementalNotSupportedException($"node '{node.Name}' changes or not depending on the patch position");
            if (state == RegionState.Full)
            {
                steps.Add(new PlanStep(node, StepKind.Full, null, null));
                continue;
            }
            if (state == RegionState.Unchanged)
            {
                steps.Add(new PlanStep(node, StepKind.Unchanged, null, null));
                continue;
            }
            var shape = graph.ShapeOf(node.Output);
            var output = new RegionPlan(
                Widened(rowSweep.Select(p => p[i].Region!.Value.Y), shape[2], h),
                Widened(colSweep.Select(p => p[i].Region!.Value.X), shape[3], w));
            regions[node.Output] = output;
            steps.Add(StepFor(graph, node, rowSweep[0][i].Role, output));
        }
        return new IncrementalPlan(graph, patchHeight, patchWidth, tau, regions[graph.InputName], steps, regions);
    }

    /// <summary>
    /// The same spans made one length (the longest), each widened inside the map, for the patch's
    /// whole origins; then for the cut-off origins up to <paramref name="origins"/> (<see cref="ToBorder"/>).
    /// </summary>
    private static AxisPlan Widened(IEnumerable<AxisSpan> spans, int dimension, int origins)
    {
        var list = spans.ToList();
        int length = list.Max(s => s.Length);
        return new AxisPlan(length, ToBorder(list.Select(s => RegionGeometry.Widen(s, length, dimension).Start).ToArray(), origins));
    }

    /// <summary>
    /// Starts for every origin 0 … <paramref name="origins"/> − 1: a patch cut off at the border
    /// changes a part of what the whole patch flush with the border changes, so it takes that patch's
    /// region (the last start).
    /// </summary>
    private static int[] ToBorder(int[] starts, int origins) =>
        [.. starts, .. Enumerable.Repeat(starts[^1], origins - starts.Length)];

    private static PlanStep StepFor(ModelGraph graph, Node node, RegionRole role, RegionPlan output)
    {
        switch (role)
        {
            case RegionRole.ElementWise:
                var constant = node.Op switch { Binary b => b.Constant, PRelu p => p.Slope, _ => null };
                if (constant is { } c && c.Shape.Length >= 2 && c.Shape[^2..].Any(d => d != 1))
                    throw new IncrementalNotSupportedException($"node '{node.Name}' ({node.Op.TypeName}) has a constant that varies over space");
                return new PlanStep(node, StepKind.ElementWise, output, null);
            case RegionRole.Window:
            {
                var window = node.Op switch
                {
                    Conv conv => conv.Window,
                    Pool pool => pool.Window,
                    _ => throw new IncrementalNotSupportedException($"node '{node.Name}' has no window"),
                };
                var read = new RegionPlan(
                    ReadAxis(output.Y, window.EffectiveKernelH, window.StrideH, window.PadTop),
                    ReadAxis(output.X, window.EffectiveKernelW, window.StrideW, window.PadLeft));
                return new PlanStep(node, StepKind.Window, output, read);
            }
            case RegionRole.Merge:
                return new PlanStep(node, StepKind.Merge, output, null);
            case RegionRole.Pad:
            {
                var pad = (Pad)node.Op;
                if (pad.Mode != PadMode.Constant)
                    throw new IncrementalNotSupportedException($"node '{node.Name}' pads in {pad.Mode} mode; only constant padding runs incrementally");
                var read = new RegionPlan(
                    new AxisPlan(output.Y.Length, output.Y.Starts.Select(s => s - pad.Pads[2]).ToArray()),
                    new AxisPlan(output.X.Length, output.X.Starts.Select(s => s - pad.Pads[3]).ToArray()));
                return new PlanStep(node, StepKind.Pad, output, read);
            }
            default:
                throw new IncrementalNotSupportedException($"node '{node.Name}' ({node.Op.TypeName}) has no incremental form");
        }
    }

    private static AxisPlan ReadAxis(AxisPlan output, int kernel, int stride, int padBegin)
    {
        var spans = output.Starts.Select(s => RegionGeometry.ReadSpan(new AxisSpan(s, output.Length), kernel, stride, padBegin)).ToList();
        return new AxisPlan(spans[0].Length, spans.Select(s => s.Start).ToArray());
    }

    /// <summary>Multiply-adds of one position's incremental inference (the plan's cost).</summary>
    public long MultiplyAdds()
    {
        long total = 0;
        foreach (var step in Steps)
        {
            var n = step.Node;
            var ins = n.Inputs.Select(Graph.ShapeOf).ToList();
            var outShape = Graph.ShapeOf(n.Output);
            total += step.Kind switch
            {
                StepKind.Full => n.Op.MultiplyAdds(ins, outShape),
                StepKind.Unchanged => 0,
                _ => n.Op.MultiplyAdds(ins, [outShape[0], outShape[1], step.Output!.Y.Length, step.Output.X.Length]),
            };
        }
        return total;
    }

    /// <summary>Layers (graph nodes) that one incremental inference call computes: every step but the unchanged ones.</summary>
    public int ComputedLayers => Steps.Count(s => s.Kind != StepKind.Unchanged);
}
