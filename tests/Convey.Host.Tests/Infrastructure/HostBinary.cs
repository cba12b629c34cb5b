namespace Convey.Host.Tests.Infrastructure;

/// <summary>Where the built host and the repository's fixtures are.</summary>
internal static class HostBinary
{
    /// <summary>The repository's root folder (the one holding Convey.sln).</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>
    /// The environment variable naming a published host binary (the NativeAOT build, `-p:PublishAot=true`) to run instead of the
    /// built Convey.Host.dll: <c>CONVEY_HOST_BINARY=out/Convey.Host dotnet test tests/Convey.Host.Tests</c>.
    /// </summary>
    public const string BinaryVariable = "CONVEY_HOST_BINARY";

    /// <summary>The command that starts the host: the published binary named by <see cref="BinaryVariable"/>, else <c>dotnet Convey.Host.dll</c>.</summary>
    public static IReadOnlyList<string> Command { get; } = FindCommand();

    /// <summary>Whether <see cref="Command"/> runs the published native binary rather than the JIT build.</summary>
    public static bool IsNative => Command.Count == 1;

    /// <summary>The built Convey.Host.dll of the same configuration as these tests.</summary>
    public static string Path { get; } = FindHost();

    /// <summary>The seed configuration files of the original Convey (copied next to the tests).</summary>
    public static string SeedFixtures => System.IO.Path.Combine(AppContext.BaseDirectory, "fixtures", "seed");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Convey.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Convey.sln not found above " + AppContext.BaseDirectory);
    }

    private static IReadOnlyList<string> FindCommand()
    {
        if (Environment.GetEnvironmentVariable(BinaryVariable) is { Length: > 0 } binary)
        {
            var full = System.IO.Path.GetFullPath(binary, RepositoryRoot);
            return File.Exists(full) ? [full] : throw new FileNotFoundException($"{BinaryVariable} names no file.", full);
        }

        return ["dotnet", FindHost()];
    }

    private static string FindHost()
    {
        // Tests run from tests/Convey.Host.Tests/bin/<Configuration>/<tfm>/; the host builds to the same pair.
        var tfmDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(System.IO.Path.DirectorySeparatorChar));
        var configuration = tfmDir.Parent!.Name;
        var path = System.IO.Path.Combine(RepositoryRoot, "samples", "Convey.Host", "bin", configuration, tfmDir.Name, "Convey.Host.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("Build the host first (it is a project reference of the tests).", path);
    }
}
