using System.Diagnostics;
using Krypton.Demo;
using Krypton.Explain;
using Krypton.Imaging;
using Krypton.IO;
using Krypton.Model;
using Krypton.Output;
using Krypton.Planning;
using Krypton.Spec;

namespace Krypton.Jobs;

/// <summary>Loads, checks, runs and writes explain jobs; the command line is a thin layer over this.</summary>
public static class ExplainJobRunner
{
    /// <summary>The sample image shipped with the tool: a Fashion-MNIST test image (an ankle boot) for the demo model.</summary>
    public static string SampleImagePath => Path.Combine(AppContext.BaseDirectory, "samples", "fashion-mnist", "t10k-00000-ankle-boot.png");

    /// <summary>Checks the job's settings (<see cref="CheckSettings"/>), then loads the model and the input and checks the spec against them.</summary>
    public static PreparedJob Prepare(ExplainJob job) => Prepare(job, (LoadedModel?)null);

    /// <summary>
    /// Prepares the job as <see cref="Prepare(ExplainJob)"/> does, after checking, before anything
    /// is loaded, that <paramref name="outDir"/> (where <see cref="Write"/> will put the files) can
    /// be made and written: a mistake there stops the job before the sweep.
    /// </summary>
    public static PreparedJob Prepare(ExplainJob job, string outDir)
    {
        CheckSettings(job);
        OutputLocation.CheckFolder(Term.OutputFolder, outDir);
        return Prepare(job);
    }

    /// <summary>
    /// Loads the input and checks the spec against it and the model: <paramref name="model"/> when
    /// given (one load for many images), else the job's, loaded now.
    /// </summary>
    public static PreparedJob Prepare(ExplainJob job, LoadedModel? model)
    {
        var start = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        string inputPath = job.InputFile ?? SampleImagePath;
        if (!File.Exists(inputPath))
            throw new KryptonException($"input file not found: {inputPath}");
        if (model is null)
        {
            CheckSettings(job);
            model = job.Model.Load();
        }
        var checkedJob = Check(job, model, ModelInput.IsTensorFile(inputPath) ? InputKind.Tensor : InputKind.Picture);
        var g = model.Graph;
        var normalization = checkedJob.Normalization;
        var loaded = ModelInput.Load(inputPath, g.Channels, g.Height, g.Width, normalization, framing: job.Framing);
        return new PreparedJob(job, model, loaded.Tensor, loaded.Display, Path.GetFullPath(inputPath), FileHash.Sha256(inputPath), loaded.Kind, normalization,
            checkedJob.Grid, clock.Elapsed)
        {
            StartUtc = start,
            Framed = loaded.Framed,
            Profile = checkedJob.Profile,
            ProfilePath = checkedJob.ProfilePath,
            Labels = checkedJob.Labels,
        };
    }

    /// <summary>
    /// Checks what needs neither the model nor the input, so that a mistake stops the job before
    /// anything is loaded: the patch and stride, the ranges of the method, resources and
    /// faithfulness settings, the precision on the device, settings that do not go together, and that the report file can be
    /// written. <see cref="Prepare(ExplainJob)"/> and <c>ExplainFolder.Run</c> call it first.
    /// </summary>
    /// <exception cref="KryptonException">A setting is out of range, contradicts another, or names a report file that cannot be written.</exception>
    public static void CheckSettings(ExplainJob job)
    {
        job.Spec.Validate();
        job.Method.Check();
        job.Resources.Check();
        job.Resources.Execution.Check(job.Method.Precision);
        job.Faithfulness?.Check();
        job.Framing?.Check();
        if (job.Spec.Positions is not null && (job.ReportFile is not null || job.Faithfulness is not null || job.PerPixel || job.OnOriginal))
            throw KryptonException.Naming($"{(job.ReportFile is not null ? Term.Report : job.Faithfulness is not null ? Term.Faithfulness : job.PerPixel ? Term.PerPixel : Term.OnOriginal)} needs a heat map; it does not go with {Term.Positions}");
        if (job.ProfileFile is not null && job.Method.Quality is null)
            throw KryptonException.Naming($"{Term.Profile} goes with {Term.Quality}: the profile turns a quality target into settings");
        if (job.ReportFile is { } report)
            OutputLocation.CheckFile(Term.ReportFile, report, "report.html");
        if (job.LabelsFile is { } labels)
            ClassLabels.Read(labels);
    }

