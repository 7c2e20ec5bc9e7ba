namespace Krypton.Incremental;

/// <summary>One axis of <see cref="WindowTransfer"/>.</summary>
/// <param name="Output">Output cells to recompute.</param>
/// <param name="Read">Input cells they read.</param>
/// <param name="Capped">True when the projective-field cap shrank the span.</param>
public readonly record struct AxisTransfer(AxisSpan Output, AxisSpan Read, bool Capped);
