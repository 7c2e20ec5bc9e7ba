
namespace Krypton.Incremental;

/// <summary>How a node's op treats changed regions.</summary>
public enum RegionRole
{
    /// <summary>Cell by cell: the region passes through (activations, batch norm, constants, identity).</summary>
    ElementWise,
    /// <summary>A sliding window (convolution, pooling): the region grows (KRYPTON §2).</summary>
    Window,
    /// <summary>Explicit padding: the region shifts.</summary>
    Pad,
    /// <summary>Several values meet (Add, Mul, Concat on channels): the regions merge.</summary>
    Merge,
    /// <summary>Every output depends on every input cell (global pooling, Gemm, reshapes, softmax): full inference from here on.</summary>
    Global,
}
