namespace Convey.Configuration.Toml;

/// <summary>
/// Where each key path of a configuration file was written. The reader fills it while it reads, then hands it over
/// with the snapshot (<see cref="ConveyConfig.SourceMap"/>), unchanged from then on, so that problems found later (by
/// the runtime, by an engine) are reported at their line and column like the reader's own.
/// </summary>
internal sealed class ConfigSourceMap
{
    private static readonly KeyPosition DocumentStart = new(1, 1);
    private readonly Dictionary<string, KeyPosition> _positions = new(StringComparer.Ordinal);

    /// <summary>Records that <paramref name="path"/> was written at <paramref name="position"/>.</summary>
    public void Record(string path, KeyPosition position) => _positions[path] = position;

    /// <summary>Where <paramref name="path"/> was written, or its nearest written parent; the document start when none was.</summary>
    public KeyPosition Locate(string path)
    {
        while (path.Length > 0)
        {
            if (_positions.TryGetValue(path, out var position))
            {
                return position;
            }

            var dot = path.LastIndexOf('.');
            path = dot < 0 ? "" : path[..dot];
        }

        return DocumentStart;
    }

    /// <summary><paramref name="error"/> at the place of its key path, unless it already has a place.</summary>
    public ConfigError Place(ConfigError error)
    {
        if (error.Line > 0)
        {
            return error;
        }

        var position = Locate(error.KeyPath);
        return error with { Line = position.Line, Column = position.Column };
    }
}
