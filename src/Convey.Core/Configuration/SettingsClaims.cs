using Convey.Configuration.Toml;

namespace Convey.Configuration;

/// <summary>
/// Refuses settings no owner claims: a key of a frontend or pool, or a top-level table, that neither Core nor a
/// registered engine or the host reads is a typo or a leftover, reported with the nearest known key.
/// </summary>
internal static class SettingsClaims
{
    public static IEnumerable<ConfigError> Check(ConveyConfig config, IReadOnlyCollection<IConfigSettingsOwner> owners)
    {
        var frontendKeys = Known(ConveyConfigMapper.FrontendKeys, owners.SelectMany(o => o.FrontendKeys));
        var poolKeys = Known(ConveyConfigMapper.PoolKeys, owners.SelectMany(o => o.PoolKeys));
        var sections = Known(["frontends", "backends"], owners.SelectMany(o => o.Sections));

        var errors = new List<ConfigError>();
        foreach (var frontend in config.Frontends)
        {
            Unclaimed(frontend.Settings.Keys, frontendKeys, $"frontends.{frontend.Name}", config.Source, errors);
        }

        foreach (var pool in config.Pools)
        {
            Unclaimed(pool.Settings.Keys, poolKeys, $"backends.{pool.Name}", config.Source, errors);
        }

        Unclaimed(config.Sections.Keys, sections, "", config.Source, errors);
        return errors;
    }

    private static string[] Known(IEnumerable<string> core, IEnumerable<string> owned) => [.. core.Concat(owned).Distinct(StringComparer.Ordinal)];

    private static void Unclaimed(IEnumerable<string> keys, string[] known, string path, string source, List<ConfigError> errors)
    {
        foreach (var key in keys.Select(k => k.Split(':')[0]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (Array.IndexOf(known, key) >= 0)
            {
                continue;
            }

            var nearest = KeySuggestion.Nearest(key, known);
            var hint = nearest is null ? "" : $" Did you mean '{nearest}'?";
            var where = path.Length == 0 ? "table" : "key";
            errors.Add(new ConfigError(source, 0, 0, ConfigReadContext.Join(path, key),
                $"unknown {where} '{key}'.{hint} Known {where}s here: {string.Join(", ", known)}."));
        }
    }
}
