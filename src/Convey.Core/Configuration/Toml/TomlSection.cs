using System.Globalization;
using Tomlyn.Model;

namespace Convey.Configuration.Toml;

/// <summary>
/// One TOML table being read against the schema: typed getters that report wrong types at the key, and a final
/// check that reports every key the schema does not know, suggesting the nearest known one. A table converted from
/// an <c>IConfiguration</c> section holds every value as text (JSON numbers and booleans arrive as strings), so
/// there the getters also read numbers and seconds from their text; TOML itself stays strict.
/// </summary>
internal sealed class TomlSection
{
    /// <summary>Longest accepted time value, in seconds (about 11.5 days); timers cannot wait arbitrarily long.</summary>
    public const double MaxSeconds = 1_000_000;

    private readonly TomlTable _table;
    private readonly ConfigReadContext _context;
    private readonly string[] _knownKeys;

    public TomlSection(TomlTable table, string path, ConfigReadContext context, params string[] knownKeys)
    {
        _table = table;
        _context = context;
        _knownKeys = knownKeys;
        Path = path;
        context.RecordPositions(table, path);
    }

    /// <summary>Dotted path of this table (empty for the document root).</summary>
    public string Path { get; }

    public bool Contains(string key) => _table.ContainsKey(key);

    public string KeyPath(string key) => ConfigReadContext.Join(Path, key);

    public void Report(string key, string message) => _context.Report(KeyPath(key), message);

    /// <summary>Reports a required key that is absent, at this table's own position.</summary>
    public void ReportMissing(string key, string example) =>
        _context.Report(KeyPath(key), $"'{key}' is required here; add for example {key} = {example}.");

    public string? GetString(string key) => TryGet<string>(key, "a string", out var text) ? text : null;

    /// <summary>
    /// Reads a whole number that fits an <see cref="int"/>; with <paramref name="allowString"/> a quoted number too (the seed
    /// writes <c>port = "7000"</c>), and always from a source whose values are text.
    /// </summary>
    public int? GetInt(string key, bool allowString = false)
    {
        if (!_table.TryGetValue(key, out var value))
        {
            return null;
        }

        long number;
        switch (value)
        {
            case long integer:
                number = integer;
                break;
            case string text when allowString || _context.ValuesAreText:
                if (!long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number))
                {
                    Report(key, $"expected a whole number, found the string \"{text}\".");
                    return null;
                }

                break;
            default:
                ReportType(key, value, "a whole number");
                return null;
        }

        if (number is < int.MinValue or > int.MaxValue)
        {
            Report(key, $"{number.ToString(CultureInfo.InvariantCulture)} is far out of range for '{key}'.");
            return null;
        }

