namespace Krypton.Compilation;

/// <summary>
/// A cached feature map as the incremental graph reads it: the unoccluded value of
/// <see cref="Value"/>, channels last ([H + pads, W + pads, C]) so that a gather picks whole
/// channel vectors, padded once with <see cref="PadValue"/> so that reads outside the map need
/// no bounds logic (zero for convolutions, −∞ for max pooling, the constant for explicit pads).
/// An int8 graph holds it as the value is held there (<see cref="ReducedLayout.IsStored"/>), the pad value as its code.
/// </summary>
public sealed record CacheSpec(string InputName, string Value, float PadValue, int PadTop, int PadLeft, int PadBottom, int PadRight);
