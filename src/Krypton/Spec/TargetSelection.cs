namespace Krypton.Spec;

/// <summary>
/// Which outputs an experiment explains. However many there are, one sweep computes them all:
/// every occluded copy already yields every output, so several classes' maps cost about what one
/// costs (other tools sweep once per class).
/// </summary>
public sealed record TargetSelection
{
    private enum Kind { Top, Indices, All }

    private readonly Kind _kind;
    private readonly int _top;
    private readonly int[] _indices;

    private TargetSelection(Kind kind, int top, int[] indices) => (_kind, _top, _indices) = (kind, top, indices);

    /// <summary>The class the model predicts for the unoccluded image (the default).</summary>
    public static TargetSelection Predicted { get; } = new(Kind.Top, 1, []);

    /// <summary>Every output of the model, in index order.</summary>
    public static TargetSelection All { get; } = new(Kind.All, 0, []);

    /// <summary>The <paramref name="count"/> highest-scoring outputs of the unoccluded image, highest first.</summary>
    public static TargetSelection Top(int count) => count >= 1
        ? new(Kind.Top, count, [])
        : throw new KryptonException($"top {count}: the number of targets must be at least 1");

    /// <summary>These flattened output indices, in this order.</summary>
    public static TargetSelection Of(params int[] indices)
    {
        if (indices.Length == 0)
            throw new KryptonException("no target given");
        if (indices.FirstOrDefault(i => i < 0) is < 0 and var negative)
            throw new KryptonException($"target {negative} is negative: targets are indices into the flattened output");
        if (indices.GroupBy(i => i).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new KryptonException($"target {twice.Key} is listed twice");
        return new(Kind.Indices, 0, [.. indices]);
    }

    /// <summary>One output index.</summary>
    public static implicit operator TargetSelection(int index) => Of(index);

    /// <summary>Parses "K", "K,K,…", "topN", "predicted" or "all".</summary>
    public static TargetSelection Parse(string text)
    {
        string t = text.Trim().ToLowerInvariant();
        if (t == "predicted") return Predicted;
        if (t == "all") return All;
        if (t.StartsWith("top", StringComparison.Ordinal) && int.TryParse(t[3..].TrimStart(':', '-', ' '), out int n))
            return Top(n);
        var parts = t.Split(',', StringSplitOptions.TrimEntries);
        if (parts.All(p => int.TryParse(p, out _)))
            return Of(parts.Select(int.Parse).ToArray());
        throw new KryptonException($"target '{text}' is not an output index, a list of them (3,7), topN (top3), predicted or all");
    }

    /// <summary>How many targets this selects from a model with <paramref name="outputSize"/> outputs.</summary>
    public int Count(int outputSize) => _kind switch
    {
        Kind.Top => _top,
        Kind.Indices => _indices.Length,
        _ => outputSize,
    };

    /// <summary>True when the selection names the model's prediction or a single index: one map.</summary>
    public bool IsSingle => _kind == Kind.Top ? _top == 1 : _kind == Kind.Indices && _indices.Length == 1;

    /// <summary>Checks the selection against a model with <paramref name="outputSize"/> outputs.</summary>
    public void Validate(int outputSize)
    {
        foreach (int i in _indices)
            if (i >= outputSize)
                throw new KryptonException($"target {i} is out of range: the model has {outputSize} outputs (0 to {outputSize - 1})");
        if (_kind == Kind.Top && _top > outputSize)
            throw new KryptonException($"top{_top} asks for more targets than the model's {outputSize} outputs");
    }

    /// <summary>
    /// The output indices explained, in the order their maps are reported, and the primary one
    /// (the first, or the predicted class for <see cref="All"/>): the map the single-map outputs show.
    /// </summary>
    public (IReadOnlyList<int> Targets, int Primary) Resolve(float[] probabilities)
    {
        Validate(probabilities.Length);
        var byScore = Enumerable.Range(0, probabilities.Length).OrderByDescending(i => probabilities[i]).ThenBy(i => i);
        IReadOnlyList<int> targets = _kind switch
        {
            Kind.Top => byScore.Take(_top).ToList(),
            Kind.Indices => _indices,
            _ => Enumerable.Range(0, probabilities.Length).ToList(),
        };
        return (targets, _kind == Kind.All ? byScore.First() : targets[0]);
    }

    /// <summary>The selection as <see cref="Parse"/> reads it.</summary>
    public override string ToString() => _kind switch
    {
        Kind.Top => _top == 1 ? "predicted" : $"top{_top}",
        Kind.Indices => string.Join(',', _indices),
        _ => "all",
    };

    /// <inheritdoc/>
    public bool Equals(TargetSelection? other) => other is not null && ToString() == other.ToString();

    /// <inheritdoc/>
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
}
