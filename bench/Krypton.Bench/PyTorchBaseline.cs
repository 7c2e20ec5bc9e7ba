using System.Diagnostics;
using System.Text.Json;
using Krypton.Architectures;
using Krypton.Model;
using Krypton.IO;
using Krypton.Spec;

namespace Krypton.Bench;

/// <summary>
/// The baseline a Python user has: Debian's PyTorch running torchvision's definition of the same
/// network, with the same weights, as a batched naive occlusion sweep (bench/pytorch_naive.py).
/// </summary>
internal static class PyTorchBaseline
{
    // KRYPTON_PYTHON names another interpreter (a GPU host's PyTorch with CUDA, say).
    private static readonly string Python = Environment.GetEnvironmentVariable("KRYPTON_PYTHON") ?? "/usr/bin/python3";

    public static double? Run(string arch, ModelGraph folded, OcclusionSpec spec, BenchOptions options)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "pytorch_naive.py");
        if (!Available())
        {
            Console.WriteLine($"  (PyTorch baseline skipped: {Python} cannot import torch and torchvision)");
            return null;
        }
        string dir = Directory.CreateTempSubdirectory("krypton-bench-").FullName;
        try
        {
            // The same seeded weights, before batch-norm folding, under torchvision's names.
            var unfolded = BuiltinModels.Create(arch, WeightSource.Random(0));
            foreach (var (name, tensor) in BuiltinModels.StateDict(unfolded))
                NpyFile.Write(Path.Combine(dir, name + ".npy"), tensor.Data, tensor.Shape);
            var psi = new ProcessStartInfo(Python)
            {
                ArgumentList = { script, "--arch", arch, "--weights", dir, "--size", folded.Height.ToString(),
                    "--patch", spec.Patch.Height.ToString(), "--stride", spec.Stride.Height.ToString(),
                    "--batch", options.Batch.ToString(), "--threads", options.Threads.ToString(),
                    "--device", options.Device.ToString() },
                RedirectStandardOutput = true,
            };
            using var p = Process.Start(psi)!;
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
            {
                Console.WriteLine($"  (PyTorch baseline failed with exit code {p.ExitCode})");
                return null;
            }
            using var doc = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
            return doc.RootElement.GetProperty("seconds").GetDouble();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static bool Available()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(Python, ["-c", "import torch, torchvision"]) { RedirectStandardError = true })!;
            p.StandardError.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception) { return false; }
    }
}
