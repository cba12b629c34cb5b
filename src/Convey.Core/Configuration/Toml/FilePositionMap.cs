namespace Convey.Configuration.Toml;

/// <summary>Where each key path of a configuration file was written, as a line and column.</summary>
internal sealed class FilePositionMap : ConfigSourceMap
{
    private static readonly KeyPosition DocumentStart = new(1, 1);
    private readonly Dictionary<string, KeyPosition> _positions = new(StringComparer.Ordinal);

    /// <summary>Records that <paramref name="path"/> was written at <paramref name="position"/>.</summary>
    public void Record(string path, KeyPosition position) => _positions[path] = position;

    /// <summary>
    /// Where <paramref name="path"/> was written, or its nearest written parent; the document start when none was. A
    /// quoted part (<c>sni."api.example.com"</c>, as an engine names a key with dots) is found as it was recorded,
    /// without its quotes.
    /// </summary>
    public KeyPosition Locate(string path) =>
        TryFindNearest(_positions, path.Replace("\"", "", StringComparison.Ordinal), out var position, out _) ? position : DocumentStart;

    /// <summary><paramref name="error"/> at the line and column of its key path, unless it already has a place.</summary>
    public override ConfigError Place(ConfigError error)
    {
        if (error.Line > 0)
        {
            return error;
        }

        var position = Locate(error.KeyPath);
        return new ConfigError(error.Source, position.Line, position.Column, error.KeyPath, error.Message);
    }
}
