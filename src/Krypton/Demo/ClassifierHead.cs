using Krypton.Architectures;
using Krypton.Model;

namespace Krypton.Demo;

/// <summary>
/// A linear classification head: logits = Weight · features + Bias, with a name per class.
/// Stored as a safetensors file (tensors "weight" [classes, features] and "bias" [classes]) and a
/// labels file next to it (same name, extension .labels.txt, one class name per line).
/// </summary>
/// <param name="Weight">[classes, features].</param>
/// <param name="Bias">[classes].</param>
/// <param name="ClassNames">One name per class.</param>
public sealed record ClassifierHead(ConstantTensor Weight, ConstantTensor Bias, IReadOnlyList<string> ClassNames)
{
    /// <summary>Number of classes.</summary>
    public int Classes => Weight.Shape[0];

    /// <summary>Number of input features.</summary>
    public int InFeatures => Weight.Shape[1];

    /// <summary>The labels file that goes with a head file.</summary>
    public static string LabelsPath(string headPath) => Path.ChangeExtension(headPath, ".labels.txt");

    /// <summary>Reads a head and its labels.</summary>
    /// <exception cref="KryptonException">A file is missing or the shapes do not fit.</exception>
    public static ClassifierHead Load(string path)
    {
        if (!File.Exists(path))
            throw KryptonException.Naming($"classifier head not found: {path} (make one with {Term.HeadTrainer})");
        var file = SafetensorsFile.Open(path);
        var w = file.Read("weight");
        var b = file.Read("bias");
        string labelsPath = LabelsPath(path);
        if (!File.Exists(labelsPath))
            throw new KryptonException($"class names of the head not found: {labelsPath}");
        var names = File.ReadAllLines(labelsPath).Where(l => l.Length > 0).ToList();
        return Create(w, b, names, path);
    }

    /// <summary>A head, checking that weight, bias and names agree.</summary>
    public static ClassifierHead Create(ConstantTensor weight, ConstantTensor bias, IReadOnlyList<string> classNames, string source = "head")
    {
        if (weight.Shape.Length != 2 || bias.Shape.Length != 1 || bias.Shape[0] != weight.Shape[0])
            throw new KryptonException($"{source}: weight [{string.Join(",", weight.Shape)}] and bias [{string.Join(",", bias.Shape)}] do not form a linear head (weight [classes, features], bias [classes])");
        if (classNames.Count != weight.Shape[0])
            throw new KryptonException($"{source}: {classNames.Count} class names for {weight.Shape[0]} classes");
        return new ClassifierHead(weight, bias, classNames);
    }

    /// <summary>Writes the head and its labels file.</summary>
    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        SafetensorsFile.Write(path, [new("weight", Weight), new("bias", Bias)]);
        File.WriteAllLines(LabelsPath(path), ClassNames);
    }
}
