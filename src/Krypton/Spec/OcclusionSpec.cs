namespace Krypton.Spec;

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
/// <param name="GridKind">How the grid lays out positions: every pixel covered (the default, as Captum) or KRYPTON's count.</param>
public sealed record OcclusionSpec(
    Size2 Patch,
    Size2 Stride,
    Fill Fill,
    TargetSelection? Target = null,
    ValueKind Value = ValueKind.Probability,
    PixelRegion? RegionOfInterest = null,
    IReadOnlyList<(int Y, int X)>? Positions = null,
    GridKind GridKind = GridKind.Full)
{
    /// <summary>The grid of this spec's positions over an input of the given size.</summary>
    public OcclusionGrid GridFor(int height, int width) => new(height, width, Patch, Stride, GridKind);

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

    /// <summary>Checks what needs no input: the patch and the stride are positive.</summary>
    /// <exception cref="KryptonException">One is not.</exception>
    public void Validate()
    {
        Patch.CheckPositive(Term.Patch);
        Stride.CheckPositive(Term.Stride);
    }

    /// <summary>Checks the spec against an input of the given size.</summary>
    /// <exception cref="KryptonException">It does not fit.</exception>
    public void Validate(int height, int width)
    {
        Validate();
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
