namespace Convey.Configuration.Toml;

/// <summary>
/// Where each key path of a configuration was written. The reader fills it while it reads, then hands it over with
/// the snapshot (<see cref="ConveyConfig.SourceMap"/>), unchanged from then on, so that problems found later (by the
/// runtime, by an engine) are placed like the reader's own: at a line and column of a file
/// (<see cref="FilePositionMap"/>), or at a configuration path such as <c>Convey:backends:pool:servers:a:addr</c>
/// (<see cref="ConfigurationPathMap"/>).
/// </summary>
internal abstract class ConfigSourceMap
{
    /// <summary>
    /// <paramref name="error"/>, whose key path is dotted (<c>backends.pool.servers.a.addr</c>), placed where that key
    /// was written.
    /// </summary>
    public abstract ConfigError Place(ConfigError error);

    /// <summary>
    /// The entry recorded for <paramref name="path"/> or its nearest recorded parent, with the dotted part of
    /// <paramref name="path"/> below that parent (empty for an exact match); false when no parent was recorded.
    /// </summary>
    protected static bool TryFindNearest<T>(Dictionary<string, T> entries, string path, out T entry, out string below)
    {
        var parent = path;
        while (parent.Length > 0)
        {
            if (entries.TryGetValue(parent, out entry!))
            {
                below = parent.Length == path.Length ? "" : path[(parent.Length + 1)..];
                return true;
            }

            var dot = parent.LastIndexOf('.');
            parent = dot < 0 ? "" : parent[..dot];
        }

        entry = default!;
        below = path;
        return false;
    }
}
