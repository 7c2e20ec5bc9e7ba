using System.Security.Cryptography;
using Krypton.Imaging;
using Krypton.Jobs;

namespace Krypton.Web;

/// <summary>What an upload is.</summary>
public enum UploadKind
{
    /// <summary>A picture or a preprocessed tensor (.npy) to explain.</summary>
    Image,

    /// <summary>An ONNX model.</summary>
    Model,
}

/// <summary>A stored upload: its id (the only name clients use), kind, the name it was sent with (for people), its size.</summary>
public sealed record Upload(string Id, UploadKind Kind, string Name, long Bytes)
{
    /// <summary>Where it is stored: a random name in the server's temporary folder, never a client's path.</summary>
    internal string Path { get; init; } = "";
}

/// <summary>
/// Uploaded images and ONNX files: checked (decoded, or imported as a model) before they are kept,
/// stored under random names in a temporary folder of this server's own, deleted when it stops.
/// </summary>
public sealed class UploadStore : IDisposable
{
    private readonly Dictionary<string, Upload> _uploads = [];
    private readonly Lock _lock = new();

    /// <summary>A store in a new temporary folder.</summary>
    public UploadStore(long maxBytes)
    {
        MaxBytes = maxBytes;
        Folder = Directory.CreateTempSubdirectory("krypton-serve-").FullName;
    }

    /// <summary>The server's temporary folder (uploads, and each job's files).</summary>
    public string Folder { get; }

    /// <summary>The largest upload accepted.</summary>
    public long MaxBytes { get; }

    /// <summary>The extensions of the files a client may upload.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [.. ImageFolder.InputExtensions, ".onnx"];

    /// <summary>
    /// Stores the content under a random name, then checks it: a picture must decode, a tensor must
    /// read, an ONNX file must import (<paramref name="loadModel"/>, which keeps what it loaded).
    /// Nothing is kept when the check fails.
    /// </summary>
    /// <exception cref="KryptonException">Too large, of a kind not taken, or not what its name says (corrupt).</exception>
    public async Task<Upload> SaveAsync(Stream content, string fileName, Func<Upload, LoadedModel> loadModel, CancellationToken cancellation)
    {
        string name = System.IO.Path.GetFileName(fileName.Replace('\\', '/'));
        string extension = System.IO.Path.GetExtension(name).ToLowerInvariant();
        if (!Extensions.Contains(extension))
            throw new KryptonException($"'{name}' is not a file this server takes: pictures ({string.Join(", ", ImageLoader.Extensions)}), tensors (.npy) or models (.onnx)");
        var kind = extension == ".onnx" ? UploadKind.Model : UploadKind.Image;
        string id = (kind == UploadKind.Model ? "upload-model-" : "upload-") + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        string path = System.IO.Path.Combine(Folder, id + extension);
        long length;
        await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        {
            var buffer = new byte[81920];
            length = 0;
            int read;
            while ((read = await content.ReadAsync(buffer, cancellation)) > 0)
            {
                length += read;
                if (length > MaxBytes)
                {
                    file.Close();
                    File.Delete(path);
                    throw new UploadTooLargeException($"'{name}' is larger than this server takes ({Sizes.Describe(MaxBytes)}; see --max-upload)");
                }
                await file.WriteAsync(buffer.AsMemory(0, read), cancellation);
            }
        }
        var upload = new Upload(id, kind, name, length) { Path = path };
        try
        {
            if (length == 0)
                throw new KryptonException("the file is empty");
            if (kind == UploadKind.Model)
                loadModel(upload);
            else if (extension == ".npy")
                IO.NpyFile.ReadImageTensor(path);
            else
                ImageLoader.Load(path);
        }
        catch (Exception e) when (e is KryptonException or IOException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException or InvalidDataException)
        {
            File.Delete(path);
            throw new KryptonException($"'{name}' cannot be used: {Messages.WithoutPath(e.Message, path, name)}");
        }
        lock (_lock) _uploads[id] = upload;
        return upload;
    }

    /// <summary>The upload with this id.</summary>
    /// <exception cref="KryptonException">No such upload (or not of that kind).</exception>
    public Upload Get(string id, UploadKind kind)
    {
        lock (_lock)
            return _uploads.TryGetValue(id, out var u) && u.Kind == kind ? u
                : throw new NotFoundException($"no uploaded {(kind == UploadKind.Model ? "model" : "image")} '{id}' (uploads last as long as the server runs)");
    }

    /// <summary>Every upload of the kind, oldest first.</summary>
    public IReadOnlyList<Upload> All(UploadKind kind)
    {
        lock (_lock) return _uploads.Values.Where(u => u.Kind == kind).ToList();
    }

    /// <summary>Deletes the folder with everything in it.</summary>
    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

/// <summary>An upload over the size limit: answered with 413.</summary>
public sealed class UploadTooLargeException(string message) : KryptonException(message);

/// <summary>A job, upload, model, sample or file that does not exist: answered with 404.</summary>
public sealed class NotFoundException(string message) : KryptonException(message);

/// <summary>The queue is full: answered with 503.</summary>
public sealed class QueueFullException(string message) : KryptonException(message);

/// <summary>Sizes in words.</summary>
internal static class Sizes
{
    public static string Describe(long bytes) => bytes >= 1L << 30 ? $"{bytes / (double)(1L << 30):0.#} GB" : bytes >= 1L << 20 ? $"{bytes / (double)(1L << 20):0.#} MB" : $"{bytes / 1024.0:0.#} KB";
}

/// <summary>Messages shown to clients name their files, never the server's paths.</summary>
internal static class Messages
{
    public static string WithoutPath(string message, string path, string name) =>
        message.Replace(path, name, StringComparison.Ordinal).Replace(System.IO.Path.GetFileName(path), name, StringComparison.Ordinal);
}
