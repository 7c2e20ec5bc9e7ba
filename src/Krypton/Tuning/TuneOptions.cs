using Krypton.Planning;
using Krypton.Runtime;
using Krypton.Spec;

namespace Krypton.Tuning;

/// <summary>How <see cref="Tuner"/> sweeps and chooses.</summary>
/// <param name="Quality">The SSIM to reach (against the exact map).</param>
/// <param name="Taus">τ values swept (1 is always added: the exact reference); default 1.0, 0.9 … 0.4 as in KRYPTON §3.</param>
/// <param name="DrillDowns">Drill-down settings evaluated at every τ; default <see cref="DefaultDrillDowns"/>; empty for none.</param>
/// <param name="HoldOut">Images held out to check the choice; default a third of them (at least one).</param>
/// <param name="Confidence">Share of images the chosen settings must serve: the choice uses the SSIM the fit predicts at this quantile over images, not just the mean.</param>
/// <param name="NaivePositions">Positions of the naive sweep timed for the naive baseline.</param>
/// <param name="BatchSize">Positions per call; null for the memory budget's choice.</param>
/// <param name="Execution">ONNX Runtime options.</param>
/// <param name="Precisions">Precisions swept with every τ (float32 is always added: the reference); default <see cref="DefaultPrecisions"/> for the device.</param>
public sealed record TuneOptions(
    double Quality = 0.9,
    IReadOnlyList<double>? Taus = null,
    IReadOnlyList<DrillDown>? DrillDowns = null,
    int? HoldOut = null,
    double Confidence = 0.9,
    int NaivePositions = 256,
    int? BatchSize = null,
    ExecutionOptions? Execution = null,
    IReadOnlyList<Precision>? Precisions = null)
{
    /// <summary>The precisions swept by default on a device: those it runs faster than float32 (int8 on a CPU; TF32 and float16 on CUDA), and float32.</summary>
    public static IReadOnlyList<Precision> DefaultPrecisions(bool cuda) => Enum.GetValues<Precision>().Where(p => p.IsFastOn(cuda)).ToList();

    /// <summary>The precisions swept: <see cref="Precisions"/> or the device's default, float32 first.</summary>
    public IReadOnlyList<Precision> PrecisionsSwept => (Precisions ?? DefaultPrecisions((Execution ?? ExecutionOptions.Default).IsCuda)).Prepend(Precision.Fp32).Distinct().ToList();

    /// <summary>The paper's sweep: τ = 1.0, 0.9 … 0.4.</summary>
    public static IReadOnlyList<double> PaperTaus { get; } = [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4];

    /// <summary>Drill-down settings from mild (2× fewer inferences, a quarter refined) to strong (about 11×, 5 % refined).</summary>
    public static IReadOnlyList<DrillDown> DefaultDrillDowns { get; } =
        [new(2, 0.25), new(3, 0.2), new(4, 0.15), new(6, 0.1), new(8, 0.05), new(12, 0.05)];

    /// <summary>The images held out of <paramref name="images"/>: <see cref="HoldOut"/>, or a third of them (at least one).</summary>
    public int HoldOutOf(int images) => HoldOut ?? Math.Max(1, images / 3);

    /// <summary>
    /// Checks the settings for tuning on <paramref name="images"/> images, before anything is
    /// loaded or run: the quality and confidence, the held-out share, every τ and drill-down
    /// setting, the batch size and threads.
    /// </summary>
    /// <exception cref="KryptonException">A setting is out of range.</exception>
    public void Check(int images)
    {
        QualityProfile.CheckQuality(Quality);
        QualityProfile.Quantile(Confidence);
        if (images < 2)
            throw new KryptonException($"tuning needs at least 2 images (some to tune on, at least one held out to check); got {images}");
        int holdOut = HoldOutOf(images);
        if (holdOut < 1 || holdOut >= images)
            throw new KryptonException($"held-out images must number between 1 and {images - 1}, got {holdOut}");
        foreach (var t in Taus ?? PaperTaus)
            if (!(t > 0 && t <= 1)) throw new KryptonException($"tau {t} must lie in (0, 1]");
        foreach (var d in DrillDowns ?? DefaultDrillDowns)
            d.Check();
        if (NaivePositions < 1)
            throw new KryptonException($"the naive baseline needs at least 1 position to time, got {NaivePositions}");
        var execution = Execution ?? ExecutionOptions.Default;
        new ResourceOptions { BatchSize = BatchSize, Execution = execution }.Check();
        foreach (var p in PrecisionsSwept)
            execution.Check(p);
    }
}
