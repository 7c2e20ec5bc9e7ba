
namespace Krypton.Incremental;

/// <summary>What the incremental graph computes for one node.</summary>
public enum StepKind
{
    /// <summary>The output equals the cached one: nothing to compute.</summary>
    Unchanged,
    /// <summary>Element-wise op on the input's region tensor.</summary>
    ElementWise,
    /// <summary>Sliding window on the read window assembled from the cache and the incoming region.</summary>
    Window,
    /// <summary>Merge of inputs, each assembled over the output region.</summary>
    Merge,
    /// <summary>Constant padding: the input assembled over the shifted region, padding cells filled.</summary>
    Pad,
    /// <summary>Full inference on whole (pasted) tensors, from the first global op on.</summary>
    Full,
}
