using System.Text.Json;
using Krypton.IO;

namespace Krypton.Jobs;

/// <summary>What a shard has done so far, as <c>shards/K-of-N.json</c> records it for <c>krypton merge --status</c>.</summary>
/// <param name="Shard">"K/N".</param>
/// <param name="Images">The shard's images.</param>
/// <param name="Done">Images finished (explained, kept from an earlier run, or failed).</param>
/// <param name="Failed">Of those, the failed ones.</param>
/// <param name="Current">The image being explained now; null between images and at the end.</param>
/// <param name="SecondsPerImage">Mean seconds of the images explained in this run (not those kept); null before the first.</param>
/// <param name="StartedUtc">When the shard started.</param>
/// <param name="UpdatedUtc">When it last wrote this.</param>
/// <param name="Finished">True when it has stopped (done, or cancelled).</param>
/// <param name="Host">The machine it runs on.</param>
public sealed record ShardStatus(string Shard, int Images, int Done, int Failed, string? Current, double? SecondsPerImage,
    DateTime StartedUtc, DateTime UpdatedUtc, bool Finished, string Host)
{
    /// <summary>The folder of the shards' status files, in the output folder.</summary>
    public const string Folder = "shards";

    /// <summary>Every shard status in the output folder (those that cannot be read are skipped: one is being replaced).</summary>
    public static IReadOnlyList<ShardStatus> ReadAll(string outDir)
    {
        string dir = Path.Combine(outDir, Folder);
        if (!Directory.Exists(dir)) return [];
        var all = new List<ShardStatus>();
        foreach (var file in Directory.EnumerateFiles(dir, "*-of-*.json").Order(StringComparer.Ordinal))
        {
            try
            {
                if (JsonSerializer.Deserialize<ShardStatus>(File.ReadAllText(file), RunRecordFile.Json) is { } status) all.Add(status);
            }
            catch (Exception e) when (e is JsonException or IOException) { }
        }
        return all;
    }
}

/// <summary>Writes a running shard's <see cref="ShardStatus"/> after each image (atomically: a reader sees the last whole one).</summary>
internal sealed class ShardProgress(string outDir, Shard shard, int images)
{
    private readonly DateTime _started = DateTime.UtcNow;
    private int _done, _failed, _explained;
    private double _seconds;
    private string? _current;

    public void Starting(string key)
    {
        _current = key;
        Write(false);
    }

    public void Finished(FolderImage image, TimeSpan time)
    {
        _done++;
        if (image.Error is not null) _failed++;
        else if (!image.Kept)
        {
            _explained++;
            _seconds += time.TotalSeconds;
        }
        _current = null;
        Write(false);
    }

    public void Stopped()
    {
        _current = null;
        Write(true);
    }

    private void Write(bool finished)
    {
        var status = new ShardStatus(shard.ToString(), images, _done, _failed, _current, _explained > 0 ? _seconds / _explained : null,
            _started, DateTime.UtcNow, finished, Environment.MachineName);
        string dir = Path.Combine(outDir, ShardStatus.Folder);
        Directory.CreateDirectory(dir);
        AtomicFile.WriteAllText(Path.Combine(dir, shard.Name + ".json"), JsonSerializer.Serialize(status, RunRecordFile.Json) + "\n");
    }
}
