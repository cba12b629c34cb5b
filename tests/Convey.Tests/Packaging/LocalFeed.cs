namespace Convey.Tests.Packaging;

/// <summary>
/// The shipped packages packed once into a local feed, with every package they depend on, as a user installs from a
/// feed of their own; shared by the tests of a class, which each build a fresh app from it.
/// </summary>
public sealed class LocalFeed : IAsyncLifetime
{
    public static readonly string[] ShippedProjects = ["Convey.Core", "Convey.Proxy", "Convey.RawPacket", "Convey.Bird", "Convey"];
    public static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(3);

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("convey-pack-test-");

    /// <summary>A version of its own per run, so NuGet's global package cache never serves an older build of these packages.</summary>
    public string Version { get; } = $"0.0.1-embedtest.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";

    /// <summary>The feed folder.</summary>
    public string Path => System.IO.Path.Combine(_work.FullName, "feed");

    /// <summary>A folder for the apps built from the feed.</summary>
    public string Apps => System.IO.Path.Combine(_work.FullName, "apps");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path);
        Directory.CreateDirectory(Apps);
        foreach (var project in ShippedProjects)
        {
            await DotnetCli.RunAsync(RepositoryLayout.Root, StepTimeout, "pack", $"src/{project}/{project}.csproj", "--no-build",
                "-c", RepositoryLayout.Configuration, "-o", Path, $"-p:PackageVersion={Version}");
        }

        DependencyFeed.CopyRestoredDependencies(System.IO.Path.Combine(RepositoryLayout.Root, "src", "Convey"), Path);
    }

    /// <summary>The package file of <paramref name="project"/> (<c>nupkg</c> or <c>snupkg</c>).</summary>
    public string Package(string project, string extension = "nupkg") => System.IO.Path.Combine(Path, $"{project}.{Version}.{extension}");

    public Task DisposeAsync()
    {
        _work.Delete(recursive: true);
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                    ?? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var project in ShippedProjects)
        {
            var cached = System.IO.Path.Combine(cache, project.ToLowerInvariant(), Version);
            if (Directory.Exists(cached))
            {
                Directory.Delete(cached, recursive: true);
            }
        }

        return Task.CompletedTask;
    }
}
