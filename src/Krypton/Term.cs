namespace Krypton;

/// <summary>
/// Something a person sets or runs that the library's messages name: the library calls it by its
/// concept ("a region of interest"), each front end by its own word for it (the command line by its
/// flag, "--roi"). Messages that name terms are made with <see cref="KryptonException.Naming"/>.
/// </summary>
public sealed class Term
{
    private Term(string concept) => Concept = concept;

    /// <summary>The term in the library's words.</summary>
    public string Concept { get; }

    /// <summary>
    /// Text that names terms (the <see cref="Term"/> arguments of <paramref name="template"/>), each
    /// by <paramref name="name"/>, or in the library's words where it gives none.
    /// </summary>
    public static string Text(FormattableString template, Func<Term, string?>? name = null) =>
        string.Format(System.Globalization.CultureInfo.InvariantCulture, template.Format,
            template.GetArguments().Select(a => a is Term t ? name?.Invoke(t) ?? t.Concept : a).ToArray());

    /// <summary>An ONNX file of the model.</summary>
    public static Term ModelFile { get; } = new("an ONNX model file");

    /// <summary>A built-in architecture.</summary>
    public static Term Architecture { get; } = new("a built-in architecture");

    /// <summary>Weights for a built-in architecture.</summary>
    public static Term Weights { get; } = new("a weights file");

    /// <summary>The input size of a model that leaves it open.</summary>
    public static Term ImageSize { get; } = new("the image size");

    /// <summary>Explicit patch positions instead of the grid.</summary>
    public static Term Positions { get; } = new("explicit positions");

    /// <summary>A region of interest.</summary>
    public static Term RegionOfInterest { get; } = new("a region of interest");

    /// <summary>The HTML report of one image.</summary>
    public static Term Report { get; } = new("an HTML report");

    /// <summary>The deletion-curve measurement.</summary>
    public static Term Faithfulness { get; } = new("the faithfulness measurement");

    /// <summary>The map at the input's resolution.</summary>
    public static Term PerPixel { get; } = new("the per-pixel map");

    /// <summary>A tuning profile.</summary>
    public static Term Profile { get; } = new("a tuning profile");

    /// <summary>A quality target.</summary>
    public static Term Quality { get; } = new("a quality target");

    /// <summary>What the occluding patch is filled with.</summary>
    public static Term Fill { get; } = new("the fill");

    /// <summary>The input normalization (mean and standard deviation per channel).</summary>
    public static Term Normalization { get; } = new("the input normalization");

    /// <summary>The patch size.</summary>
    public static Term Patch { get; } = new("patch");

    /// <summary>How the grid lays out positions.</summary>
    public static Term Grid { get; } = new("grid");

    /// <summary>The length a picture's shorter side is resized to.</summary>
    public static Term Resize { get; } = new("the resize");

    /// <summary>The centre crop of a picture.</summary>
    public static Term Crop { get; } = new("the centre crop");

    /// <summary>The map carried back onto the original picture.</summary>
    public static Term OnOriginal { get; } = new("the map on the original picture");

    /// <summary>What an overlay's colour scale spans.</summary>
    public static Term Scale { get; } = new("the overlay scale");

    /// <summary>The stride.</summary>
    public static Term Stride { get; } = new("stride");

    /// <summary>SSIM's data range.</summary>
    public static Term DataRange { get; } = new("a data range");

    /// <summary>The number of training images of the demo head.</summary>
    public static Term TrainCount { get; } = new("the number of training images");

    /// <summary>Where the Fashion-MNIST files are.</summary>
    public static Term DataFolder { get; } = new("the data location");

    /// <summary>The demo head's trainer.</summary>
    public static Term HeadTrainer { get; } = new("the head trainer");

    /// <summary>The tuner, which makes tuning profiles.</summary>
    public static Term Tuner { get; } = new("the tuner");

    /// <summary>The folder a run writes its files into.</summary>
    public static Term OutputFolder { get; } = new("the output folder");

    /// <summary>Where the HTML report of one image goes.</summary>
    public static Term ReportFile { get; } = new("the report file");

    /// <summary>Where the tuner writes its profile.</summary>
    public static Term ProfileOutput { get; } = new("the profile file");

    /// <summary>Where the faithfulness areas of every image go, as CSV.</summary>
    public static Term AreasCsv { get; } = new("the areas CSV file");

    /// <summary>Where the trained demo head goes.</summary>
    public static Term HeadFile { get; } = new("the head file");

    /// <summary>Where the composed demo model goes as one ONNX file.</summary>
    public static Term OnnxExport { get; } = new("the ONNX file to write");

    /// <summary>The folder of cached backbone features.</summary>
    public static Term FeatureCache { get; } = new("the feature cache");

    /// <summary>The folder the demo's sample pictures are exported to.</summary>
    public static Term SamplesFolder { get; } = new("the samples folder");

    /// <summary>Inference threads.</summary>
    public static Term Threads { get; } = new("the number of threads");

    /// <summary>Positions (or images) per inference call.</summary>
    public static Term BatchSize { get; } = new("the batch size");

    /// <summary>The memory a run may use.</summary>
    public static Term MemoryBudget { get; } = new("the memory budget");

    /// <inheritdoc/>
    public override string ToString() => Concept;
}
