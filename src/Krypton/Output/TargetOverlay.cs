namespace Krypton.Output;

/// <summary>One more target's overlay for the report.</summary>
/// <param name="Target">The output index.</param>
/// <param name="ValueLabel">What its values mean, with units.</param>
/// <param name="Png">The overlay (<see cref="OverlayRenderer"/>), PNG.</param>
public sealed record TargetOverlay(int Target, string ValueLabel, byte[] Png);
