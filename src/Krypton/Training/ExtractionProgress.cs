namespace Krypton.Training;

/// <summary>Progress of a feature extraction: images done out of the total, and the rate so far.</summary>
public readonly record struct ExtractionProgress(string What, int Done, int Total, double ImagesPerSecond);
