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

    /// <inheritdoc/>
    public override string ToString() => Height == Width ? $"{Height}" : $"{Height}x{Width}";
}

/// <summary>What the heat map records at each position.</summary>
public enum ValueKind
{
    /// <summary>Probability of the target class under occlusion: the model's own softmax or sigmoid when it ends with one, a sigmoid of a single output, else a softmax of the outputs.</summary>
    Probability,
    /// <summary>The target's raw output (the logit, before any final softmax or sigmoid).</summary>
    Logit,
    /// <summary>Probability of the target without occlusion minus with it: high where the region matters.</summary>
    Drop,
}

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
}

/// <summary>
/// What the user wants explained: the declarative part of an occlusion experiment
/// (KRYPTON §1). How it is computed is the plan's business.
/// </summary>
/// <param name="Patch">Patch size in input pixels.</param>
/// <param name="Stride">Vertical and horizontal stride between positions.</param>
/// <param name="Fill">What the patch is filled with.</param>
/// <param name="Target">The outputs to explain (an index converts: <c>Target: 3</c>; or <see cref="TargetSelection.Top"/>, <see cref="TargetSelection.All"/>, a list); null for the class the model predicts. Several targets come from one sweep.</param>
/// <param name="Value">What each cell records.</param>
/// <param name="RegionOfInterest">When set, only positions whose patch overlaps it are computed; the others are NaN.</param>
/// <param name="Positions">When set, exactly these patch positions (top-left corners, any pixel) instead of the grid: interactive use.</param>
public sealed record OcclusionSpec(
    Size2 Patch,
    Size2 Stride,
    Fill Fill,
    TargetSelection? Target = null,
    ValueKind Value = ValueKind.Probability,
    PixelRegion? RegionOfInterest = null,
    IReadOnlyList<(int Y, int X)>? Positions = null)
{
    /// <summary>Parses "y,x;y,x;…" (patch top-left corners).</summary>
    public static IReadOnlyList<(int Y, int X)> ParsePositions(string text)
    {
        var list = new List<(int, int)>();
        foreach (var item in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var p = item.Split(',');
            if (p.Length != 2 || !int.TryParse(p[0].Trim(), out int y) || !int.TryParse(p[1].Trim(), out int x))
                throw new KryptonException($"position '{item}' is not y,x (positions are separated by ';')");
            list.Add((y, x));
        }
        if (list.Count == 0)
            throw new KryptonException("no positions given");
        return list;
    }

    /// <summary>The usual experiment: patch 16, stride 4, gray fill, predicted class, probability.</summary>
    public static OcclusionSpec Default { get; } = new(Size2.Square(16), Size2.Square(4), Fill.Gray);

    /// <summary>Checks the spec against an input of the given size.</summary>
    public void Validate(int height, int width)
    {
        if (Patch.Height <= 0 || Patch.Width <= 0)
            throw new KryptonException($"patch {Patch} must be positive");
        if (Stride.Height <= 0 || Stride.Width <= 0)
            throw new KryptonException($"stride {Stride} must be positive");
        if (Patch.Height > height || Patch.Width > width)
            throw new KryptonException($"patch {Patch} is larger than the {height}x{width} input");
        if (RegionOfInterest is { } r && (r.Y >= height || r.X >= width))
            throw new KryptonException($"region of interest starts outside the {height}x{width} input");
        if (Positions is not null)
            foreach (var (y, x) in Positions)
                if (y < 0 || x < 0 || y + Patch.Height > height || x + Patch.Width > width)
                    throw new KryptonException($"a patch {Patch} at ({y}, {x}) does not fit the {height}x{width} input");
    }
}
