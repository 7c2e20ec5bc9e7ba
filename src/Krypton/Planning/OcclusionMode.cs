namespace Krypton.Planning;

/// <summary>
/// How positions are evaluated: the one mode vocabulary from the request (what is asked) through
/// the plan (what runs, after any fallback) to the result.
/// </summary>
public enum OcclusionMode
{
    /// <summary>One full inference per position, batched.</summary>
    Naive,
    /// <summary>KRYPTON's incremental inference: only the region each patch reaches is recomputed; the same heat map.</summary>
    Exact,
}
