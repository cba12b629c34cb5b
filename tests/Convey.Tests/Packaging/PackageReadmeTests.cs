namespace Convey.Tests.Packaging;

/// <summary>The README each package shows on the registry page (packed from src/&lt;package&gt;/README.md).</summary>
public class PackageReadmeTests
{
    public static TheoryData<string> Packages()
    {
        var data = new TheoryData<string>();
        foreach (var project in Directory.GetFiles(Path.Combine(RepositoryLayout.Root, "src"), "*.csproj", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileNameWithoutExtension(project));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Packages))]
    public void Each_package_has_a_README_of_its_own_with_only_absolute_links_to_files_that_exist(string id)
    {
        var readme = Path.Combine(RepositoryLayout.Root, "src", id, "README.md");
        Assert.True(File.Exists(readme), $"{id} has no README.md beside its project");
        Assert.Empty(PackageReadme.Problems(id, File.ReadAllText(readme)));
    }

    [Fact]
    public void The_check_finds_a_relative_link_and_the_repository_README()
    {
        var root = File.ReadAllText(Path.Combine(RepositoryLayout.Root, "README.md"));

        Assert.Contains(PackageReadme.Problems("Convey", root), p => p.Contains("the repository's", StringComparison.Ordinal));
        Assert.Contains(PackageReadme.Problems("Convey", root), p => p.Contains("'docs/configuration.md' is not absolute", StringComparison.Ordinal));
        Assert.Contains(PackageReadme.Problems("Convey", $"# Convey\n```csharp\n```\n[x]({PackageReadme.RepositoryFiles}docs/missing.md)\n"),
            p => p.Contains("not in the repository", StringComparison.Ordinal));
    }
}
