
namespace Krypton.Incremental;

/// <summary>The model cannot run incrementally; the reason says why (the run falls back to naive).</summary>
public sealed class IncrementalNotSupportedException(string reason) : KryptonException(reason);
