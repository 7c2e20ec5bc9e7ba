using System.Text;

namespace Krypton.Architectures;

/// <summary>
/// Seeded random weights: He (Kaiming) uniform for convolution and linear weights, so that
/// activations neither explode nor vanish through ReLU layers; PyTorch's default uniform bias;
/// batch norms close to identity (γ≈1, β≈0, mean≈0, variance≈1) with a little jitter so they
/// still compute something. Each tensor's values depend only on the seed and the tensor's name,
/// so the same seed gives bit-identical weights however the network is built.
/// </summary>
/// <param name="Seed">Seed of the generator.</param>
public sealed record RandomWeights(int Seed = 0) : WeightSource
{
    internal override IParameterSupply Open() => new Supply(Seed);

    private sealed class Supply(int seed) : IParameterSupply
    {
        public float[] Take(string name, int[] shape, ParameterRole role, int fanIn)
        {
            long count = shape.Aggregate(1L, (p, d) => p * d);
            var data = GC.AllocateUninitializedArray<float>(checked((int)count));
            // Uniform(−a, a) has variance a²/3: a = √(6/fan_in) gives He's 2/fan_in.
            (float center, float halfWidth) = role switch
            {
                ParameterRole.Weight => (0f, MathF.Sqrt(6f / fanIn)),
                ParameterRole.Bias => (0f, 1f / MathF.Sqrt(fanIn)),
                ParameterRole.NormScale => (1f, 0.1f),
                ParameterRole.NormShift => (0f, 0.1f),
                ParameterRole.RunningMean => (0f, 0.1f),
                _ => (1f, 0.1f),
            };
            FillUniform(data, TensorSeed(seed, name), center, halfWidth);
            return data;
        }

        public void Finish(string modelName) { }
    }

    /// <summary>Mixes the seed with a stable hash of the tensor's name (FNV-1a, then SplitMix64's finalizer).</summary>
    private static ulong TensorSeed(int seed, string name)
    {
        ulong h = 14695981039346656037UL;
        foreach (byte c in Encoding.UTF8.GetBytes(name))
            h = (h ^ c) * 1099511628211UL;
        return Mix(h ^ (ulong)(uint)seed * 0x9E3779B97F4A7C15UL);
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>
    /// SplitMix64, two 24-bit uniforms per step. SplitMix64 is counter based (step k mixes
    /// state + k·γ), so large tensors are filled in parallel chunks with the same values a single
    /// thread would give: VGG16's 138 M parameters take well under a second of generation.
    /// </summary>
    private static void FillUniform(float[] data, ulong state, float center, float halfWidth)
    {
        const int chunk = 1 << 20; // elements; even, so a chunk starts on a pair boundary
        if (data.Length <= chunk)
        {
            FillChunk(data, 0, state, center, halfWidth);
            return;
        }
        Parallel.For(0, (data.Length + chunk - 1) / chunk, c =>
            FillChunk(data.AsSpan(c * chunk, Math.Min(chunk, data.Length - c * chunk)), c * chunk, state, center, halfWidth));
    }

    private static void FillChunk(Span<float> data, long start, ulong state, float center, float halfWidth)
    {
        const float unit = 1f / (1 << 24);
        const ulong gamma = 0x9E3779B97F4A7C15UL;
        float scale = 2f * halfWidth * unit, offset = center - halfWidth;
        ulong s = state + (ulong)(start / 2) * gamma;
        int i = 0;
        for (; i + 1 < data.Length; i += 2)
        {
            ulong z = Mix(s += gamma);
            data[i] = (uint)(z & 0xFFFFFF) * scale + offset;
            data[i + 1] = (uint)(z >> 40) * scale + offset;
        }
        if (i < data.Length)
            data[i] = (uint)(Mix(s + gamma) & 0xFFFFFF) * scale + offset;
    }
}
