
namespace Krypton.Incremental;

/// <summary>How a merge (Add, Mul, Concat… of several changed values) combines its inputs' regions.</summary>
public enum MergeRule
{
    /// <summary>The bounding box of every changed input: correct, and what Krypton executes.</summary>
    BoundingBox,
    /// <summary>
    /// The region of the last changed input: the shortcut of KRYPTON's reference analysis scripts,
    /// which under-counts the work (and would give wrong heat maps if executed). Only for
    /// reproducing the published InceptionV3 rows (exact and τ); the published ResNet18 row
    /// needs <see cref="BoundingBox"/> at its Adds (with this rule it would read 10.4 at patch 4).
    /// </summary>
    LastInput,
}
