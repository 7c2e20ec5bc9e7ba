using System.Text.Json;
using System.Text.Json.Serialization;
using Krypton.IO;

namespace Krypton.Jobs;

/// <summary>
/// krypton-run.json: what every shard of a run writes into the shared output folder (the same
/// content from each): the number of shards, every image of the whole run with its folder, and the
/// facts the gallery states. <c>krypton merge</c> reads it to know what to expect.
/// </summary>
/// <param name="Shards">N, the number of shards.</param>
/// <param name="Images">Every image of the run, in key order.</param>
/// <param name="Facts">The gallery's lines about the model, spec, plan and overlays.</param>
public sealed record RunRecordFile(int Shards, IReadOnlyList<RunRecordFile.Entry> Images, IReadOnlyList<string> Facts)
{
    /// <summary>The file's name in the output folder.</summary>
    public const string Name = "krypton-run.json";

    /// <summary>An image: its key and its output folder.</summary>
    public sealed record Entry(string Key, string Folder);

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Writes the record atomically, after checking that the folder does not hold a run split another way.</summary>
    /// <exception cref="KryptonException">The folder holds a run split into a different number of shards.</exception>
    public static void Write(string outDir, RunRecordFile record)
    {
        string path = Path.Combine(outDir, Name);
        if (File.Exists(path) && TryRead(outDir) is { } earlier && earlier.Shards != record.Shards)
            throw new KryptonException($"{outDir} holds a run split into {earlier.Shards} shards ({Name}); {record.Shards} shards would mix two splits: use the same N, or another --out");
        Directory.CreateDirectory(outDir);
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(record, Json) + "\n");
    }

    /// <summary>The record of the run in the folder.</summary>
    /// <exception cref="KryptonException">There is none, or it cannot be read.</exception>
    public static RunRecordFile Read(string outDir) =>
        File.Exists(Path.Combine(outDir, Name))
            ? TryRead(outDir) ?? throw new KryptonException($"{Path.Combine(outDir, Name)} is damaged or from another version: run a shard again to rewrite it")
            : throw new KryptonException($"{outDir} holds no sharded run ({Name} is written by krypton explain --shard)");

    private static RunRecordFile? TryRead(string outDir)
    {
        try
        {
            var record = JsonSerializer.Deserialize<RunRecordFile>(File.ReadAllText(Path.Combine(outDir, Name)), Json);
            return record is { Shards: > 0, Images: not null, Facts: not null } ? record : null;
        }
        catch (JsonException) { return null; }
    }
}
