namespace Krypton.Spec;

/// <summary>Height and width of the occluding patch, or of a stride, in input pixels.</summary>
public readonly record struct Size2(int Height, int Width)
{
    /// <summary>A square size.</summary>
    public static Size2 Square(int n) => new(n, n);

    /// <summary>Parses "N" or "HxW" (also "H×W").</summary>
    public static Size2 Parse(string text, string what)
    {
        var parts = text.Trim().ToLowerInvariant().Split('x', '×');
        if (parts.Length is 1 or 2 && parts.All(p => int.TryParse(p, out _)))
        {
            int h = int.Parse(parts[0]);
            int w = parts.Length == 2 ? int.Parse(parts[1]) : h;
            return new Size2(h, w);
        }
        throw new KryptonException($"{what} '{text}' is not a size: use N or HxW (for example 16 or 16x8)");
    }

    /// <summary>Checks that both sides are positive; a message names the size as <paramref name="what"/>.</summary>
    /// <exception cref="KryptonException">A side is zero or negative.</exception>
    public void CheckPositive(Term what)
    {
        if (Height <= 0 || Width <= 0)
            throw KryptonException.Naming($"{what} {this} must be positive");
    }

    /// <inheritdoc/>
    public override string ToString() => Height == Width ? $"{Height}" : $"{Height}x{Width}";
}
