using System.Collections;
using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace Convey.Configuration;

/// <summary>
/// Settings that Convey's core does not interpret: the keys of a frontend, a pool or a top-level table that belong
/// to a forwarding engine or to the host (for example <c>dsr_method</c>, <c>send_proxy</c>, <c>[stats]</c>). Each
/// owner reads and checks its own keys (<see cref="IConfigSettingsOwner"/>). Keys are as written in the file, values
/// are text (a TOML number or boolean in its invariant form); a nested table or array flattens with <c>:</c>
/// (<c>sni:example.com</c>), as in Microsoft.Extensions.Configuration. Two instances are equal when they hold the
/// same keys with the same values.
/// </summary>
public sealed class ConfigSettings : IReadOnlyDictionary<string, string>, IEquatable<ConfigSettings>
{
    private readonly FrozenDictionary<string, string> _values;
    private object? _parsed;

    /// <summary>Creates settings holding <paramref name="values"/>.</summary>
    public ConfigSettings(IEnumerable<KeyValuePair<string, string>> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        _values = values.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>No settings.</summary>
    public static ConfigSettings Empty { get; } = new([]);

    string IReadOnlyDictionary<string, string>.this[string key] => _values[key];

    /// <summary>The keys, in no particular order.</summary>
    internal IEnumerable<string> Keys => _values.Keys;

    IEnumerable<string> IReadOnlyDictionary<string, string>.Keys => _values.Keys;

    IEnumerable<string> IReadOnlyDictionary<string, string>.Values => _values.Values;

    /// <inheritdoc/>
    public int Count => _values.Count;

    /// <inheritdoc/>
    public bool ContainsKey(string key) => _values.ContainsKey(key);

    /// <inheritdoc/>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value) => _values.TryGetValue(key, out value);

    IEnumerator<KeyValuePair<string, string>> IEnumerable<KeyValuePair<string, string>>.GetEnumerator() => ((IEnumerable<KeyValuePair<string, string>>)_values).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => ((IEnumerable)_values).GetEnumerator();

    /// <summary>
    /// The settings as their owner's typed form, parsed once: the settings never change, so a forwarding path reads
    /// its typed settings without parsing text per flow. One form is kept; settings read by several owners are parsed again.
    /// </summary>
    internal T Parsed<T>(Func<ConfigSettings, T> parse)
        where T : class
    {
        if (Volatile.Read(ref _parsed) is T cached)
        {
            return cached;
        }

        var value = parse(this);
        Volatile.Write(ref _parsed, value);
        return value;
    }

    /// <inheritdoc/>
    public bool Equals(ConfigSettings? other) =>
        other is not null && (ReferenceEquals(this, other) || (Count == other.Count && _values.All(p => other._values.TryGetValue(p.Key, out var v) && v == p.Value)));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ConfigSettings);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = 0;
        foreach (var (key, value) in _values)
        {
            hash ^= HashCode.Combine(key, value);
        }

        return hash;
    }

    /// <inheritdoc/>
    public override string ToString() => string.Join(", ", _values.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} = {p.Value}"));
}
