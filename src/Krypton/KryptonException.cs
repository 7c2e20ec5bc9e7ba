using System.Globalization;

namespace Krypton;

/// <summary>
/// A problem with what the user asked for or gave (a file, a model, a spec) that the tool reports
/// as one clear line. Anything else escaping the library is a bug. A message may name
/// <see cref="Term"/>s: <see cref="Exception.Message"/> gives them in the library's words, and a
/// front end gives them in its own with <see cref="Describe"/>.
/// </summary>
public class KryptonException : Exception
{
    private readonly FormattableString? _template;

    /// <summary>Creates the exception with a message meant for the user.</summary>
    public KryptonException(string message) : base(message) { }

    /// <summary>Creates the exception with a message meant for the user and its cause.</summary>
    public KryptonException(string message, Exception inner) : base(message, inner) { }

    private KryptonException(FormattableString template) : base(Render(template, t => t.Concept)) => _template = template;

    /// <summary>A problem whose message names terms (the <see cref="Term"/> arguments of <paramref name="template"/>).</summary>
    public static KryptonException Naming(FormattableString template) => new(template);

    /// <summary>The message with each term named by <paramref name="name"/> (the library's concept when it names none).</summary>
    public string Describe(Func<Term, string?> name) =>
        _template is null ? Message : Render(_template, t => name(t) ?? t.Concept);

    private static string Render(FormattableString template, Func<Term, string> name) =>
        string.Format(CultureInfo.InvariantCulture, template.Format, template.GetArguments().Select(a => a is Term t ? name(t) : a).ToArray());
}
