namespace Krypton.Tuning;

/// <summary>Progress of a tuning run: a line of text per step.</summary>
public readonly record struct TuneProgress(int Done, int Total, string Step);
