namespace Krypton.Spec;

/// <summary>The words for <see cref="GridKind"/>: "full" and "krypton".</summary>
public static class GridKinds
{
    /// <summary>The kind's word.</summary>
    public static string Name(GridKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>Parses "full" or "krypton" (any case).</summary>
    /// <exception cref="KryptonException">Another word.</exception>
    public static GridKind Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "full" => GridKind.Full,
        "krypton" => GridKind.Krypton,
        _ => throw KryptonException.Naming($"{Term.Grid} '{text.Trim()}' is not full (every pixel covered, as Captum) or krypton (KRYPTON's count)"),
    };
}
