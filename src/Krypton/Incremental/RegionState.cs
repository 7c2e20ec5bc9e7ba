
namespace Krypton.Incremental;

/// <summary>How a value differs from the unoccluded run.</summary>
public enum RegionState
{
    /// <summary>The value equals the cached one.</summary>
    Unchanged,
    /// <summary>The value differs only inside a changed region.</summary>
    Local,
    /// <summary>The value is recomputed in full (from the first global op on).</summary>
    Full,
}
