using System.Text.RegularExpressions;

namespace Convey.Tests.Packaging;

/// <summary>
/// What a package's README must be to read well on the registry page: the package's own text (not the repository's
/// README), and only absolute links, each to a file that exists in this repository when it points into it.
/// </summary>
internal static partial class PackageReadme
{
    /// <summary>Where the repository's files are published; links into the repository start with it.</summary>
    public const string RepositoryFiles = "https://github.com/convey-lb/convey/blob/main/";

    /// <summary>Every problem of <paramref name="text"/> as the README of package <paramref name="id"/>; empty when it is fine.</summary>
    public static IReadOnlyList<string> Problems(string id, string text)
    {
        var problems = new List<string>();
        if (text == File.ReadAllText(Path.Combine(RepositoryLayout.Root, "README.md")))
        {
            problems.Add($"{id}: the README is the repository's, not the package's own");
        }

        if (!text.StartsWith($"# {id}\n", StringComparison.Ordinal))
        {
            problems.Add($"{id}: the README does not start with the heading '# {id}'");
        }

        if (!text.Contains("```csharp", StringComparison.Ordinal))
        {
            problems.Add($"{id}: the README has no C# example");
        }

        foreach (var target in LinkTargets(text))
        {
            if (!target.StartsWith("https://", StringComparison.Ordinal))
            {
                problems.Add($"{id}: link '{target}' is not absolute; it breaks on the registry page");
            }
            else if (target.StartsWith(RepositoryFiles, StringComparison.Ordinal))
            {
                var file = target[RepositoryFiles.Length..].Split('#')[0];
                if (!File.Exists(Path.Combine(RepositoryLayout.Root, file)))
                {
                    problems.Add($"{id}: link '{target}' names {file}, which is not in the repository");
                }
            }
        }

        return problems;
    }

    /// <summary>The targets of Markdown inline links and images, and of HTML href/src attributes.</summary>
    public static IEnumerable<string> LinkTargets(string text) =>
        MarkdownLink().Matches(text).Select(m => m.Groups[1].Value)
            .Concat(HtmlLink().Matches(text).Select(m => m.Groups[1].Value));

    [GeneratedRegex(@"\]\(\s*<?([^)\s>]+)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"(?:href|src)\s*=\s*[""']([^""']+)[""']")]
    private static partial Regex HtmlLink();
}
