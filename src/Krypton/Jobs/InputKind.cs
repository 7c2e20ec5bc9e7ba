namespace Krypton.Jobs;

/// <summary>The kinds of input a job reads: pictures (normalized), preprocessed tensors (used as is), or both (a folder of each).</summary>
[Flags]
public enum InputKind
{
    /// <summary>Pictures: PNG, JPEG, BMP, WebP, TIFF.</summary>
    Picture = 1,
    /// <summary>Preprocessed tensors (.npy), used as is.</summary>
    Tensor = 2,
}
