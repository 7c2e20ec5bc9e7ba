using System.Buffers.Binary;
using System.Text;
using Krypton.Architectures;
using Krypton.Model;

namespace Krypton.Tests;

public sealed class SafetensorsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("krypton-safetensors-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string TempFile(string name) => Path.Combine(_dir, name);

    private static List<KeyValuePair<string, ConstantTensor>> ResNetDict() => BuiltGraphs.ResNet18StateDict;

    [Fact]
    public void Resnet18_weights_round_trip_to_identical_logits()
    {
        var original = ResNet18.Build(WeightSource.Random(seed: 3));
        string path = TempFile("resnet18.safetensors");
        SafetensorsFile.Write(path, BuiltinModels.StateDict(original));

        var loaded = ResNet18.Build(WeightSource.Safetensors(path));
        var image = ArchitectureTests.RandomImage(224, seed: 5);
        Assert.Equal(ArchitectureTests.Run(original, image, out _), ArchitectureTests.Run(loaded, image, out _));
        // The loaded weights really came from the file (seed 3), not from the default seed 0.
        var loadedConv = BuiltinModels.StateDict(loaded).Single(kv => kv.Key == "layer1.0.conv1.weight").Value.Data;
        Assert.NotEqual(BuiltGraphs.ResNet18StateDict.Single(kv => kv.Key == "layer1.0.conv1.weight").Value.Data, loadedConv);
    }

    [Fact]
    public void Missing_tensor_is_named()
    {
        string path = TempFile("missing.safetensors");
        SafetensorsFile.Write(path, ResNetDict().Where(kv => kv.Key != "layer2.0.bn1.running_mean"));
        var e = Assert.Throws<KryptonException>(() => ResNet18.Build(WeightSource.Safetensors(path)));
        Assert.Contains("'layer2.0.bn1.running_mean'", e.Message);
    }

    [Fact]
    public void Wrong_shape_is_named_with_both_shapes()
    {
        string path = TempFile("shape.safetensors");
        var dict = ResNetDict().Select(kv => kv.Key == "fc.weight"
            ? new KeyValuePair<string, ConstantTensor>(kv.Key, new ConstantTensor([1000, 256], new float[256_000]))
            : kv);
        SafetensorsFile.Write(path, dict);
        var e = Assert.Throws<KryptonException>(() => ResNet18.Build(WeightSource.Safetensors(path)));
        Assert.Contains("'fc.weight'", e.Message);
        Assert.Contains("[1000,256]", e.Message);
        Assert.Contains("[1000,512]", e.Message);
    }

    [Fact]
    public void Unused_tensors_are_refused_except_batch_counters_and_aux_logits()
    {
        string ok = TempFile("ok.safetensors");
        SafetensorsFile.Write(ok, ResNetDict().Append(new("bn1.num_batches_tracked", ConstantTensor.Scalar(5)))
                                               .Append(new("AuxLogits.fc.weight", new ConstantTensor([2, 2], new float[4]))));
        Assert.Equal(11_689_512L, ResNet18.Build(WeightSource.Safetensors(ok)).ParameterCount);

        string extra = TempFile("extra.safetensors");
        SafetensorsFile.Write(extra, ResNetDict().Append(new("layer5.0.conv1.weight", new ConstantTensor([1], [0f]))));
        var e = Assert.Throws<KryptonException>(() => ResNet18.Build(WeightSource.Safetensors(extra)));
        Assert.Contains("layer5.0.conv1.weight", e.Message);
    }

    [Fact]
    public void Reads_f16_f64_and_bf16_written_by_hand()
    {
        // A file laid out by the format's definition, independent of the writer under test.
        var data = new List<byte>();
        void Half(float v) { var b = new byte[2]; BinaryPrimitives.WriteHalfLittleEndian(b, (Half)v); data.AddRange(b); }
        void Double(double v) { var b = new byte[8]; BinaryPrimitives.WriteDoubleLittleEndian(b, v); data.AddRange(b); }
        void BFloat(float v) { var b = new byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)(BitConverter.SingleToInt32Bits(v) >> 16)); data.AddRange(b); }
        Half(1.5f); Half(-2f); Half(0.25f); Half(65504f);
        Double(3.25); Double(-1e-3);
        BFloat(-6.5f);
        string header = """{"__metadata__":{"format":"pt"},"h":{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]},"d":{"dtype":"F64","shape":[2],"data_offsets":[8,24]},"b":{"dtype":"BF16","shape":[],"data_offsets":[24,26]}}""";
        var headerBytes = Encoding.UTF8.GetBytes(header);
        var file = new byte[8 + headerBytes.Length + data.Count];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)headerBytes.Length);
        headerBytes.CopyTo(file, 8);
        data.CopyTo(file, 8 + headerBytes.Length);
        string path = TempFile("mixed.safetensors");
        File.WriteAllBytes(path, file);

        var st = SafetensorsFile.Open(path);
        Assert.Equal(["h", "d", "b"], st.Names);
        Assert.Equal([2, 2], st.ShapeOf("h"));
        Assert.Equal([1.5f, -2f, 0.25f, 65504f], st.ReadFloats("h"));
        Assert.Equal([3.25f, (float)-1e-3], st.ReadFloats("d"));
        Assert.Equal([-6.5f], st.ReadFloats("b"));
    }

    [Fact]
    public void Writer_output_is_aligned_and_reads_back()
    {
        string path = TempFile("small.safetensors");
        var t = new ConstantTensor([2, 3], [1, 2, 3, 4, 5, -6.5f]);
        SafetensorsFile.Write(path, [new("x.weight", t), new("y", ConstantTensor.Vector([7f]))]);
        var bytes = File.ReadAllBytes(path);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, headerLength % 8);
        Assert.Equal(8 + (long)headerLength + 7 * 4, bytes.LongLength);
        var st = SafetensorsFile.Open(path);
        Assert.Equal("F32", st.DTypeOf("x.weight"));
        Assert.Equal(t.Data, st.ReadFloats("x.weight"));
        Assert.Equal([7f], st.Read("y").Data);
    }

    [Fact]
    public void Garbage_and_truncated_files_are_refused_in_one_line()
    {
        string garbage = TempFile("garbage.safetensors");
        File.WriteAllBytes(garbage, Encoding.ASCII.GetBytes("this is not a safetensors file at all"));
        var e1 = Assert.Throws<KryptonException>(() => SafetensorsFile.Open(garbage));
        Assert.Contains("garbage.safetensors", e1.Message);

        string truncated = TempFile("truncated.safetensors");
        SafetensorsFile.Write(truncated, [new("x", ConstantTensor.Vector([1f, 2f, 3f]))]);
        var bytes = File.ReadAllBytes(truncated);
        File.WriteAllBytes(truncated, bytes[..^4]);
        var e2 = Assert.Throws<KryptonException>(() => SafetensorsFile.Open(truncated));
        Assert.Contains("'x'", e2.Message);

        var e3 = Assert.Throws<KryptonException>(() => ResNet18.Build(WeightSource.Safetensors(TempFile("absent.safetensors"))));
        Assert.Contains("does not exist", e3.Message);
    }
}
