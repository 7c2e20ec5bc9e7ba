using Krypton.Model;

namespace Krypton.Incremental;

/// <summary>
/// Walks a model graph in node order, carrying the patch's changed region through every node
/// with <see cref="RegionGeometry"/>. From the first global op on, every node is
/// <see cref="RegionState.Full"/> (KRYPTON pastes into the cache there and runs the rest in full).
/// </summary>
public static class RegionPropagation
{
    /// <summary>The region role of an op (the closed op set makes this total).</summary>
    public static RegionRole RoleOf(Op op) => op switch
    {
        Conv or Pool => RegionRole.Window,
        Activation or BatchNorm or Identity or Lrn or PRelu or ChannelSlice or ChannelPermutation or ChannelPool => RegionRole.ElementWise,
        Binary { Constant: not null } => RegionRole.ElementWise,
        Binary => RegionRole.Merge,
        Concat c => c.Axis == 1 || c.Axis == -3 ? RegionRole.Merge : RegionRole.Global,
        Pad => RegionRole.Pad,
        _ => RegionRole.Global,
    };

    /// <summary>Carries <paramref name="patch"/> (a region of the input image) through the graph.</summary>
    /// <param name="graph">The model.</param>
    /// <param name="patch">The changed region of the input image.</param>
    /// <param name="tau">Projective-field threshold τ ∈ (0, 1]; 1 is exact inference.</param>
    /// <param name="mergeRule">How merges combine regions.</param>
    /// <returns>One entry per node, in node order.</returns>
    public static IReadOnlyList<NodeRegion> Propagate(ModelGraph graph, ChangedRegion patch, double tau = 1.0, MergeRule mergeRule = MergeRule.BoundingBox)
    {
        if (!patch.Within(graph.Height, graph.Width) || patch.Area == 0)
            throw new KryptonException($"patch region {patch} does not lie inside the {graph.Height}×{graph.Width} input");
        RegionGeometry.ProjectiveFieldCap(tau, 1); // validates τ

        var states = new Dictionary<string, (RegionState State, ChangedRegion? Region)>
        {
            [graph.InputName] = (RegionState.Local, patch),
        };
        var result = new List<NodeRegion>(graph.Nodes.Count);
        bool global = false;
        foreach (var node in graph.Nodes)
        {
            var role = RoleOf(node.Op);
            var ins = node.Inputs.Select(i => states[i]).ToList();
            var outShape = graph.ShapeOf(node.Output);
            NodeRegion entry;
            if (role == RegionRole.Global)
                global = true;
            if (global || ins.Any(s => s.State == RegionState.Full))
                entry = new NodeRegion(node, role, RegionState.Full, null, null, false);
            else if (ins.All(s => s.State == RegionState.Unchanged))
                entry = new NodeRegion(node, role, RegionState.Unchanged, null, null, false);
            else
                entry = Local(graph, node, role, ins, outShape, tau, mergeRule);
            states[node.Output] = (entry.State, entry.Region);
            result.Add(entry);
        }
        return result;
    }

    private static NodeRegion Local(ModelGraph graph, Node node, RegionRole role,
        List<(RegionState State, ChangedRegion? Region)> ins, int[] outShape, double tau, MergeRule mergeRule)
    {
        var inShape = graph.ShapeOf(node.Inputs[0]);
        switch (role)
        {
            case RegionRole.ElementWise:
                return new NodeRegion(node, role, RegionState.Local, ins[0].Region, null, false);
            case RegionRole.Window:
            {
                var w = node.Op switch
                {
                    Conv c => c.Window,
                    Pool p => p.Window,
                    _ => throw new InvalidOperationException("window role without a window"),
                };
                var t = RegionGeometry.ThroughWindow(ins[0].Region!.Value, w, outShape[2], outShape[3], tau);
                return new NodeRegion(node, role, RegionState.Local, t.Output, t.ReadWindow, t.Capped);
            }
            case RegionRole.Pad:
            {
                var r = RegionGeometry.ThroughPad(ins[0].Region!.Value, inShape[2], inShape[3], (Pad)node.Op);
                return r is null
                    ? new NodeRegion(node, role, RegionState.Unchanged, null, null, false)
                    : new NodeRegion(node, role, RegionState.Local, r, null, false);
            }
            case RegionRole.Merge:
            {
                ChangedRegion? merged = null;
                for (int i = 0; i < ins.Count; i++)
                {
                    if (ins[i].State != RegionState.Local) continue;
                    var s = graph.ShapeOf(node.Inputs[i]);
                    // A changed input broadcast along a spatial axis changes every output cell.
                    if (s.Length != 4 || outShape.Length != 4 || s[2] != outShape[2] || s[3] != outShape[3])
                        return new NodeRegion(node, role, RegionState.Full, null, null, false);
                    var r = ins[i].Region!.Value;
                    merged = merged is null || mergeRule == MergeRule.LastInput ? r : ChangedRegion.BoundingBox(merged.Value, r);
                }
                return new NodeRegion(node, role, RegionState.Local, merged, null, false);
            }
            default:
                throw new InvalidOperationException($"role {role} has no local rule");
        }
    }
}
