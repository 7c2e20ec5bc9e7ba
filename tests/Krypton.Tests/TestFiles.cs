namespace Krypton.Tests;

/// <summary>Paths of the test data shipped with the tests.</summary>
internal static class TestFiles
{
    public static string Dir => Path.Combine(AppContext.BaseDirectory, "TestData");
    public static string Path_(string name) => Path.Combine(Dir, name);
    public static string TinyMixed => Path_("tiny_mixed.onnx");
    public static string TinyMixedUnfolded => Path_("tiny_mixed_unfolded.onnx");
    public static string TinyMixedGolden => Path_("tiny_mixed_golden.json");

    /// <summary>One array of tiny_mixed_golden.json ("image", "logits", "heatmap", ...).</summary>
    public static float[] Golden(string name)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(TinyMixedGolden));
        return doc.RootElement.GetProperty(name).EnumerateArray().Select(e => e.GetSingle()).ToArray();
    }
}
