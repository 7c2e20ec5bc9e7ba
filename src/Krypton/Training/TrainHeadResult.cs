namespace Krypton.Training;

/// <summary>What <see cref="TrainHeadJob.Run"/> did.</summary>
/// <param name="Fit">The head and its accuracy.</param>
/// <param name="TrainImages">Training images used.</param>
/// <param name="TestImages">Test images measured.</param>
/// <param name="Extraction">Time spent extracting (or reading cached) features.</param>
/// <param name="Total">Time of the whole job.</param>
public sealed record TrainHeadResult(HeadFit Fit, int TrainImages, int TestImages, TimeSpan Extraction, TimeSpan Total);
