using System.Globalization;

namespace Convey.Configuration;

/// <summary>
/// Reads typed values from a <see cref="ConfigSettings"/> for the parts of Convey that own them, reporting each value
/// that cannot be read at its key path with the same wording as the TOML reader. A missing key gives the fallback.
/// </summary>
/// <param name="settings">The settings to read.</param>
/// <param name="path">Key path of the table the settings come from, for example <c>frontends.web</c>.</param>
/// <param name="source">The configuration's source, for errors.</param>
/// <param name="errors">Where problems are added.</param>
internal sealed class SettingsReader(ConfigSettings settings, string path, string source, ICollection<ConfigError>? errors = null)
{
    /// <summary>Longest accepted time value, in seconds, as for Core's own time keys.</summary>
    private const double MaxSeconds = 1_000_000;

    /// <summary>Reads the section <paramref name="section"/> of <paramref name="config"/>.</summary>
    public static SettingsReader ForSection(ConveyConfig config, string section, ICollection<ConfigError>? errors = null) =>
        new(config.Section(section), section, config.Source, errors);

    /// <summary>Reads the settings of frontend <paramref name="frontend"/>.</summary>
    public static SettingsReader ForFrontend(FrontendConfig frontend, string source, ICollection<ConfigError>? errors = null) =>
        new(frontend.Settings, $"frontends.{frontend.Name}", source, errors);

    /// <summary>Reads the settings of pool <paramref name="pool"/>.</summary>
    public static SettingsReader ForPool(BackendPoolConfig pool, string source, ICollection<ConfigError>? errors = null) =>
        new(pool.Settings, $"backends.{pool.Name}", source, errors);

    public bool Contains(string key) => settings.ContainsKey(key);

    public string? GetString(string key) => settings.TryGetValue(key, out var text) ? text : null;

    public bool GetBool(string key, bool fallback)
    {
        if (GetString(key) is not { } text)
        {
            return fallback;
        }

        if (bool.TryParse(text.Trim(), out var flag))
        {
            return flag;
        }

        Report(key, $"'{key}' must be true or false, not \"{text}\".");
        return fallback;
    }

    /// <summary>Reads a whole number between <paramref name="min"/> and <paramref name="max"/>.</summary>
    public int GetInt(string key, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        if (GetString(key) is not { } text)
        {
            return fallback;
        }

        if (!long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            Report(key, $"'{key}' must be a whole number, not \"{text}\".");
            return fallback;
        }

        if (number < min || number > max)
        {
            Report(key, $"{key} must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}, not {number.ToString(CultureInfo.InvariantCulture)}.");
            return fallback;
        }

        return (int)number;
    }

    /// <summary>Reads a positive time in seconds (integer or decimal).</summary>
    public TimeSpan GetSeconds(string key, TimeSpan fallback)
    {
        if (GetString(key) is not { } text)
        {
            return fallback;
        }

        if (!double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || double.IsNaN(seconds) || double.IsInfinity(seconds))
        {
            Report(key, $"'{key}' must be a number of seconds, not \"{text}\".");
            return fallback;
        }

        if (seconds <= 0 || seconds > MaxSeconds)
        {
            Report(key, $"{key} must be a positive number of seconds (at most {MaxSeconds.ToString(CultureInfo.InvariantCulture)}), not {text}.");
            return fallback;
        }

        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>Reads one of a fixed set of names (case-insensitive).</summary>
    public T GetChoice<T>(string key, IReadOnlyDictionary<string, T> choices, T fallback)
    {
        if (GetString(key) is not { } text)
        {
            return fallback;
        }

        foreach (var (name, choice) in choices)
        {
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase))
            {
                return choice;
            }
        }

        Report(key, $"'{text}' is not a valid {key}; use one of: {string.Join(", ", choices.Keys.Select(k => $"\"{k}\""))}.");
        return fallback;
    }

    public void Report(string key, string message) => errors?.Add(new ConfigError(source, 0, 0, $"{path}.{key}", message));
}
