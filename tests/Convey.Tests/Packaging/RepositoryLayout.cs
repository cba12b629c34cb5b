namespace Convey.Tests.Packaging;

/// <summary>Where the repository and the built configuration of these tests are.</summary>
internal static class RepositoryLayout
{
    /// <summary>The folder holding Convey.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The build configuration these tests were built with (Debug or Release): the packages are packed from the same build.</summary>
    public static string Configuration { get; } =
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    /// <summary>The ```csharp code block of docs/embedding.md that contains <paramref name="marker"/>, as a Program.cs.</summary>
    public static string EmbeddingSnippet(string marker)
    {
        var lines = File.ReadAllLines(Path.Combine(Root, "docs", "embedding.md"));
        for (var start = Array.IndexOf(lines, "```csharp"); start >= 0; start = Array.IndexOf(lines, "```csharp", start + 1))
        {
            var end = Array.IndexOf(lines, "```", start + 1);
            var block = string.Join('\n', lines[(start + 1)..end]) + "\n";
            if (block.Contains(marker, StringComparison.Ordinal))
            {
                return block;
            }
        }

        Assert.Fail($"docs/embedding.md has no ```csharp block with {marker}");
        return "";
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Convey.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Convey.sln not found above " + AppContext.BaseDirectory);
    }
}
