using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Krypton.Jobs;

/// <summary>
/// Shard K of N of a run over many images: the images whose key hashes to K (SHA-256 of the key's
/// UTF-8 bytes, its first 8 bytes as a number, modulo N). Deterministic, the same on every machine,
/// and an image's shard depends on its key alone: adding images to a run moves none of the others.
/// </summary>
/// <param name="Index">K, from 0 to <paramref name="Count"/> − 1.</param>
/// <param name="Count">N, the number of shards.</param>
public readonly record struct Shard(int Index, int Count)
{
    /// <summary>The environment variables <c>--shard auto/N</c> reads K from, in order: Slurm's array task id, Kubernetes' Indexed Job completion index.</summary>
    public static IReadOnlyList<string> IndexVariables { get; } = ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"];

    /// <summary>Which of <paramref name="count"/> shards the image with this key belongs to.</summary>
    public static int Of(string key, int count)
    {
        ulong hash = BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        return (int)(hash % (ulong)count);
    }

    /// <summary>True when the image with this key is this shard's.</summary>
    public bool Contains(string key) => Of(key, Count) == Index;

    /// <summary>The shard's name in file names: "K-of-N".</summary>
    public string Name => string.Create(CultureInfo.InvariantCulture, $"{Index}-of-{Count}");

    /// <summary>"K/N" as --shard writes it.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");

    /// <summary>Parses "K/N", or "auto/N" with K from <see cref="IndexVariables"/> (read through <paramref name="environment"/>).</summary>
    /// <exception cref="KryptonException">Not of that form, K outside 0..N−1, or auto without the variables.</exception>
    public static Shard Parse(string text, Func<string, string?> environment)
    {
        var parts = text.Trim().Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count < 1)
            throw new KryptonException($"--shard '{text}' is not K/N or auto/N with N a positive number of shards (for example 0/4)");
        string indexText = parts[0];
        string source = "";
        if (indexText.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            var found = IndexVariables.Select(v => (Name: v, Value: environment(v))).FirstOrDefault(v => !string.IsNullOrEmpty(v.Value));
            if (found.Value is null)
                throw new KryptonException($"--shard auto/{count} takes the shard from {string.Join(" or ", IndexVariables)}, and neither is set (run it as a Slurm array task or in a Kubernetes Indexed Job, or give K/{count})");
            (indexText, source) = (found.Value, $" ({found.Name})");
        }
        if (!int.TryParse(indexText, NumberStyles.None, CultureInfo.InvariantCulture, out int index) || index >= count)
            throw new KryptonException($"--shard {text}: shard {indexText}{source} is not one of 0 to {count - 1} (a Slurm array for {count} shards is --array=0-{count - 1})");
        return new Shard(index, count);
    }
}
