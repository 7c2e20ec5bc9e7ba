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
