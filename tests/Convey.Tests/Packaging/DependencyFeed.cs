using System.Text.Json;

namespace Convey.Tests.Packaging;

/// <summary>
/// Copies the packages a restored project depends on from NuGet's global packages folder into a local feed,
/// so that <c>dotnet add package … --source feed</c> (which restores from that one source only) finds the
/// whole dependency closure of the package under test.
/// </summary>
internal static class DependencyFeed
{
    public static void CopyRestoredDependencies(string projectDirectory, string feed)
    {
        using var assets = JsonDocument.Parse(File.ReadAllText(Path.Combine(projectDirectory, "obj", "project.assets.json")));
        var packagesFolder = assets.RootElement.GetProperty("packageFolders").EnumerateObject().First().Name;
        foreach (var library in assets.RootElement.GetProperty("libraries").EnumerateObject())
        {
            if (library.Value.GetProperty("type").GetString() != "package")
            {
                continue;
            }

            var path = library.Value.GetProperty("path").GetString()!;
            var nupkg = Path.Combine(packagesFolder, path, path.Replace('/', '.') + ".nupkg");
            File.Copy(nupkg, Path.Combine(feed, Path.GetFileName(nupkg)), overwrite: true);
        }
    }
}