    /// <summary>
    /// Checks everything about a job that does not depend on its input's content, for inputs of the
    /// given kinds: normalization, spec, outputs, target, fill, profile.
    /// </summary>
    /// <remarks>
    /// A picture is normalized as the job says, else as the model was trained, else as ImageNet's
    /// models are. A tensor (.npy) is used as is: its normalization is known only when the job or the
    /// model states it, and a fill in pixel values (gray, black, a number, a picture baseline) needs it;
    /// without it such a fill is refused rather than converted through a guess.
    /// </remarks>
    /// <exception cref="KryptonException">Something does not fit the model or the rest of the job.</exception>
    public static CheckedJob Check(ExplainJob job, LoadedModel model, InputKind inputs = InputKind.Picture)
    {
        CheckSettings(job);
        var g = model.Graph;
        var stated = job.Normalization ?? model.Normalization;
        var normalization = inputs.HasFlag(InputKind.Picture) ? model.NormalizationOr(job.Normalization) : stated;
        normalization?.CheckChannels(g.Channels);
        job.Spec.Validate(g.Height, g.Width);
        job.Spec.Target?.Validate(g.OutputSize);
        if (inputs.HasFlag(InputKind.Tensor) && job.OnOriginal)
            throw KryptonException.Naming($"{Term.OnOriginal} maps the heat map back onto a picture; a tensor input (.npy) has none");
        if (inputs.HasFlag(InputKind.Tensor) && stated is null && NeedsPixelNormalization(job.Spec.Fill))
            throw KryptonException.Naming($"{Term.Fill} {job.Spec.Fill} is given in pixel values, but a tensor input (.npy) is used as is and its normalization is not known: give the fill in the tensor's own values (tensor:V, mean, blur, or a .npy baseline), or state the normalization ({Term.Normalization})");
        // A baseline is read now, so that a missing or misshapen one stops a folder run before its first image.
        if (job.Spec.Fill is BaselineFill baseline)
            FillValues.Baseline(baseline, g.Channels, g.Height, g.Width, normalization);
        var grid = job.Spec.GridFor(g.Height, g.Width);
        string? profilePath = job.ProfileFile ?? (job.Method.Quality is not null && job.Model.IsDemo
            ? DemoModel.ProfilePath(job.Spec.Patch, job.Spec.Stride, job.Spec.GridKind) : null);
        QualityProfile? profile = null;
        if (profilePath is not null && (job.ProfileFile is not null || File.Exists(profilePath)))
        {
            profile = QualityProfile.Load(profilePath);
            profile.CheckApplies(g, job.Spec, model.Sha256);
        }
        return new CheckedJob(inputs == InputKind.Tensor ? stated : normalization, grid, profile, profile is null ? null : Path.GetFullPath(profilePath!))
        {
            Labels = model.LabelsWith(job.LabelsFile),
        };
    }

    /// <summary>True for a fill stated in pixel values: converting it needs the input's normalization.</summary>
    private static bool NeedsPixelNormalization(Fill fill) =>
        fill is PixelFill || fill is BaselineFill b && !ModelInput.IsTensorFile(b.Path);

    /// <summary>
    /// The occlusion request of a job on a prepared input; <paramref name="normalization"/> null when
    /// it is not known (a tensor input whose fill is in its own values: no conversion happens).
    /// </summary>
    public static ExplainRequest RequestFor(ExplainJob job, ModelGraph model, float[] input, Preprocessing? normalization, QualityProfile? profile) =>
        new(model, input, job.Spec, normalization ?? Preprocessing.None) { Method = job.Method with { Profile = profile }, Resources = job.Resources };

