using Krypton.Incremental;

namespace Krypton.Compilation;

/// <summary>
/// One read of a value over a window, assembled from its cache and its changed region; or, when
/// <paramref name="FromRegion"/>, the changed region itself (the window is exactly its cells,
/// common at merges), with no cache.
/// </summary>
internal sealed record WindowRead(PlanStep Step, int InputIndex, string Value, float PadValue, RegionPlan Window, bool FromRegion = false);
