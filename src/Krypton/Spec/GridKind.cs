namespace Krypton.Spec;

/// <summary>How patch positions are laid out over the input.</summary>
public enum GridKind
{
    /// <summary>
    /// Every pixel covered, as Captum's <c>Occlusion</c> places its windows: positions at k·s for
    /// k = 0 … ⌈(S − w) / s⌉ on each axis, the last one cut off at the border when (S − w) is not a
    /// multiple of s (the default).
    /// </summary>
    Full,

    /// <summary>
    /// KRYPTON's count (§1): ⌊(S − w + 1) / s⌋ positions per axis, each patch whole; the last rows and
    /// columns stay uncovered when (S − w + 1) is not a multiple of s. For reproducing the paper's numbers
    /// (2,704 positions at 224², patch 16, stride 4).
    /// </summary>
    Krypton,
}
