using System.IO.Compression;
using System.Text.Json;
using Krypton.Data;
using Krypton.Demo;
using Krypton.Imaging;
using Krypton.Jobs;
using Krypton.Model;
using Krypton.Onnx;
using Krypton.Onnx.Proto;
using Krypton.Training;
using Krypton.Runtime;

namespace Krypton.Tests;

/// <summary>A fact that needs Debian's dataset-fashion-mnist; skipped, with the reason, when it is absent.</summary>
public sealed class FashionMnistFactAttribute : FactAttribute
{
    public FashionMnistFactAttribute()
    {
        if (!FashionMnist.IsAvailable(DataSplit.Train) || !FashionMnist.IsAvailable(DataSplit.Test))
            Skip = $"Fashion-MNIST is not installed in {FashionMnist.DefaultDirectory} (apt-get install dataset-fashion-mnist)";
    }
}

public class IdxFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("krypton-idx-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Bytes laid out by hand from the format's description (magic 0x00000803, big-endian dims).
    private string Gzip(string name, byte[] content)
    {
        string path = Path.Combine(_dir, name);
        using (var file = File.Create(path))
        using (var gz = new GZipStream(file, CompressionLevel.Fastest))
            gz.Write(content);
        return path;
    }

    private static byte[] TwoImagesOf2x3 => [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 255, 0, 7, 8, 9, 10];

    [Fact]
    public void Reads_a_hand_made_gzip_IDX_file()
    {
        var a = IdxArray.Load(Gzip("x-images-idx3-ubyte.gz", TwoImagesOf2x3));
        Assert.Equal([2, 2, 3], a.Shape);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 255, 0, 7, 8, 9, 10 }, a.Data);
    }

    [Fact]
    public void Save_then_load_round_trips()
    {
        var a = new IdxArray("t", [3], [7, 8, 9]);
        string path = Path.Combine(_dir, "a-idx1-ubyte.gz");
        a.Save(path);
        using (var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress))
        {
            var raw = new MemoryStream();
            gz.CopyTo(raw);
            Assert.Equal(new byte[] { 0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9 }, raw.ToArray());
        }
        Assert.Equal(a.Data, IdxArray.Load(path).Data);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3 }, "truncated")]
    [InlineData(new byte[] { 0, 0, 8, 1, 0, 0, 0, 2, 1, 2, 3 }, "data after")]
    [InlineData(new byte[] { 1, 2, 8, 1, 0, 0, 0, 1, 5 }, "not an IDX file")]
    [InlineData(new byte[] { 0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0 }, "element type 0x0d")]
    [InlineData(new byte[] { 0, 0, 8, 2, 0, 0 }, "header ends early")]
    public void Corrupt_files_are_one_clear_error(byte[] content, string expected)
    {
        var e = Assert.Throws<KryptonException>(() => IdxArray.Load(Gzip("bad.gz", content)));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_file_that_is_not_gzip_is_reported()
    {
        string path = Path.Combine(_dir, "plain.gz");
        File.WriteAllBytes(path, TwoImagesOf2x3);
        var e = Assert.Throws<KryptonException>(() => IdxArray.Load(path));
        Assert.Contains("gzip", e.Message);
    }

    [Fact]
    public void Missing_data_set_names_the_Debian_package()
    {
        var e = Assert.Throws<KryptonException>(() => FashionMnist.Load(DataSplit.Test, _dir));
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
    }

    [Fact]
    public void Images_and_labels_that_disagree_are_reported()
    {
        Gzip("t10k-images-idx3-ubyte.gz", [0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28, .. new byte[784]]);
        Gzip("t10k-labels-idx1-ubyte.gz", [0, 0, 8, 1, 0, 0, 0, 2, 3, 4]);
        var e = Assert.Throws<KryptonException>(() => FashionMnist.Load(DataSplit.Test, _dir));
        Assert.Contains("1 images but", e.Message);
    }

    [FashionMnistFact]
    public void The_installed_data_set_has_the_published_sizes_and_balanced_labels()
    {
        // Zalando's README: 60,000 training and 10,000 test images, 28x28, ten classes of equal size.
        foreach (var (split, count) in new[] { (DataSplit.Train, 60000), (DataSplit.Test, 10000) })
        {
            var data = FashionMnist.Load(split);
            Assert.Equal(count, data.Count);
            var perClass = Enumerable.Range(0, data.Count).GroupBy(data.Label).ToDictionary(g => g.Key, g => g.Count());
            Assert.Equal(Enumerable.Range(0, 10), perClass.Keys.Order());
            Assert.All(perClass.Values, n => Assert.Equal(count / 10, n));
        }
    }
}