    /// <summary>The plan of a prepared job, without running it (compiles the incremental graphs to size the memory, opens no session).</summary>
    public static OcclusionPlan Plan(PreparedJob prepared)
    {
        using var engine = new OcclusionEngine();
        return engine.Plan(prepared.Request);
    }

    /// <summary>
    /// Runs the occlusion experiment of a prepared job, on <paramref name="engine"/> when given (its
    /// compiled programs serve every image of the model), else on programs compiled for this job.
    /// A watcher (<paramref name="values"/>) sees each batch of cells with their values as they
    /// arrive, and the grid is then swept coarse to fine (<see cref="SweepOrder.CoarseFirst"/>), so
    /// that a picture of the whole map appears early; the finished map is the same.
    /// </summary>
    public static JobResult Run(PreparedJob prepared, IProgress<OcclusionProgress>? progress = null, CancellationToken cancellation = default,
        OcclusionEngine? engine = null, IProgress<MapValues>? values = null)
    {
        var job = prepared.Job;
        var request = values is null ? prepared.Request : prepared.Request with { Order = SweepOrder.CoarseFirst };
        using var own = engine is null ? new OcclusionEngine() : null;
        var explanation = (engine ?? own!).Explain(request, progress, cancellation, values) with { Labels = prepared.Labels };
        var clock = Stopwatch.StartNew();
        var faithfulness = job.Faithfulness is { } options
            ? Quality.Faithfulness.Measure(request, explanation, options with { MemoryBudgetBytes = options.MemoryBudgetBytes ?? job.Resources.MemoryBudgetBytes }, cancellation)
            : null;
        return new JobResult(prepared, explanation) { Faithfulness = faithfulness, FaithfulnessTime = faithfulness is null ? TimeSpan.Zero : clock.Elapsed };
    }

    /// <summary>
    /// Writes the job's files into the folder (<see cref="ExplanationFiles.Write"/>: maps, overlays,
    /// explanation.json, each written atomically) and the HTML report when the job names one.
    /// </summary>
    /// <exception cref="KryptonException">The folder cannot be made or written (checked again: it may have changed since <see cref="Prepare(ExplainJob, string)"/>).</exception>
    public static void Write(JobResult result, string outDir)
    {
        OutputLocation.CheckFolder(Term.OutputFolder, outDir);
        result.WrittenFiles.AddRange(ExplanationFiles.Write(OutputOf(result), outDir));
    }

    /// <summary>What the report of a finished job shows; <paramref name="overlay"/> is the overlay PNG, when there is one.</summary>
    public static ReportContent ReportContentOf(JobResult result, byte[]? overlay) => ExplanationFiles.ReportContentOf(OutputOf(result), overlay);

    /// <summary>A finished job as the output files see it: the explanation with where it came from and how it ran.</summary>
    public static ExplanationOutput OutputOf(JobResult result)
    {
        var p = result.Prepared;
        var job = p.Job;
        var run = new RunRecord
        {
            Model = p.Model.Graph,
            ModelDescription = p.Model.Description,
            ModelFile = p.Model.Path,
            ModelSha256 = p.Model.Sha256,
            InputFile = p.InputPath,
            InputSha256 = p.InputSha256,
            InputKind = p.InputKind,
            Normalization = p.Normalization,
            Framed = p.Framed,
            ProfileFile = p.ProfilePath,
            RequestSha256 = RequestDigest.Sha256(p),
            CommandLine = job.CommandLine,
            RequestedMode = job.Method.Mode,
            Resources = job.Resources,
            LoadTime = p.LoadTime,
            JobStartUtc = p.StartUtc,
            CommandStartUtc = job.CommandStartUtc,
            FaithfulnessTime = result.FaithfulnessTime,
        };
        return new ExplanationOutput(result.Explanation, run)
        {
            Faithfulness = result.Faithfulness,
            DisplayImage = p.DisplayImage,
            PerPixel = job.PerPixel,
            ReportFile = job.ReportFile,
            Overlay = job.Overlay,
            OnOriginal = job.OnOriginal,
        };
    }
}
