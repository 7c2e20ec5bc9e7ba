using System.Security.Cryptography;

namespace Krypton.IO;

/// <summary>Content hashes of files, for provenance and for telling whether a file changed.</summary>
public static class FileHash
{
    /// <summary>Hex SHA-256 of a file's bytes.</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
