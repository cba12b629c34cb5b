namespace Convey.Configuration.Toml;

/// <summary>
/// Where each key path of a configuration read from an <c>IConfiguration</c> section was written: its configuration
/// path (<c>backends.pool.servers.a.addr</c> read from the section <c>Convey</c> is <c>Convey:backends:pool:servers:a:addr</c>).
/// Errors keep line 0 and carry the configuration path as their key path, which is what a user searches for in
/// appsettings.json, environment variables (<c>Convey__backends__...</c>) or any other provider.
/// </summary>
internal sealed class ConfigurationPathMap : ConfigSourceMap
{
    private readonly Dictionary<string, string> _paths = new(StringComparer.Ordinal);
    private readonly string _sectionPath;

    /// <summary>Creates the map of the section at <paramref name="sectionPath"/> (empty for a whole configuration).</summary>
    public ConfigurationPathMap(string sectionPath) => _sectionPath = sectionPath;

    /// <summary>Records that the key at dotted <paramref name="keyPath"/> is <paramref name="configurationPath"/>.</summary>
    public void Record(string keyPath, string configurationPath) => _paths[keyPath] = configurationPath;

    /// <summary>
    /// The configuration path of <paramref name="keyPath"/>: the recorded one, or below its nearest recorded parent
    /// (a key that is missing, such as a required one) with ':' between the keys.
    /// </summary>
    public string Locate(string keyPath)
    {
        var parent = TryFindNearest(_paths, keyPath, out var recorded, out var below) ? recorded : _sectionPath;
        if (below.Length == 0)
        {
            return parent;
        }

        below = below.Replace('.', ':');
        return parent.Length == 0 ? below : parent + ":" + below;
    }

    /// <summary><paramref name="error"/> with its configuration path as key path.</summary>
    public override ConfigError Place(ConfigError error) => new(error.Source, error.Line, error.Column, Locate(error.KeyPath), error.Message);
}
