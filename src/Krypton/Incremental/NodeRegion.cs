using Krypton.Model;

namespace Krypton.Incremental;

/// <summary>One node's output under an occlusion patch.</summary>
/// <param name="Node">The node.</param>
/// <param name="Role">How its op treats regions.</param>
/// <param name="State">Whether its output is unchanged, changed locally or recomputed in full.</param>
/// <param name="Region">The changed region of its output when <see cref="State"/> is <see cref="RegionState.Local"/>.</param>
/// <param name="ReadWindow">For a sliding window in the local state: the input cells the recomputation reads.</param>
/// <param name="Capped">True when the projective-field cap trimmed this node's region.</param>
public sealed record NodeRegion(Node Node, RegionRole Role, RegionState State, ChangedRegion? Region, ChangedRegion? ReadWindow, bool Capped);
