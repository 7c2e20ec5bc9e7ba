using System.Reflection;
using Krypton.Cli;

namespace Krypton.Tests;

/// <summary>Library messages name concepts; the command line names the same things by its flags.</summary>
public class TermTests
{
    private static IEnumerable<Term> AllTerms() =>
        typeof(Term).GetProperties(BindingFlags.Public | BindingFlags.Static).Select(p => (Term)p.GetValue(null)!);

    [Fact]
    public void Every_term_has_a_word_on_the_command_line()
    {
        var terms = AllTerms().ToList();
        Assert.True(terms.Count >= 10, $"only {terms.Count} terms were found");
        Assert.Empty(terms.Where(t => TermFlags.Of(t) is null).Select(t => t.Concept));
    }

    [Fact]
    public void A_message_names_concepts_in_the_library_and_flags_on_the_command_line()
    {
        var e = KryptonException.Naming($"{Term.PerPixel} needs a heat map; it does not go with {Term.Positions} ({3:0.0} of them)");
        Assert.Equal("the per-pixel map needs a heat map; it does not go with explicit positions (3.0 of them)", e.Message);
        Assert.Equal("--per-pixel needs a heat map; it does not go with --positions (3.0 of them)", e.Describe(TermFlags.Of));
        Assert.Equal("plain", new KryptonException("plain").Describe(TermFlags.Of));
    }
}
