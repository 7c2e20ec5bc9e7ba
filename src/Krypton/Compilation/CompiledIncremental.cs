namespace Krypton.Compilation;

/// <summary>The two graphs of incremental inference for one model, patch size and τ.</summary>
/// <param name="CacheGraph">Runs the model once on the image [1, C, H, W] and outputs every cache, the logits and the probabilities.</param>
/// <param name="IncrementalGraph">Takes a batch of positions, the fill, the targets and the caches; outputs the target values.</param>
/// <param name="Caches">The caches, in the order the cache graph outputs them.</param>
/// <param name="BytesPerPosition">Estimated working memory of one position in a batch.</param>
/// <param name="CalibrationGraph">In a precision other than float32, the float32 reference (<see cref="Compilation.CalibrationGraph"/>): the model's own scores, which choose the target, and in int8 the image's scales, which the other two take as an input; null in float32.</param>
public sealed record CompiledIncremental(byte[] CacheGraph, byte[] IncrementalGraph, IReadOnlyList<CacheSpec> Caches, long BytesPerPosition, byte[]? CalibrationGraph = null);
