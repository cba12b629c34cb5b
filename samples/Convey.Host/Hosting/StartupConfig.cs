using Convey.Configuration;
using Convey.Host.CommandLine;

namespace Convey.Host.Hosting;

/// <summary>Reads the configuration file before the host starts, to check it and to size the host around it.</summary>
internal static class StartupConfig
{
    /// <summary>Reads and validates <paramref name="path"/>; on failure prints every error and returns null.</summary>
    public static ConveyConfig? Read(string path, HostConsole console)
    {
        // Path.Exists: a directory, FIFO or device exists, and the reader says what it is instead.
        if (!Path.Exists(path))
        {
            console.Error.WriteLine($"convey: the configuration file {Path.GetFullPath(path)} does not exist; name one with --config=FILE, or run 'convey --demo' to try Convey without one.");
            return null;
        }

        try
        {
            return TomlConfigReader.ReadFile(path);
        }
        catch (ConfigException ex)
        {
            ConfigErrorPrinter.Print(ex, console.Error);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            console.Error.WriteLine($"{path}: cannot read the configuration file: {ex.Message}");
            return null;
        }
    }
}
