
namespace Krypton.Data;

/// <summary>Which part of Fashion-MNIST: the 60,000 training images or the official 10,000 test images.</summary>
public enum DataSplit
{
    /// <summary>The training split (train-*).</summary>
    Train,
    /// <summary>The official test split (t10k-*).</summary>
    Test,
}
