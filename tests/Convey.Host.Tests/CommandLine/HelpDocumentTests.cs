using System.Text.RegularExpressions;
using Convey.Host.CommandLine;
using Convey.Host.Tests.Infrastructure;

namespace Convey.Host.Tests.CommandLine;

/// <summary>
/// <c>--help</c> (and the Debian package's man page, which is made from it) and docs/operations.md, "Command line",
/// describe the same command line: the same usage line and the same flags.
/// </summary>
public partial class HelpDocumentTests
{
    [Fact]
    public void Help_and_the_operations_guide_show_the_same_usage_line_and_the_same_flags()
    {
        var help = new StringWriter();
        UsageText.Write(help);
        var helpLines = help.ToString().Split('\n');
        var section = CommandLineSection();

        Assert.StartsWith("Usage: ", helpLines[0], StringComparison.Ordinal);
        Assert.Contains(helpLines[0]["Usage: ".Length..], section, StringComparison.Ordinal);
        var documented = Flags(string.Join('\n', section.Split('\n').Where(l => l.StartsWith("| `-", StringComparison.Ordinal)).Select(l => l.Split('|')[1])));
        var printed = Flags(string.Join('\n', helpLines.Skip(1)));
        Assert.Equal(documented, printed);
    }

    private static string CommandLineSection()
    {
        var text = File.ReadAllText(Path.Combine(HostBinary.RepositoryRoot, "docs", "operations.md"));
        var start = text.IndexOf("\n## Command line\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/operations.md has no section '## Command line'");
        var end = text.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        return text[start..(end < 0 ? text.Length : end)];
    }

    private static SortedSet<string> Flags(string text) =>
        new(Flag().Matches(text).Select(m => m.Value), StringComparer.Ordinal);

    [GeneratedRegex(@"(?<![\w-])--?[a-z][a-z-]*")]
    private static partial Regex Flag();
}
