using Krypton.Architectures;
using Krypton.Model;

namespace Krypton.Tests;

public sealed class NetworkBuilderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("krypton-builder-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Conv_and_linear_read_weights_in_torch_layout()
    {
        // Input 2×3×3, conv 2→2 with a (1, 3) kernel and (0, 1) padding, then linear 18→3.
        var rng = new Random(11);
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var convW = Values(2 * 2 * 1 * 3);
        var convB = Values(2);
        var fcW = Values(3 * 18);
        var fcB = Values(3);
        string path = Path.Combine(_dir, "tiny.safetensors");
        SafetensorsFile.Write(path, [
            new("conv.weight", new ConstantTensor([2, 2, 1, 3], convW)),
            new("conv.bias", ConstantTensor.Vector(convB)),
            new("fc.weight", new ConstantTensor([3, 18], fcW)),
            new("fc.bias", ConstantTensor.Vector(fcB)),
        ]);

        var b = new NetworkBuilder("tiny", WeightSource.Safetensors(path), 2, 3, 3);
        string x = b.Conv("conv", b.Input, 2, kernel: (1, 3), padding: (0, 1));
        x = b.Flatten("flatten", x);
        x = b.Linear("fc", x, 3);
        var graph = b.Build(x);

        var image = Values(2 * 3 * 3);
        var actual = ArchitectureTests.Run(graph, image, out var shape);
        Assert.Equal([1L, 3L], shape);

        // Reference, as torch defines it: conv[o, i, kh, kw] over the input [i, y, x], linear y = W·x + b with W [out, in].
        var feature = new float[2 * 3 * 3];
        for (int o = 0; o < 2; o++)
            for (int y = 0; y < 3; y++)
                for (int xx = 0; xx < 3; xx++)
                {
                    float sum = convB[o];
                    for (int i = 0; i < 2; i++)
                        for (int k = 0; k < 3; k++)
                        {
                            int col = xx + k - 1;
                            if (col is >= 0 and < 3) sum += convW[(o * 2 + i) * 3 + k] * image[(i * 3 + y) * 3 + col];
                        }
                    feature[(o * 3 + y) * 3 + xx] = sum;
                }
        for (int j = 0; j < 3; j++)
        {
            float expected = fcB[j] + Enumerable.Range(0, 18).Sum(k => fcW[j * 18 + k] * feature[k]);
            Assert.True(Math.Abs(expected - actual[j]) < 1e-5, $"output {j}: {actual[j]} vs {expected}");
        }
    }

    [Fact]
    public void A_module_used_twice_gets_torch_fx_suffixes()
    {
        var b = new NetworkBuilder("twice", WeightSource.Random(), 1, 4, 4);
        string first = b.Relu("relu", b.Input);
        string second = b.Relu("relu", first);
        Assert.Equal(("relu", "relu_1"), (first, second));
        Assert.Equal(2, b.Build(second).Nodes.Count);
    }

    [Fact]
    public void Shape_errors_name_the_layer()
    {
        var b = new NetworkBuilder("bad", WeightSource.Random(), 3, 8, 8);
        string x = b.Conv("conv", b.Input, 4, kernel: 3);
        var e = Assert.Throws<KryptonException>(() => b.Linear("fc", x, 10));
        Assert.Contains("'fc'", e.Message);
        var e2 = Assert.Throws<KryptonException>(() => b.MaxPool("pool", x, kernel: 9, stride: 1));
        Assert.Contains("'pool'", e2.Message);
    }
}
