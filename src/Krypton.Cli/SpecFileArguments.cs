using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json;

namespace Krypton.Cli;

/// <summary>
/// An experiment given whole as a JSON file (<c>--spec FILE</c>): its keys are the command's long
/// option names without "--" ("-" or "_" between words), its values what the option takes
/// (numbers, strings, true for switches, [h, w] for sizes, [y, x, h, w] for a region, [[y, x], …]
/// for positions). The file becomes command-line arguments, so every option means exactly what
/// it means on the command line; options given on the command line win. Relative paths are
/// relative to the file.
/// </summary>
internal static class SpecFileArguments
{
    private static readonly HashSet<string> PathKeys = ["model", "weights", "input", "profile", "out", "report", "labels"];
    private static readonly HashSet<string> SizeKeys = ["patch", "stride", "image-size"];

    /// <summary>The parse of the file's arguments followed by the command line's own.</summary>
    public static ParseResult Merge(ParseResult parse, string path, Option specOption)
    {
        var command = parse.CommandResult.Command;
        var given = command.Options.Where(o => parse.GetResult(o) is { Implicit: false }).ToHashSet();
        var args = new List<string> { command.Name };
        foreach (var (key, value) in Read(path))
        {
            string name = "--" + key.Replace('_', '-');
            var option = command.Options.FirstOrDefault(o => o.Name == name || o.Aliases.Contains(name));
            if (option is null || option == specOption)
                throw new KryptonException($"spec file {path}: unknown key '{key}'; keys are the options of krypton {command.Name} without '--' (for example \"patch\": 16)");
            if (given.Contains(option)) continue;
            if (option.ValueType == typeof(bool))
            {
                if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    throw new KryptonException($"spec file {path}: '{key}' is a switch; give true or false");
                if (value.ValueKind == JsonValueKind.True) args.Add(option.Name);
                continue;
            }
            string text = Text(path, key, value);
            if (PathKeys.Contains(key.Replace('_', '-')) && !Path.IsPathRooted(text))
                text = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, text);
            args.Add(option.Name);
            args.Add(text);
        }
        foreach (var token in parse.Tokens.SkipWhile(t => t.Type != TokenType.Command || t.Value != command.Name).Skip(1))
            args.Add(token.Value);
        // Drop the --spec option itself (and its value) from the command line's part.
        int at = args.FindIndex(a => a == specOption.Name || specOption.Aliases.Contains(a));
        if (at > 0) args.RemoveRange(at, Math.Min(2, args.Count - at));
        var merged = parse.RootCommandResult.Command.Parse(args);
        if (merged.Errors.Count > 0)
            throw new KryptonException($"spec file {path}: {merged.Errors[0].Message.ReplaceLineEndings(" ")}");
        return merged;
    }

    private static List<(string Key, JsonElement Value)> Read(string path)
    {
        if (!File.Exists(path))
            throw new KryptonException($"spec file not found: {path}");
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new KryptonException($"spec file {path} must hold a JSON object of options");
            return document.RootElement.EnumerateObject().Select(p => (p.Name, p.Value.Clone())).ToList();
        }
        catch (JsonException e)
        {
            throw new KryptonException($"spec file {path} is not valid JSON: {e.Message.Split('\n')[0]}");
        }
    }

    private static string Text(string path, string key, JsonElement value)
    {
        string Number(JsonElement e) => e.ValueKind == JsonValueKind.Number ? e.GetRawText()
            : throw new KryptonException($"spec file {path}: '{key}' must hold numbers");
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.Array when value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Array) =>
                string.Join(';', value.EnumerateArray().Select(p => string.Join(',', p.EnumerateArray().Select(Number)))),
            JsonValueKind.Array => string.Join(SizeKeys.Contains(key.Replace('_', '-')) ? "x" : ",", value.EnumerateArray().Select(Number)),
            _ => throw new KryptonException($"spec file {path}: '{key}' has a value of kind {value.ValueKind.ToString().ToLower(CultureInfo.InvariantCulture)}, which no option takes"),
        };
    }
}
