using Krypton.Jobs;
using Krypton.Planning;
using Krypton.Quality;
using Krypton.Runtime;
using Krypton.Spec;
using Krypton.Training;

namespace Krypton.Tests;

/// <summary>
/// Everything that can be checked without the model is checked before it is loaded, so a mistake
/// costs no sweep. The model named here does not exist: a check that came after loading would
/// report that instead.
/// </summary>
public class EarlyCheckTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Missing => _temp.File("missing.onnx");

    private string AFile() => _temp.WriteText("a.txt", "mine");

    private static string Samples => Path.Combine(AppContext.BaseDirectory, "samples", "fashion-mnist");

    private ExplainJob Job => new(new OnnxFileSource(Missing), ExplainJobRunner.SampleImagePath, OcclusionSpec.Default);

    public static TheoryData<string, string> Settings => new()
    {
        { "threads", "the number of threads -3 must be 0 (all cores) or a positive number of threads" },
        { "batch", "the batch size 0 must be positive" },
        { "budget", "the memory budget of -1 bytes must be positive" },
        { "tau", "projective-field threshold tau = 0 must lie in (0, 1]" },
        { "quality", "quality 1.5 must lie in (0, 1]" },
        { "drill-down", "drill-down target speedup 1 must be above 1" },
        { "patch", "patch 0 must be positive" },
        { "steps", "faithfulness needs at least 1 step, got 0" },
        { "report", "is a folder; give a file name such as report.html" },
    };

    private ExplainJob With(string setting) => setting switch
    {
        "threads" => Job with { Resources = new ResourceOptions { Execution = new ExecutionOptions(Threads: -3) } },
        "batch" => Job with { Resources = new ResourceOptions { BatchSize = 0 } },
        "budget" => Job with { Resources = new ResourceOptions { MemoryBudgetBytes = -1 } },
        "tau" => Job with { Method = new MethodOptions(Tau: 0) },
        "quality" => Job with { Method = new MethodOptions(Quality: 1.5) },
        "drill-down" => Job with { Method = new MethodOptions(DrillDown: new DrillDown(1, 0.25)) },
        "patch" => Job with { Spec = OcclusionSpec.Default with { Patch = Size2.Square(0) } },
        "steps" => Job with { Faithfulness = new FaithfulnessOptions(Steps: 0) },
        "report" => Job with { ReportFile = _temp.Path },
        _ => throw new ArgumentException(setting),
    };

    [Theory]
    [MemberData(nameof(Settings))]
    public void A_setting_out_of_range_stops_a_job_before_the_model_is_loaded(string setting, string message)
    {
        Assert.Contains(message, Assert.Throws<KryptonException>(() => ExplainJobRunner.Prepare(With(setting))).Message);
        if (setting == "report") return;   // a folder run refuses any report: the gallery takes its place
        Assert.Contains(message, Assert.Throws<KryptonException>(() => ExplainFolder.Run(With(setting), [ExplainJobRunner.SampleImagePath], _temp.File("out"))).Message);
        Assert.False(Directory.Exists(_temp.File("out")));
    }

    [Fact]
    public void An_output_folder_that_cannot_take_the_files_stops_a_job_before_the_model_is_loaded()
    {
        string file = AFile();
        Assert.Equal($"the output folder {file} is a file; give a folder", Assert.Throws<KryptonException>(() => ExplainJobRunner.Prepare(Job, file)).Message);
        Assert.Equal("the output folder /proc/x/y cannot be created: /proc is not writable",
            Assert.Throws<KryptonException>(() => ExplainFolder.Run(Job, [ExplainJobRunner.SampleImagePath], "/proc/x/y")).Message);
    }

    [Fact]
    public void Training_the_head_checks_where_it_writes_before_reading_any_data()
    {
        var job = new TrainHeadJob(_temp.File("no-data"), _temp.File("cache"), "/proc/x/head.safetensors");
        Assert.Equal("the head file /proc/x/head.safetensors cannot be written: /proc is not writable",
            Assert.Throws<KryptonException>(() => job.Run(_ => { })).Message);
        Assert.StartsWith("the number of threads -1 must be",
            Assert.Throws<KryptonException>(() => (job with { HeadPath = _temp.File("h.safetensors"), Execution = new ExecutionOptions(-1) }).Run(_ => { })).Message);
    }

    [Fact]
    public void A_data_range_that_is_given_must_be_positive() =>
        Assert.Equal("a data range -1 must be positive",
            Assert.Throws<KryptonException>(() => Ssim.Compute(new double[64], new double[64], 8, 8, new SsimOptions(DataRange: -1))).Message);

    /// <summary>Command lines with a mistake and a model file that does not exist: the mistake is what the one line names.</summary>
    public static TheoryData<string, string> CommandLines => new()
    {
        { "explain --out {file}", "--out {file} is a file; give a folder" },
        { "explain --out /proc/x/y", "--out /proc/x/y cannot be created: /proc is not writable" },
        { "explain --threads -3", "--threads -3 must be 0 (all cores) or a positive number of threads" },
        { "explain --report /proc/x/r.html", "--report /proc/x/r.html cannot be written: /proc is not writable" },
        { "explain --input {images} --out {file}", "--out {file} is a file; give a folder" },
        { "explain --input {images} --batch 0 --dry-run", "--batch 0 must be positive" },
        { "explain --memory-budget 0", "--memory-budget 0 must be positive: a size like 512M or 2G" },
        { "explain --drill-down 3 --drill-fraction 1.5", "drill-down fraction r = 1.5 must lie in (0, 1)" },
        { "tune --images {images} --out /proc/x/p.json", "--out /proc/x/p.json cannot be written: /proc is not writable" },
        { "tune --images {images} --threads -2", "--threads -2 must be 0 (all cores) or a positive number of threads" },
        { "tune --images {images} --holdout 10", "held-out images must number between 1 and 9, got 10" },
        { "faithfulness --images {images} --csv /proc/x/a.csv", "--csv /proc/x/a.csv cannot be written: /proc is not writable" },
        { "faithfulness --images {images} --random-orders 0", "faithfulness needs at least 1 random map, got 0" },
        { "analyze --patch 0x4", "--patch 0x4 must be positive" },
        { "analyze --tau 1.5", "projective-field threshold tau = 1.5 must lie in (0, 1]" },
    };

    [Theory]
    [MemberData(nameof(CommandLines))]
    public void The_command_line_names_the_flag_and_stops_before_loading(string commandLine, string message)
    {
        string file = AFile();
        string Fill(string s) => s.Replace("{file}", file).Replace("{images}", Samples);
        string[] args = [.. Fill(commandLine).Split(' '), "--model", Missing];
        var (code, stdout, stderr) = CliTests.Krypton(args);
        Assert.Equal(2, code);
        Assert.Equal($"krypton: error: {Fill(message)}", Assert.Single(stderr.Split('\n'), l => l.StartsWith("krypton:", StringComparison.Ordinal)));
        Assert.Empty(stdout);
        Assert.Equal([file], Directory.GetFileSystemEntries(_temp.Path));
    }

    [Theory]
    [InlineData("--head /proc/x/h.safetensors", "--head /proc/x/h.safetensors cannot be written: /proc is not writable")]
    [InlineData("--head {head} --cache {file}", "--cache {file} is a file; give a folder")]
    [InlineData("--head {head} --threads -1", "--threads -1 must be 0 (all cores) or a positive number of threads")]
    [InlineData("--head {head} --batch 0", "--batch 0 must be positive")]
    public void Training_the_head_names_the_flag_before_reading_any_data(string flags, string message)
    {
        string file = AFile();
        string Fill(string s) => s.Replace("{file}", file).Replace("{head}", _temp.File("head.safetensors"));
        var (code, _, stderr) = CliTests.Krypton(["train-head", .. Fill(flags).Split(' '), "--data", _temp.File("no-data")]);
        Assert.Equal(2, code);
        Assert.Equal($"krypton: error: {Fill(message)}", stderr.Trim());
    }
}
