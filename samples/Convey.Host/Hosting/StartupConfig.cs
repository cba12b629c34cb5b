using Convey.Configuration;
using Convey.DependencyInjection;
using Convey.Etcd;
using Convey.Host.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Convey.Host.Hosting;

/// <summary>
/// Reads the configuration before the host starts, to check it and to size the host around it: a TOML file, or the
/// document under an etcd key when <c>--config</c> is an <c>etcd://</c> (or <c>etcds://</c>) URL.
/// </summary>
internal static class StartupConfig
{
    /// <summary>Whether <paramref name="location"/> names an etcd key rather than a file.</summary>
    public static bool IsEtcd(string location) => EtcdUri.IsEtcdUri(location);

    /// <summary>Reads and validates the configuration at <paramref name="location"/>; on failure prints every error and returns null.</summary>
    public static async Task<ConveyConfig?> ReadAsync(string location, HostConsole console, CancellationToken cancellationToken) =>
        IsEtcd(location) ? await ReadEtcdAsync(location, console, cancellationToken) : ReadFile(location, console);

    /// <summary>Adds the configuration source for <paramref name="location"/>: the file, watched, or the etcd key, watched.</summary>
    public static void AddSource(IConveyBuilder convey, string location)
    {
        if (IsEtcd(location))
        {
            convey.AddEtcdConfig(location, EtcdEnvironment.Apply);
        }
        else
        {
            convey.AddTomlFile(location);
        }
    }

    private static async Task<ConveyConfig?> ReadEtcdAsync(string uri, HostConsole console, CancellationToken cancellationToken)
    {
        var options = new EtcdConfigOptions();
        var problems = EtcdUri.TryApply(uri, options) is { } error ? [error] : Problems(options);
        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                await console.Error.WriteLineAsync($"convey: --config {uri}: {problem}");
            }

            return null;
        }

        await using var source = new EtcdConfigSource(options, TimeProvider.System, NullLogger<EtcdConfigSource>.Instance);
        try
        {
            return await source.ReadOnceAsync(cancellationToken);
        }
        catch (ConfigException ex)
        {
            ConfigErrorPrinter.Print(ex, console.Error);
            return null;
        }
    }

    private static IReadOnlyList<string> Problems(EtcdConfigOptions options)
    {
        EtcdEnvironment.Apply(options);
        return options.Validate();
    }

    private static ConveyConfig? ReadFile(string path, HostConsole console)
    {
        // Path.Exists: a directory, FIFO or device exists, and the reader says what it is instead.
        if (!Path.Exists(path))
        {
            console.Error.WriteLine($"convey: the configuration file {Path.GetFullPath(path)} does not exist; name one with --config=FILE (or --config=etcd://HOST:PORT/KEY), or run 'convey --demo' to try Convey without one.");
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
