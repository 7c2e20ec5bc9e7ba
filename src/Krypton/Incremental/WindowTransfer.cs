namespace Krypton.Incremental;

/// <summary>What happens to one sliding-window layer's output when its input changes in a region.</summary>
/// <param name="Output">The output cells to recompute (every other output keeps its cached value).</param>
/// <param name="ReadWindow">The input cells those outputs read; may run outside the input (padding).</param>
/// <param name="Capped">True when the projective-field cap shrank the region on some axis.</param>
public readonly record struct WindowTransfer(ChangedRegion Output, ChangedRegion ReadWindow, bool Capped);
