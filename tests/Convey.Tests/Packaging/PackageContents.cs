using System.IO.Compression;
using System.Xml.Linq;

namespace Convey.Tests.Packaging;

/// <summary>Checks what a .nupkg carries: its own README, icon, release notes, licence expression, repository, description, XML docs.</summary>
internal static class PackageContents
{
    public static void AssertComplete(string nupkg, string id)
    {
        using var zip = ZipFile.OpenRead(nupkg);
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("README.md", entries);
        Assert.Contains("icon.png", entries);
        Assert.Contains($"lib/net10.0/{id}.dll", entries);
        Assert.Contains($"lib/net10.0/{id}.xml", entries);

        using var nuspecStream = zip.GetEntry($"{id}.nuspec")!.Open();
        var metadata = XDocument.Load(nuspecStream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string? Value(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;
        var license = metadata.Elements().Single(e => e.Name.LocalName == "license");
        var repository = metadata.Elements().Single(e => e.Name.LocalName == "repository");

        Assert.Equal("expression", license.Attribute("type")?.Value);
        Assert.Equal("MIT", license.Value);
        Assert.Equal("README.md", Value("readme"));
        Assert.False(string.IsNullOrEmpty(repository.Attribute("url")?.Value), $"{id} has no repository url");
        Assert.False(string.IsNullOrEmpty(Value("projectUrl")), $"{id} has no project url");
        Assert.False(string.IsNullOrWhiteSpace(Value("description")) || Value("description") == "Package Description",
            $"{id} has no description of its own");
        Assert.Equal("icon.png", Value("icon"));
        Assert.False(string.IsNullOrWhiteSpace(Value("releaseNotes")), $"{id} has no release notes");

        using var readme = new StreamReader(zip.GetEntry("README.md")!.Open());
        var packed = readme.ReadToEnd();
        Assert.Equal(File.ReadAllText(Path.Combine(RepositoryLayout.Root, "src", id, "README.md")), packed);
        Assert.Empty(PackageReadme.Problems(id, packed));
    }
}
