namespace Krypton.Explain;

/// <summary>One class's score on the unoccluded input.</summary>
public readonly record struct ClassScore(int Index, float Probability, float Logit);
