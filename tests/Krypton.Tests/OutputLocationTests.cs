using Krypton.IO;

namespace Krypton.Tests;

/// <summary>Where a run's files may go, told before the run: a folder that can be made and written, a file whose folder can.</summary>
public class OutputLocationTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string AFile() => _temp.WriteText("a.txt", "mine");

    [Fact]
    public void A_folder_that_can_be_made_is_fine_and_nothing_is_left_behind()
    {
        Assert.Null(OutputLocation.FolderProblem(Path.Combine(_temp.Path, "new", "deeper")));
        Assert.Null(OutputLocation.FolderProblem(_temp.Path));
        Assert.Null(OutputLocation.FileProblem(Path.Combine(_temp.Path, "new", "report.html"), "report.html"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_temp.Path));
    }

    [Fact]
    public void A_file_is_not_a_folder_nor_a_place_for_one()
    {
        string file = AFile();
        Assert.Equal("is a file; give a folder", OutputLocation.FolderProblem(file));
        Assert.Equal($"cannot be created: {file} is a file", OutputLocation.FolderProblem(Path.Combine(file, "sub")));
        Assert.Equal($"cannot be written: {file} is a file", OutputLocation.FileProblem(Path.Combine(file, "sub", "r.html"), "report.html"));
        Assert.Equal("mine", File.ReadAllText(file));
    }

    [Fact]
    public void A_folder_is_not_a_file()
    {
        Assert.Equal("is a folder; give a file name such as report.html", OutputLocation.FileProblem(_temp.Path, "report.html"));
        Assert.Null(OutputLocation.FileProblem(AFile(), "report.html"));   // an existing file is replaced
    }

    [Fact]
    public void A_place_that_takes_no_file_is_named()
    {
        // /proc takes no new file, not even from root (the tests may run as root, for whom permissions do not count).
        Assert.Equal("cannot be created: /proc is not writable", OutputLocation.FolderProblem("/proc/x/y"));
        Assert.Equal("cannot be written: /proc is not writable", OutputLocation.FileProblem("/proc/x/report.html", "report.html"));
    }

    [Fact]
    public void The_message_names_the_setting_in_the_library_and_the_flag_on_the_command_line()
    {
        string file = AFile();
        var e = Assert.Throws<KryptonException>(() => OutputLocation.CheckFolder(Term.OutputFolder, file));
        Assert.Equal($"the output folder {file} is a file; give a folder", e.Message);
        Assert.Equal($"--out {file} is a file; give a folder", e.Describe(Krypton.Cli.TermFlags.Of));
    }
}
