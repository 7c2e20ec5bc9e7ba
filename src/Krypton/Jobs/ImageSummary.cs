using System.Text.Json;
using Krypton.Output;

namespace Krypton.Jobs;

/// <summary>What an image's map showed, as summary.csv and the gallery list it.</summary>
/// <param name="Target">The (primary) target.</param>
/// <param name="TargetLabel">Its class name, or null.</param>
/// <param name="UnoccludedProbability">Its probability without occlusion.</param>
/// <param name="Predicted">The predicted class.</param>
/// <param name="PredictedLabel">Its class name, or null.</param>
/// <param name="PredictedProbability">Its probability.</param>
/// <param name="Min">The smallest finite value of the map, or null when it has none.</param>
/// <param name="Max">The largest.</param>
/// <param name="Flat">True when the map is flat (<see cref="Explain.Importance.IsFlat"/>): no region matters.</param>
/// <param name="Mode">How it was computed.</param>
/// <param name="ValueLabel">What the values mean.</param>
/// <param name="Faithfulness">The deletion and insertion areas, when measured.</param>
/// <param name="Seconds">Loading, explaining and writing it.</param>
public sealed record ImageSummary(int Target, string? TargetLabel, double UnoccludedProbability, int Predicted, string? PredictedLabel, double PredictedProbability,
    double? Min, double? Max, bool Flat, string Mode, string ValueLabel, ImageFaithfulness? Faithfulness, double Seconds)
{
    /// <summary>The summary of a job just run.</summary>
    public static ImageSummary Of(JobResult result, TimeSpan time)
    {
        var e = result.Explanation;
        var (min, max) = e.Range;
        return new(e.Target, e.ClassName(e.Target), e.UnoccludedProbability, e.TopClasses[0].Index, e.ClassName(e.TopClasses[0].Index), e.TopClasses[0].Probability, min, max, Explain.Importance.IsFlat(e, e.Primary), e.Mode, ExplanationFiles.ValueLabel(e, e.Target),
            result.Faithfulness is { } f ? ImageFaithfulness.Of("", e.Target, e.UnoccludedProbability, f) : null, time.TotalSeconds);
    }

    /// <summary>
    /// The summary an image folder's explanation.json records, when it has one that reads and that
    /// <paramref name="accept"/> takes (all, when null); else null: none, damaged, or from another version.
    /// </summary>
    public static ImageSummary? ReadFolder(string imageDir, Func<JsonElement, bool>? accept = null)
    {
        string path = System.IO.Path.Combine(imageDir, "explanation.json");
        if (!File.Exists(path)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return accept is null || accept(doc.RootElement) ? Read(doc.RootElement) : null;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException or FormatException or IOException)
        {
            return null;
        }
    }

    /// <summary>The summary an earlier run recorded in explanation.json.</summary>
    public static ImageSummary Read(JsonElement explanation)
    {
        var r = explanation.GetProperty("result");
        var top = r.GetProperty("top_classes")[0];
        double? Number(JsonElement parent, string name) =>
            parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
        var f = explanation.GetProperty("faithfulness");
        ImageFaithfulness? faithfulness = f.ValueKind == JsonValueKind.Object && f.TryGetProperty("insertion", out var insertion)
            ? new ImageFaithfulness("", r.GetProperty("target").GetInt32(), (float)r.GetProperty("unoccluded_probability").GetDouble(),
                f.GetProperty("deletion").GetProperty("auc").GetDouble(), f.GetProperty("deletion").GetProperty("random_auc").GetDouble(),
                insertion.GetProperty("auc").GetDouble(), insertion.GetProperty("random_auc").GetDouble(), f.GetProperty("faithful").GetBoolean())
            : null;
        return new(r.GetProperty("target").GetInt32(), r.GetProperty("target_label").GetString(), r.GetProperty("unoccluded_probability").GetDouble(),
            top.GetProperty("index").GetInt32(), top.TryGetProperty("label", out var label) ? label.GetString() : null, top.GetProperty("probability").GetDouble(),
            Number(r, "heatmap_min"), Number(r, "heatmap_max"),
            r.TryGetProperty("flat_map", out var flat) && flat.ValueKind == JsonValueKind.True,
            explanation.GetProperty("plan").GetProperty("mode").GetString()!, r.GetProperty("value_label").GetString()!,
            faithfulness, explanation.GetProperty("timings_seconds").GetProperty("total").GetDouble());
    }
}
