using Microsoft.Extensions.Configuration;
using Tomlyn.Model;

namespace Convey.Configuration.Toml;

/// <summary>
/// Converts an <see cref="IConfiguration"/> section into the model the TOML reader maps (nested
/// <see cref="TomlTable"/>s), so that one schema, <see cref="ConveyConfigMapper"/>, reads both sources with the same
/// keys, defaults and checks. A key with children becomes a table, and so does an empty JSON object (a key with
/// neither value nor children); every other value stays the text that <see cref="IConfiguration"/> holds (JSON numbers
/// and booleans included), which the reader accepts where a number or boolean is expected. A JSON array arrives as
/// children named 0, 1, ..., so it reads as a table of named entries.
/// </summary>
internal static class ConfigurationModel
{
    /// <summary>Converts <paramref name="section"/>, recording the configuration path of every key in <paramref name="paths"/>.</summary>
    public static TomlTable Read(IConfiguration section, ConfigurationPathMap paths) =>
        ReadTable([.. section.GetChildren()], "", paths);

    private static TomlTable ReadTable(List<IConfigurationSection> children, string keyPath, ConfigurationPathMap paths)
    {
        var table = new TomlTable();
        foreach (var child in children)
        {
            var childKeyPath = ConfigReadContext.Join(keyPath, child.Key);
            paths.Record(childKeyPath, child.Path);
            List<IConfigurationSection> grandchildren = [.. child.GetChildren()];
            table[child.Key] = grandchildren.Count == 0 && child.Value is { } value
                ? value
                : ReadTable(grandchildren, childKeyPath, paths);
        }

        return table;
    }
}
