namespace Krypton.IO;

/// <summary>CSV text as spreadsheets and pandas read it.</summary>
public static class Csv
{
    /// <summary>A field, quoted (its quotes doubled) when it holds a comma, a quote or a line break.</summary>
    public static string Field(string text) =>
        text.IndexOfAny([',', '"', '\n', '\r']) < 0 ? text : "\"" + text.Replace("\"", "\"\"") + "\"";
}
