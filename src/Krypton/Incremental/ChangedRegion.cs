namespace Krypton.Incremental;

/// <summary>
/// A run of cells along one spatial axis: <see cref="Start"/> up to, not including,
/// <see cref="End"/>. A read window's start may be negative and its end may run past the
/// tensor: the cells outside are the layer's padding.
/// </summary>
/// <param name="Start">First cell.</param>
/// <param name="Length">Number of cells.</param>
public readonly record struct AxisSpan(int Start, int Length)
{
    /// <summary>One past the last cell.</summary>
    public int End => Start + Length;

    /// <summary>True when the span holds no cell.</summary>
    public bool IsEmpty => Length <= 0;

    /// <summary>True when the cell lies inside the span.</summary>
    public bool Contains(int cell) => cell >= Start && cell < End;

    /// <summary>True when the span lies inside [0, <paramref name="length"/>).</summary>
    public bool Within(int length) => Start >= 0 && End <= length;

    /// <summary>The smallest span holding both.</summary>
    public static AxisSpan Union(AxisSpan a, AxisSpan b)
    {
        int start = Math.Min(a.Start, b.Start);
        return new AxisSpan(start, Math.Max(a.End, b.End) - start);
    }

    /// <inheritdoc/>
    public override string ToString() => $"[{Start}, {End})";
}

/// <summary>
/// The spatial part of a feature map that differs from the unoccluded run: a rectangle of
/// <see cref="Y"/> rows by <see cref="X"/> columns, the same on every channel.
/// </summary>
/// <param name="Y">Rows (height axis).</param>
/// <param name="X">Columns (width axis).</param>
public readonly record struct ChangedRegion(AxisSpan Y, AxisSpan X)
{
    /// <summary>A region from its top-left corner and size.</summary>
    public ChangedRegion(int y, int x, int height, int width) : this(new AxisSpan(y, height), new AxisSpan(x, width)) { }

    /// <summary>Number of rows.</summary>
    public int Height => Y.Length;

    /// <summary>Number of columns.</summary>
    public int Width => X.Length;

    /// <summary>Number of spatial cells.</summary>
    public long Area => (long)Y.Length * X.Length;

    /// <summary>True when the region lies inside a map of the given size.</summary>
    public bool Within(int height, int width) => Y.Within(height) && X.Within(width);

    /// <summary>The smallest region holding both (how merges combine their inputs' changes).</summary>
    public static ChangedRegion BoundingBox(ChangedRegion a, ChangedRegion b) =>
        new(AxisSpan.Union(a.Y, b.Y), AxisSpan.Union(a.X, b.X));

    /// <inheritdoc/>
    public override string ToString() => $"rows {Y} × cols {X}";
}

/// <summary>What happens to one sliding-window layer's output when its input changes in a region.</summary>
/// <param name="Output">The output cells to recompute (every other output keeps its cached value).</param>
/// <param name="ReadWindow">The input cells those outputs read; may run outside the input (padding).</param>
/// <param name="Capped">True when the projective-field cap shrank the region on some axis.</param>
public readonly record struct WindowTransfer(ChangedRegion Output, ChangedRegion ReadWindow, bool Capped);

/// <summary>One axis of <see cref="WindowTransfer"/>.</summary>
/// <param name="Output">Output cells to recompute.</param>
/// <param name="Read">Input cells they read.</param>
/// <param name="Capped">True when the projective-field cap shrank the span.</param>
public readonly record struct AxisTransfer(AxisSpan Output, AxisSpan Read, bool Capped);
