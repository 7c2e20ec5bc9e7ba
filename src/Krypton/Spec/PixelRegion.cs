namespace Krypton.Spec;

/// <summary>A rectangle of the input in pixels: rows [Y, Y+Height), columns [X, X+Width).</summary>
public sealed record PixelRegion(int Y, int X, int Height, int Width)
{
    /// <summary>Parses "y,x,h,w".</summary>
    public static PixelRegion Parse(string text)
    {
        var p = text.Split(',');
        if (p.Length == 4 && p.All(s => int.TryParse(s.Trim(), out _)))
        {
            var v = p.Select(s => int.Parse(s.Trim())).ToArray();
            if (v[2] > 0 && v[3] > 0 && v[0] >= 0 && v[1] >= 0)
                return new PixelRegion(v[0], v[1], v[2], v[3]);
        }
        throw new KryptonException($"region '{text}' is not y,x,height,width with non-negative origin and positive size");
    }

    /// <summary>True when the rectangle [y, y+h) × [x, x+w) overlaps this region.</summary>
    public bool Overlaps(int y, int x, int h, int w) => y < Y + Height && Y < y + h && x < X + Width && X < x + w;

    /// <summary>True when the two regions share a pixel.</summary>
    public bool Overlaps(PixelRegion other) => Overlaps(other.Y, other.X, other.Height, other.Width);
}
