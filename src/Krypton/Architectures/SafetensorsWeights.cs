
namespace Krypton.Architectures;

/// <summary>
/// Weights from a safetensors file whose tensor names are torchvision's state-dict keys
/// (e.g. <c>features.0.weight</c>, <c>layer1.0.bn1.running_var</c>). <c>num_batches_tracked</c>
/// and <c>AuxLogits.*</c> entries are ignored; any other tensor the network does not use is an error,
/// as in PyTorch's strict loading, because it means the file is for another architecture.
/// </summary>
/// <param name="Path">Path of the .safetensors file.</param>
public sealed record SafetensorsWeights(string Path) : WeightSource
{
    internal override IParameterSupply Open() => new Supply(SafetensorsFile.Open(Path));

    private sealed class Supply(SafetensorsFile file) : IParameterSupply
    {
        private readonly HashSet<string> _taken = [];

        public float[] Take(string name, int[] shape, ParameterRole role, int fanIn)
        {
            if (!file.Contains(name))
                throw new KryptonException($"weights file '{file.Path}' has no tensor '{name}' (shape [{string.Join(",", shape)}])");
            var actual = file.ShapeOf(name);
            if (!actual.SequenceEqual(shape))
                throw new KryptonException($"tensor '{name}' in '{file.Path}' has shape [{string.Join(",", actual)}], the network needs [{string.Join(",", shape)}]");
            _taken.Add(name);
            return file.ReadFloats(name);
        }

        public void Finish(string modelName)
        {
            var unused = file.Names
                .Where(n => !_taken.Contains(n) && !n.EndsWith(".num_batches_tracked", StringComparison.Ordinal) && !n.StartsWith("AuxLogits.", StringComparison.Ordinal))
                .ToList();
            if (unused.Count > 0)
                throw new KryptonException($"weights file '{file.Path}' has {unused.Count} tensor(s) that {modelName} does not use, e.g. '{string.Join("', '", unused.Take(3))}': is it for another architecture?");
        }
    }
}
