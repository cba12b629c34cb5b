using Convey.Configuration.Toml;
using Microsoft.Extensions.Configuration;

namespace Convey.Configuration;

/// <summary>
/// Reads Convey's configuration from an <see cref="IConfiguration"/> section (appsettings.json, environment variables,
/// any provider) with exactly the keys of the TOML file: the section is converted into the TOML reader's model and
/// mapped by the same schema, so every key, default and check is the same. Values are text there, so numbers,
/// seconds and booleans are read from strings ("5", "1.5", "true"). Every problem is reported at once through one
/// <see cref="ConfigException"/>, each error with its configuration path (<c>Convey:backends:pool:servers:a:addr</c>)
/// as key path.
/// </summary>
internal static class ConfigurationSectionReader
{
    /// <summary>The <see cref="ConveyConfig.Source"/> of a snapshot read from configuration, and of its errors.</summary>
    public const string SourceName = "configuration";

    /// <summary>Reads and validates the configuration in <paramref name="configuration"/>.</summary>
    /// <exception cref="ConfigException">The section is empty or missing, or invalid.</exception>
    public static ConveyConfig Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var sectionPath = configuration is IConfigurationSection section ? section.Path : "";
        var paths = new ConfigurationPathMap(sectionPath);
        var root = ConfigurationModel.Read(configuration, paths);
        if (root.Count == 0)
        {
            // A file provider that fails to parse an edited file (or reads it mid-write) empties its keys; applying
            // that would remove every frontend.
            throw new ConfigException(new ConfigError(SourceName, 0, 0, sectionPath, EmptyMessage(sectionPath)));
        }

        return TomlConfigReader.Read(root, new ConfigReadContext(SourceName, paths));
    }

    private static string EmptyMessage(string sectionPath) => sectionPath.Length == 0
        ? "the configuration is empty, so it is refused (a file provider empties its keys when an edit cannot be parsed). "
            + "Give it at least one frontend: frontends:NAME:listen_addr and frontends:NAME:backend."
        : $"the configuration section '{sectionPath}' is empty or missing, so it is refused (a file provider empties its keys "
            + $"when an edit cannot be parsed). In appsettings.json, write a \"{sectionPath}\" object with \"frontends\" and "
            + $"\"backends\"; in other providers, keys such as {sectionPath}:frontends:NAME:listen_addr.";
}
