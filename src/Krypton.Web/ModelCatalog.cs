using System.Collections.Concurrent;
using Krypton.Architectures;
using Krypton.Demo;
using Krypton.Jobs;

namespace Krypton.Web;

/// <summary>A model the page offers: its id (what requests name), a name for people, where it comes from.</summary>
/// <param name="Id">"demo", "arch:NAME", "file:NAME.onnx" (in --models) or an upload's id.</param>
/// <param name="Name">For people.</param>
/// <param name="Kind">demo, builtin, file or upload.</param>
/// <param name="Description">What it is.</param>
public sealed record ModelEntry(string Id, string Name, string Kind, string Description);

/// <summary>
/// The models a server offers (the demo model, the built-in architectures with seeded random
/// weights, the ONNX files of <c>--models</c>, uploaded ONNX files) and the ones it has loaded,
/// each loaded once and shared by every request.
/// </summary>
public sealed class ModelCatalog(ServeOptions options, UploadStore uploads)
{
    private readonly ConcurrentDictionary<string, Lazy<LoadedModel>> _loaded = new();

    /// <summary>Every model on offer, the demo first.</summary>
    public IReadOnlyList<ModelEntry> List()
    {
        var list = new List<ModelEntry>
        {
            new("demo", "demo: ResNet18 + Fashion-MNIST head", "demo", "ImageNet ResNet18 with a Fashion-MNIST head (real weights); ships a tuning profile for patch 16, stride 4"),
        };
        list.AddRange(BuiltinModels.Names.Select(n => new ModelEntry("arch:" + n, n + " (random weights)", "builtin", $"built-in {n} with seeded random weights (an architecture to time and try, not a trained classifier)")));
        list.AddRange(FolderModels().Select(f => new ModelEntry("file:" + f, f, "file", $"{f} from the models folder")));
        list.AddRange(uploads.All(UploadKind.Model).Select(u => new ModelEntry(u.Id, u.Name + " (uploaded)", "upload", $"{u.Name}, uploaded ({Sizes.Describe(u.Bytes)})")));
        return list;
    }

    /// <summary>The ONNX files of the models folder, by name.</summary>
    private IReadOnlyList<string> FolderModels() => options.ModelsFolder is { } folder
        ? Directory.EnumerateFiles(folder, "*.onnx").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList()
        : [];

    /// <summary>Where the model with this id comes from.</summary>
    /// <exception cref="NotFoundException">No model has this id.</exception>
    public ModelSource SourceOf(string id)
    {
        if (id == "demo")
            return ModelSource.Demo;
        if (id.StartsWith("arch:", StringComparison.Ordinal) && BuiltinModels.Names.Contains(id[5..]))
            return new ArchitectureSource(id[5..]);
        // Only names listed in the folder: a request never becomes a path.
        if (id.StartsWith("file:", StringComparison.Ordinal) && FolderModels().Contains(id[5..]))
            return new OnnxFileSource(Path.Combine(options.ModelsFolder!, id[5..]));
        if (id.StartsWith("upload-model-", StringComparison.Ordinal))
            return new OnnxFileSource(uploads.Get(id, UploadKind.Model).Path);
        throw new NotFoundException($"no model '{id}' on this server (GET /api/models lists them)");
    }

    /// <summary>True when the model has a tuning profile for these settings (the demo ships one for patch 16, stride 4, full grid).</summary>
    public static bool HasProfile(string id, Spec.OcclusionSpec spec) =>
        id == "demo" && File.Exists(DemoModel.ProfilePath(spec.Patch, spec.Stride, spec.GridKind));

    /// <summary>The model, loaded on first use and kept; a load that fails is tried again next time.</summary>
    /// <exception cref="KryptonException">The model cannot be loaded.</exception>
    public LoadedModel Load(string id)
    {
        var source = SourceOf(id);
        var lazy = _loaded.GetOrAdd(id, _ => new Lazy<LoadedModel>(source.Load, LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch
        {
            _loaded.TryRemove(new KeyValuePair<string, Lazy<LoadedModel>>(id, lazy));
            throw;
        }
    }

    /// <summary>Imports an uploaded ONNX file and keeps it (how an upload is checked).</summary>
    public LoadedModel LoadUpload(Upload upload)
    {
        var model = new OnnxFileSource(upload.Path).Load();
        _loaded[upload.Id] = new Lazy<LoadedModel>(model);
        return model;
    }
}