public class DemoModelTests
{
    private static string BackbonePath => TestFiles.Path_("ResNet18.onnx");

    private static readonly Lazy<ModelGraph> Backbone = new(() => DemoModel.LoadBackbone(BackbonePath));

    [Fact]
    public void Normalization_is_what_the_packages_preprocessing_graph_states()
    {
        // ResNetPreprocess.onnx: Split(RGB) -> Concat(B, G, R) -> Sub(mean image). Its mean image,
        // averaged per channel, must be the demo's per-channel mean, in BGR order.
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(TestFiles.Path_("ResNetPreprocess.onnx")));
        var g = model.Graph;
        var split = g.Node.Single(n => n.OpType == "Split");
        var concat = g.Node.Single(n => n.OpType == "Concat");
        var sub = g.Node.Single(n => n.OpType == "Sub");
        Assert.Equal([split.Output[2], split.Output[1], split.Output[0]], concat.Input);
        Assert.Equal(concat.Output[0], sub.Input[0]);
        var mean = g.Initializer.Single(t => t.Name == sub.Input[1]);
        Assert.Equal(new long[] { 3, 224, 224 }, mean.Dims.TakeLast(3));
        var values = mean.RawData.IsEmpty ? mean.FloatData.ToArray() : System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(mean.RawData.Span).ToArray();
        int plane = 224 * 224;
        for (int bgr = 0; bgr < 3; bgr++)
        {
            double avg = values.Skip(bgr * plane).Take(plane).Average(v => (double)v);
            Assert.Equal(avg, DemoModel.Normalization.Mean[2 - bgr] * 255.0, 2);
            Assert.Equal(1.0 / 255, DemoModel.Normalization.Std[2 - bgr], 6);
        }
    }

    [Fact]
    public void The_backbone_takes_RGB_where_the_original_takes_BGR()
    {
        var random = new Random(4);
        int plane = 224 * 224;
        var rgb = Enumerable.Range(0, 3 * plane).Select(_ => (float)random.NextDouble() * 200 - 100).ToArray();
        var bgr = new float[rgb.Length];
        for (int c = 0; c < 3; c++) Array.Copy(rgb, c * plane, bgr, (2 - c) * plane, plane);
        using var original = new OnnxSession(File.ReadAllBytes(BackbonePath));
        var g = Backbone.Value;
        var (expected, _) = original.RunSingle(g.InputName, bgr, [1, 3, 224, 224]);
        using var ours = new OnnxSession(OnnxExporter.ToOnnx(g));
        var (actual, _) = ours.RunSingle(g.InputName, rgb, [1, 3, 224, 224]);
        OpTests.AssertClose(expected.Select(v => (double)v).ToArray(), actual, "features", 1e-4);
    }

    [Fact]
    public void A_composed_model_outputs_the_softmax_of_the_heads_logits()
    {
        var random = new Random(7);
        var w = Enumerable.Range(0, 10 * 512).Select(_ => (float)(random.NextDouble() - 0.5) * 0.2f).ToArray();
        var b = Enumerable.Range(0, 10).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var head = ClassifierHead.Create(new ConstantTensor([10, 512], w), ConstantTensor.Vector(b), FashionMnist.ClassNames);
        var composed = DemoModel.Compose(Backbone.Value, head);
        Assert.True(composed.EndsWithSoftmax);
        Assert.Equal(10, composed.OutputSize);

        var image = ImageLoader.Load(Path.Combine(AppContext.BaseDirectory, "samples", "fashion-mnist", "t10k-00000-ankle-boot.png"));
        var x = DemoModel.Normalization.ToTensor(image, 3, 224, 224);
        using var backbone = new OnnxSession(OnnxExporter.ToOnnx(Backbone.Value));
        var (features, _) = backbone.RunSingle(Backbone.Value.InputName, x, [1, 3, 224, 224]);
        using var model = new OnnxSession(DemoModel.ToOnnx(composed, head.ClassNames));
        var (p, shape) = model.RunSingle(composed.InputName, x, [1, 3, 224, 224]);

        Assert.Equal(new long[] { 1, 10 }, shape);
        Assert.Equal(1.0, p.Sum(v => (double)v), 5);
        // Reference: logits = W·f + b and their softmax, in plain C#.
        var logits = Enumerable.Range(0, 10).Select(k => b[k] + Enumerable.Range(0, 512).Sum(j => (double)w[k * 512 + j] * features[j])).ToArray();
        double max = logits.Max(), z = logits.Sum(l => Math.Exp(l - max));
        OpTests.AssertClose(logits.Select(l => Math.Exp(l - max) / z).ToArray(), p, "probabilities", 1e-4);
    }

    [Fact]
    public void The_composed_ONNX_file_states_preprocessing_and_class_names()
    {
        var head = ClassifierHead.Create(new ConstantTensor([10, 512], new float[5120]), ConstantTensor.Vector(new float[10]), FashionMnist.ClassNames);
        var proto = ModelProto.Parser.ParseFrom(DemoModel.ToOnnx(DemoModel.Compose(Backbone.Value, head), head.ClassNames));
        Assert.Contains("123.15163", proto.DocString);
        Assert.Contains("9=Ankle boot", proto.DocString);
        Assert.Equal(string.Join("\n", FashionMnist.ClassNames), proto.MetadataProps.Single(m => m.Key == "class_names").Value);
    }

    [Fact]
    public void The_shipped_demo_model_classifies_the_shipped_samples_as_their_true_classes()
    {
        var model = ModelSource.Default.Load();
        Assert.Equal(FashionMnist.ClassNames, model.Labels!.Names);
        Assert.Same(DemoModel.Normalization, model.Normalization);
        var files = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "samples", "fashion-mnist"), "*.png").Order().ToList();
        Assert.Equal(10, files.Count);
        int plane = 3 * 224 * 224;
        var batch = new float[files.Count * plane];
        for (int i = 0; i < files.Count; i++)
            DemoModel.Normalization.ToTensor(ImageLoader.Load(files[i]), 3, 224, 224).CopyTo(batch, i * plane);
        using var session = new OnnxSession(OnnxExporter.ToOnnx(model.Graph));
        var (p, _) = session.RunSingle(model.Graph.InputName, batch, [files.Count, 3, 224, 224]);
        var wrong = new List<string>();
        for (int i = 0; i < files.Count; i++)
        {
            var row = p.AsSpan(i * 10, 10).ToArray();
            Assert.Equal(1.0, row.Sum(v => (double)v), 4);
            int predicted = Array.IndexOf(row, row.Max());
            if (predicted != SampleImages.Parse(files[i])!.Value.Label)
                wrong.Add($"{Path.GetFileName(files[i])} -> {FashionMnist.ClassNames[predicted]}");
        }
        Assert.True(wrong.Count <= MaxMisclassifiedSamples, string.Join("; ", wrong));
    }

    // The committed head gets 87% of the test split right; it classifies all ten samples (the first
    // test image of each class) correctly.
    private const int MaxMisclassifiedSamples = 0;

    [FashionMnistFact]
    public void The_shipped_samples_are_the_test_images_their_names_state()
    {
        var test = FashionMnist.Load(DataSplit.Test);
        string samples = Path.Combine(AppContext.BaseDirectory, "samples");
        // The tuning set behind the demo's profile: the first four test images of each class.
        var tuning = Directory.GetFiles(Path.Combine(samples, "fashion-mnist-tuning"), "*.png");
        var expected = Enumerable.Range(0, FashionMnist.ClassNames.Count)
            .SelectMany(label => Enumerable.Range(0, test.Count).Where(i => test.Label(i) == label).Take(4).Select(i => SampleImages.FileName(i, label)));
        Assert.Equal(expected.Order(), tuning.Select(Path.GetFileName).Order());
        foreach (var file in Directory.GetFiles(Path.Combine(samples, "fashion-mnist"), "*.png").Concat(tuning))
        {
            var (index, label) = SampleImages.Parse(file)!.Value;
            Assert.Equal(label, test.Label(index));
            var image = ImageLoader.Load(file);
            Assert.Equal((1, 28, 28), (image.Channels, image.Width, image.Height));
            Assert.Equal(test.RawImage(index).ToArray(), image.Pixels.Select(v => (byte)Math.Round(v * 255)).ToArray());
        }
    }

    [Fact]
    public void The_training_subset_is_seeded_distinct_and_sorted()
    {
        var a = TrainHeadJob.TrainingSubset(60000, 2000, 0);
        Assert.Equal(a, TrainHeadJob.TrainingSubset(60000, 2000, 0));
        Assert.NotEqual(a, TrainHeadJob.TrainingSubset(60000, 2000, 1));
        Assert.Equal(2000, a.Distinct().Count());
        Assert.Equal(a.Order(), a);
        Assert.All(a, i => Assert.InRange(i, 0, 59999));
        Assert.Throws<KryptonException>(() => TrainHeadJob.TrainingSubset(60000, 60001, 0));
    }

    [Fact]
    public void The_trainer_weights_carried_into_the_graph_classify_as_ML_NET_does()
    {
        // Three well separated clusters in 6-D, classes not in order of appearance: if the weights
        // or class order were carried over wrongly, the graph's accuracy would fall far below ML.NET's.
        var random = new Random(11);
        FeatureSet Make(int n)
        {
            var labels = Enumerable.Range(0, n).Select(_ => random.Next(3)).ToArray();
            var x = new float[n * 6];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < 6; j++)
                    x[i * 6 + j] = (j % 3 == labels[i] ? 3f : 0f) + (float)(random.NextDouble() - 0.5);
            return new FeatureSet(x, labels, 6);
        }
        var fit = HeadTrainer.Fit(Make(300), Make(200), ["a", "b", "c"], seed: 0);
        Assert.True(fit.TrainerAccuracy > 0.95, $"trainer accuracy {fit.TrainerAccuracy}");
        Assert.Equal(fit.TrainerAccuracy, fit.GraphAccuracy, 3);
        Assert.Equal([3, 6], fit.Head.Weight.Shape);
    }

    [Fact]
    public void Explain_with_no_model_names_the_classes_and_labels_the_json()
    {
        string outDir = Directory.CreateTempSubdirectory("krypton-demo-").FullName;
        try
        {
            var (code, stdout, stderr) = CliTests.Krypton("explain", "--patch", "56", "--stride", "56", "--quiet", "--out", outDir);
            Assert.True(code == 0, stderr);
            Assert.Contains("t10k-00000-ankle-boot.png", stderr);
            Assert.Contains("Ankle boot (", stdout);
            Assert.Contains("wrote " + outDir, stdout);
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "explanation.json")));
            var result = doc.RootElement.GetProperty("result");
            int target = result.GetProperty("target").GetInt32();
            Assert.Equal(FashionMnist.ClassNames[target], result.GetProperty("target_label").GetString());
            Assert.All(result.GetProperty("top_classes").EnumerateArray(),
                c => Assert.Equal(FashionMnist.ClassNames[c.GetProperty("index").GetInt32()], c.GetProperty("label").GetString()));
            Assert.True(File.Exists(Path.Combine(outDir, "overlay.png")));
        }
        finally { Directory.Delete(outDir, recursive: true); }
    }
}
