namespace Krypton.Onnx.Import;

/// <summary>
/// The translator of every ONNX operator the closed op set expresses, by op type: what is not
/// here reads as an unsupported operator (and the model opaquely, where allowed). A new operator
/// is one entry in the table of its kind.
/// </summary>
internal static class OperatorTable
{
    public static IReadOnlyDictionary<string, Translator> Translators { get; } = Join(
        ActivationOperators.Table, ArithmeticOperators.Table, SpatialOperators.Table, ShapeOperators.Table);

    private static Dictionary<string, Translator> Join(params IReadOnlyDictionary<string, Translator>[] tables)
    {
        var all = new Dictionary<string, Translator>();
        foreach (var (opType, translator) in tables.SelectMany(t => t))
            all.Add(opType, translator);   // throws when two tables claim an op type: each has one translator
        return all;
    }
}
