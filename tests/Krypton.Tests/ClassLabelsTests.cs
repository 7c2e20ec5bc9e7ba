using System.Text.Json;
using Krypton.Jobs;
using Krypton.Model;
using Krypton.Onnx;
using Krypton.Onnx.Proto;

namespace Krypton.Tests;

/// <summary>Class names: a labels file, an ONNX file's metadata, ImageNet-1k's built in; shown in every output.</summary>
public class ClassLabelsTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>tiny_mixed.onnx with these metadata entries added.</summary>
    private string ModelWithMetadata(params (string Key, string Value)[] entries)
    {
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(TestFiles.TinyMixed));
        foreach (var (key, value) in entries)
            proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        string path = _temp.File("named.onnx");
        File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(proto));
        return path;
    }

    private static int TinyOutputs => OnnxImporter.Load(TestFiles.TinyMixed).OutputSize;

    private static string[] Names(int n) => Enumerable.Range(0, n).Select(i => $"class {(char)('a' + i)}").ToArray();

    [Theory]
    [InlineData("cat\ndog\r\nbird\n\n", new[] { "cat", "dog", "bird" })]
    [InlineData("[\"cat\", \"dog\", \"bird\"]", new[] { "cat", "dog", "bird" })]
    [InlineData("{\"1\": \"dog\", \"0\": \"cat\", \"2\": \"bird\"}", new[] { "cat", "dog", "bird" })]
    [InlineData("{0: 'cat', 1: 'dog', 2: \"bird\"}", new[] { "cat", "dog", "bird" })]
    [InlineData("['cat', 'dog', 'bird']", new[] { "cat", "dog", "bird" })]
    [InlineData("\uFEFFgolden retriever\ntoilet tissue", new[] { "golden retriever", "toilet tissue" })]
    public void Names_parse_from_lines_json_lists_and_index_maps(string text, string[] expected) =>
        Assert.Equal(expected, ClassLabels.Parse(text, "test"));

    [Theory]
    [InlineData("{0: 'cat', 2: 'bird'}", "maps indices that are not 0 to 1 each once")]
    [InlineData("{\"a\": 1}", "maps no index to a name")]
    [InlineData("[1, 2", "is not a JSON list of names")]
    public void Malformed_lists_are_refused_in_one_line(string text, string message)
    {
        var e = Assert.Throws<KryptonException>(() => ClassLabels.Parse(text, "labels file x.json"));
        Assert.Contains(message, e.Message);
        Assert.StartsWith("labels file x.json", e.Message);
    }

    [Fact]
    public void ImageNet_names_are_built_in_in_torchvision_order()
    {
        var names = ClassLabels.ImageNet.Names;
        Assert.Equal(1000, names.Count);
        Assert.Equal("tench", names[0]);
        Assert.Equal("golden retriever", names[207]);
        Assert.Equal("tabby", names[281]);
        Assert.Equal("toilet tissue", names[999]);
        Assert.All(names, n => Assert.False(string.IsNullOrWhiteSpace(n)));

        // Any model with 1,000 outputs that names none gets them.
        var resnet = new ArchitectureSource("resnet18", ImageSize: Spec.Size2.Square(64)).Load();
        Assert.Equal(1000, resnet.Graph.OutputSize);
        Assert.Same(ClassLabels.ImageNet, resnet.LabelsWith(null));
        Assert.Null(new OnnxFileSource(TestFiles.TinyMixed).Load().LabelsWith(null));
    }

    [Fact]
    public void An_onnx_file_names_its_classes_in_its_metadata()
    {
        int n = TinyOutputs;
        var python = "{" + string.Join(", ", Names(n).Select((s, i) => $"{i}: '{s}'")) + "}";
        var model = new OnnxFileSource(ModelWithMetadata(("author", "someone"), ("names", python))).Load();
        Assert.Equal(Names(n), model.Labels!.Names);
        Assert.Equal("model metadata 'names'", model.Labels.Source);

        // This tool's own key wins; a value that is not a list of names, or names too few classes, is not used.
        model = new OnnxFileSource(ModelWithMetadata(("names", python), ("class_names", string.Join("\n", Names(n).Reverse())))).Load();
        Assert.Equal(Names(n).Reverse(), model.Labels!.Names);
        model = new OnnxFileSource(ModelWithMetadata(("labels", "{\"x\": 3}"))).Load();
        Assert.Null(model.Labels);
        model = new OnnxFileSource(ModelWithMetadata(("class_names", "one\ntwo"))).Load();
        Assert.NotNull(model.Labels);
        Assert.Null(model.LabelsWith(null));
    }

    [Fact]
    public void The_cli_shows_the_names_in_the_terminal_the_json_the_overlay_title_and_the_summary()
    {
        int n = TinyOutputs;
        string labels = _temp.WriteText("classes.txt", string.Join("\n", Names(n)) + "\n");
        string outDir = _temp.File("out");
        var (code, stdout, stderr) = CliTests.Krypton("explain", "--model", TestFiles.TinyMixed, "--no-normalize", "--patch", "8", "--stride", "8",
            "--labels", labels, "--report", _temp.File("r.html"), "--out", outDir, "--quiet");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "explanation.json")));
        var result = doc.RootElement.GetProperty("result");
        int target = result.GetProperty("target").GetInt32();
        Assert.Equal(Names(n)[target], result.GetProperty("target_label").GetString());
        Assert.Equal("labels file classes.txt", doc.RootElement.GetProperty("model").GetProperty("class_names").GetString());
        Assert.Contains($"target {target} {Names(n)[target]}:", stdout);
        Assert.Contains($"class {target} ({Names(n)[target]})", File.ReadAllText(_temp.File("r.html")));

        // A folder run's summary names the class too.
        string images = Directory.CreateDirectory(_temp.File("images")).FullName;
        File.Copy(Path.Combine(AppContext.BaseDirectory, "samples", "fashion-mnist", "t10k-00000-ankle-boot.png"), Path.Combine(images, "boot.png"));
        (code, _, stderr) = CliTests.Krypton("explain", "--model", TestFiles.TinyMixed, "--no-normalize", "--patch", "8", "--stride", "8",
            "--labels", labels, "--input", images, "--out", _temp.File("maps"), "--quiet");
        Assert.True(code == 0, stderr);
        var rows = File.ReadAllLines(Path.Combine(_temp.Path, "maps", "summary.csv")).Select(r => r.Split(',')).ToList();
        var row = rows[0].Zip(rows[1]).ToDictionary(c => c.First, c => c.Second);
        Assert.Equal(Names(n)[int.Parse(row["target"])], row["target_label"]);
        Assert.Equal(Names(n)[int.Parse(row["predicted"])], row["predicted_label"]);
    }

    [Fact]
    public void A_labels_file_that_does_not_fit_stops_the_run_before_anything_is_written()
    {
        string outDir = _temp.File("out");
        string few = _temp.WriteText("few.txt", "cat\ndog\n");
        var (code, stdout, stderr) = CliTests.Krypton("explain", "--model", TestFiles.TinyMixed, "--no-normalize", "--labels", few, "--out", outDir, "--quiet");
        Assert.Equal(2, code);
        Assert.Equal($"krypton: error: labels file few.txt names 2 classes, but the model has {TinyOutputs} outputs: give one name per output, in output order", stderr.Trim());
        Assert.Equal("", stdout);
        Assert.False(Directory.Exists(outDir));

        (code, _, stderr) = CliTests.Krypton("explain", "--model", TestFiles.TinyMixed, "--labels", _temp.File("missing.txt"), "--out", outDir);
        Assert.Equal(2, code);
        Assert.Equal($"krypton: error: labels file not found: {_temp.File("missing.txt")}", stderr.Trim());
        Assert.False(Directory.Exists(outDir));
    }
}
