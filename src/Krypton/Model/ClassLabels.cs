using System.Text.Json;
using System.Text.RegularExpressions;

namespace Krypton.Model;

/// <summary>Names of a classifier's outputs, one per output index, and where they came from.</summary>
/// <param name="Names">The names, indexed like the flattened output.</param>
/// <param name="Source">Where they came from, for people and provenance ("labels file classes.txt", "model metadata 'names'", "ImageNet-1k, built in").</param>
public sealed partial record ClassLabels(IReadOnlyList<string> Names, string Source)
{
    /// <summary>The metadata keys a model file's names are read from, first found first: this tool's own, then other exporters' habits (Ultralytics writes "names").</summary>
    public static IReadOnlyList<string> MetadataKeys { get; } = ["class_names", "classes", "labels", "names"];

    /// <summary>The 1,000 ImageNet (ILSVRC 2012) classes in the order torchvision's models use, given to any model with 1,000 outputs that names none.</summary>
    public static ClassLabels ImageNet => ImageNetNames.Value;

    private static readonly Lazy<ClassLabels> ImageNetNames = new(() =>
    {
        using var stream = typeof(ClassLabels).Assembly.GetManifestResourceStream("Krypton.Model.imagenet-1k-classes.txt")
            ?? throw new InvalidOperationException("the ImageNet class names are not embedded in the assembly");
        using var reader = new StreamReader(stream);
        var lines = reader.ReadToEnd().Split('\n').Where(l => !l.StartsWith('#'));
        return new ClassLabels(ParseLines(string.Join('\n', lines)), "ImageNet-1k, built in");
    });

    /// <summary>Number of names.</summary>
    public int Count => Names.Count;

    /// <summary>The name of an output index, or null outside the list.</summary>
    public string? NameOf(int index) => index >= 0 && index < Names.Count ? Names[index] : null;

    /// <summary>Reads a labels file: one name per line, or a JSON list of names (or an object from index to name).</summary>
    /// <exception cref="KryptonException">The file is missing, unreadable or holds no names.</exception>
    public static ClassLabels Read(string path)
    {
        if (!File.Exists(path))
            throw new KryptonException($"labels file not found: {path}");
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KryptonException($"labels file {path} cannot be read: {e.Message}");
        }
        var names = Parse(text, $"labels file {path}");
        if (names.Count == 0)
            throw new KryptonException($"labels file {path} holds no names (give one per line, or a JSON list)");
        return new ClassLabels(names, $"labels file {Path.GetFileName(path)}");
    }

    /// <summary>
    /// The names a model file's metadata gives under one of <see cref="MetadataKeys"/> (a JSON list,
    /// a JSON object or Python dict from index to name, or one name per line), or null when it gives none.
    /// </summary>
    public static ClassLabels? FromMetadata(IReadOnlyDictionary<string, string> metadata)
    {
        foreach (string key in MetadataKeys)
        {
            if (!metadata.TryGetValue(key, out string? text))
                continue;
            try
            {
                var names = Parse(text, $"metadata '{key}'");
                if (names.Count > 0)
                    return new ClassLabels(names, $"model metadata '{key}'");
            }
            catch (KryptonException) { }   // not a list of names: some other use of the key
        }
        return null;
    }

    /// <summary>These names, checked to name each of a model's <paramref name="outputs"/> outputs.</summary>
    /// <exception cref="KryptonException">The counts differ.</exception>
    public ClassLabels CheckFits(int outputs) => Count == outputs ? this
        : throw new KryptonException($"{Source} names {Count} class{(Count == 1 ? "" : "es")}, but the model has {outputs} output{(outputs == 1 ? "" : "s")}: give one name per output, in output order");

    /// <summary>Names from text: a JSON list, a JSON object or Python dict from index to name, or one name per line.</summary>
    /// <exception cref="KryptonException">A list or dict that does not parse, or whose indices are not 0 to n−1.</exception>
    public static IReadOnlyList<string> Parse(string text, string origin)
    {
        string t = text.Trim().TrimStart('\uFEFF');
        if (t.StartsWith('['))
        {
            try { return JsonSerializer.Deserialize<string[]>(t) ?? []; }
            catch (JsonException)
            {
                // A Python list: ['a', "b", ...].
                var quoted = PythonString().Matches(t).Select(m => m.Groups["s"].Value).ToArray();
                return quoted.Length > 0 ? quoted : throw new KryptonException($"{origin} starts like a list but is not a JSON list of names");
            }
        }
        if (t.StartsWith('{'))
        {
            var entries = IndexedName().Matches(t).Select(m => (Index: int.Parse(m.Groups["i"].Value, System.Globalization.CultureInfo.InvariantCulture), Name: m.Groups["s"].Value)).ToList();
            if (entries.Count == 0)
                throw new KryptonException($"{origin} starts like a dictionary but maps no index to a name");
            var byIndex = entries.OrderBy(e => e.Index).ToList();
            if (byIndex.Select(e => e.Index).SequenceEqual(Enumerable.Range(0, byIndex.Count)))
                return byIndex.Select(e => e.Name).ToArray();
            throw new KryptonException($"{origin} maps indices that are not 0 to {byIndex.Count - 1} each once");
        }
        return ParseLines(text);
    }

    private static string[] ParseLines(string text)
    {
        var lines = text.TrimStart('\uFEFF').Split('\n').Select(l => l.TrimEnd('\r').Trim()).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0)
            lines.RemoveAt(lines.Count - 1);
        return [.. lines];
    }

    [GeneratedRegex("""(?<q>['"])(?<s>(?:(?!\k<q>).)*)\k<q>""")]
    private static partial Regex PythonString();

    [GeneratedRegex("""["']?(?<i>\d+)["']?\s*:\s*(?<q>['"])(?<s>(?:(?!\k<q>).)*)\k<q>""")]
    private static partial Regex IndexedName();
}
