namespace Krypton.Incremental;

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
