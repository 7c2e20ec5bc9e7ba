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

    private KryptonException(FormattableString template) : base(Term.Text(template)) => _template = template;

    /// <summary>A problem whose message names terms (the <see cref="Term"/> arguments of <paramref name="template"/>).</summary>
    public static KryptonException Naming(FormattableString template) => new(template);

    /// <summary>The message with each term named by <paramref name="name"/> (the library's concept when it names none).</summary>
    public string Describe(Func<Term, string?> name) =>
        _template is null ? Message : Term.Text(_template, name);
}