        return (int)number;
    }

    /// <summary>
    /// Reads a time in seconds (integer or float, or their text from a source whose values are text): not negative,
    /// finite, at most <see cref="MaxSeconds"/>.
    /// </summary>
    public TimeSpan? GetSeconds(string key)
    {
        if (!_table.TryGetValue(key, out var value))
        {
            return null;
        }

        double seconds;
        switch (value)
        {
            case long integer:
                seconds = integer;
                break;
            case double real:
                seconds = real;
                break;
            case string text when _context.ValuesAreText
                && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed):
                seconds = parsed;
                break;
            default:
                ReportType(key, value, "a number of seconds");
                return null;
        }

        if (double.IsNaN(seconds) || seconds < 0)
        {
            Report(key, $"'{key}' is a time in seconds and must not be negative, not {Format(value)}.");
            return null;
        }

        if (seconds > MaxSeconds)
        {
            Report(key, $"'{key}' must be at most {MaxSeconds.ToString(CultureInfo.InvariantCulture)} seconds, not {Format(value)}.");
            return null;
        }

        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>Reads a sub-table; a value of another type is reported.</summary>
    public TomlSection? GetTable(string key, params string[] knownKeys) =>
        TryGet<TomlTable>(key, $"a table ([{KeyPath(key)}])", out var table) ? new TomlSection(table, KeyPath(key), _context, knownKeys) : null;

    /// <summary>Reads a table of named tables (<c>[frontends.NAME]</c>), reporting entries that are not tables.</summary>
    public IReadOnlyList<(string Name, TomlSection Section)> GetNamedTables(string what, params string[] knownKeys)
    {
        var sections = new List<(string, TomlSection)>();
        foreach (var (name, value) in _table)
        {
            if (value is TomlTable table)
            {
                sections.Add((name, new TomlSection(table, KeyPath(name), _context, knownKeys)));
            }
            else
            {
                Report(name, $"'{name}' must be a table describing a {what} ([{KeyPath(name)}]), not {Describe(value)}.");
            }
        }

        return sections;
    }

    /// <summary>
    /// The keys of this table Core's schema does not know, as <see cref="ConfigSettings"/> for the engine or host that
    /// owns them (checked, unknown ones included, when the configuration is validated).
    /// </summary>
    public ConfigSettings OtherKeys()
    {
        var values = new List<KeyValuePair<string, string>>();
        foreach (var (key, value) in _table)
        {
            if (Array.IndexOf(_knownKeys, key) < 0)
            {
                Flatten(key, KeyPath(key), value, values);
            }
        }

        return values.Count == 0 ? ConfigSettings.Empty : new ConfigSettings(values);
    }

    /// <summary>
    /// A TOML value as settings text: scalars in their invariant form, tables and arrays flattened with ':'. From a
    /// source whose values are all text, a boolean's text is written as TOML writes it (JSON's <c>True</c> reads <c>true</c>),
    /// so the same configuration reads the same from either. The keys of a nested table (at dotted
    /// <paramref name="path"/>) have their positions recorded, so an owner's error about one points at its line.
    /// </summary>
    private void Flatten(string key, string path, object? value, List<KeyValuePair<string, string>> values)
    {
        switch (value)
        {
            case TomlTable table:
                _context.RecordPositions(table, path);
                foreach (var (name, inner) in table)
                {
                    Flatten($"{key}:{name}", ConfigReadContext.Join(path, name), inner, values);
                }

                break;
            case TomlTableArray tables:
                for (var i = 0; i < tables.Count; i++)
                {
                    var index = i.ToString(CultureInfo.InvariantCulture);
                    Flatten($"{key}:{index}", ConfigReadContext.Join(path, index), tables[i], values);
                }

                break;
            case TomlArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    var index = i.ToString(CultureInfo.InvariantCulture);
                    Flatten($"{key}:{index}", ConfigReadContext.Join(path, index), array[i], values);
                }

                break;
            case bool flag:
                values.Add(new(key, flag ? "true" : "false"));
                break;
            case string text when _context.ValuesAreText && bool.TryParse(text, out var flag):
                values.Add(new(key, flag ? "true" : "false"));
                break;
            case double real:
                values.Add(new(key, real.ToString("R", CultureInfo.InvariantCulture)));
                break;
            default:
                values.Add(new(key, Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""));
                break;
        }
    }

    /// <summary>Reports every key of this table the schema does not know, with the nearest known key.</summary>
    public void ReportUnknownKeys()
    {
        foreach (var key in _table.Keys)
        {
            if (Array.IndexOf(_knownKeys, key) >= 0)
            {
                continue;
            }

            var nearest = KeySuggestion.Nearest(key, _knownKeys);
            var hint = nearest is null ? "" : $" Did you mean '{nearest}'?";
            var known = _knownKeys.Length == 0 ? "" : $" Known keys here: {string.Join(", ", _knownKeys)}.";
            Report(key, $"unknown key '{key}'.{hint}{known}");
        }
    }

    /// <summary>Reads a value of TOML type <typeparamref name="T"/>; false when absent, or reported when of another type.</summary>
    private bool TryGet<T>(string key, string expected, out T value)
    {
        value = default!;
        if (!_table.TryGetValue(key, out var found))
        {
            return false;
        }

        if (found is T typed)
        {
            value = typed;
            return true;
        }

        ReportType(key, found, expected);
        return false;
    }

    private void ReportType(string key, object? value, string expected) =>
        Report(key, $"'{key}' must be {expected}, not {Describe(value)}.");

    private static string Describe(object? value) => value switch
    {
        string text => $"the string \"{text}\"",
        long integer => $"the integer {integer.ToString(CultureInfo.InvariantCulture)}",
        double real => $"the float {real.ToString(CultureInfo.InvariantCulture)}",
        bool flag => flag ? "the boolean true" : "the boolean false",
        TomlTable => "a table",
        TomlTableArray => "an array of tables",
        TomlArray => "an array",
        null => "nothing",
        _ => $"a date/time ({Convert.ToString(value, CultureInfo.InvariantCulture)})",
    };

    private static string Format(object value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
}
